"""Fast tests of the Pinterest API emulator itself, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import csv
import io
import json
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import yaml

from integration_tests.clock import TODAY
from pinterest_emulator import SCENARIOS, Emulator
from pinterest_emulator.spec_enums import ASYNC_COLUMNS, OPERATIONS, SPEC_VERSION, SYNC_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "tools" / "openapi" / "pinterest-api-v5-openapi.yaml"
STATUSES = ["ACTIVE", "PAUSED", "ARCHIVED", "DRAFT", "DELETED_DRAFT"]
METRICS = ["SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CLICKTHROUGH", "TOTAL_CONVERSIONS"]


class Client:
    """requests with the emulator's bearer token and base URL."""

    def __init__(self, emu: Emulator, token: str | None = None) -> None:
        self.emu = emu
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token or emu.access_token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.emu.base_url + path, params=params, timeout=10)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.session.post(self.emu.base_url + path, json=body, timeout=10)

    def all_pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.get(path, **params)
            assert page.status_code == 200, page.text
            body = page.json()
            items += body["items"]
            if not body["bookmark"]:
                return items
            params["bookmark"] = body["bookmark"]


@pytest.fixture(scope="module")
def small() -> Iterator[Emulator]:
    """A read-only small world shared by the tests that do not change it."""
    with Emulator("small") as emu:
        yield emu


@pytest.fixture
def tiny() -> Iterator[Emulator]:
    with Emulator("tiny") as emu:
        yield emu


def days_ago(emu: Emulator, n: int) -> str:
    return str(emu.today - timedelta(days=n))


def account_ids(emu: Emulator) -> list[str]:
    return [a["id"] for a in emu.truth.entities("ad_accounts")]


def basic(emu: Emulator, secret: str | None = None) -> dict[str, str]:
    raw = f"{emu.client_id}:{secret or emu.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def refresh(emu: Emulator, token: str, secret: str | None = None) -> requests.Response:
    data = {"grant_type": "refresh_token", "refresh_token": token, "continuous_refresh": "true"}
    return requests.post(emu.base_url + "oauth/token", headers=basic(emu, secret), data=data, timeout=10)


# ------------------------------------------------------------------------------------------------ spec fidelity
@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open() as handle:
        return yaml.load(handle, Loader=loader)  # type: ignore[no-any-return]


def test_enums_are_those_of_the_openapi_file(spec: dict[str, Any]) -> None:
    assert spec["info"]["version"] == SPEC_VERSION
    assert list(spec["components"]["schemas"]["ReportingColumnAsync"]["enum"]) == list(ASYNC_COLUMNS)
    columns = _resolve(spec, spec["components"]["parameters"]["query_columns"]["schema"]["items"])
    assert columns["enum"] == list(SYNC_COLUMNS) and len(SYNC_COLUMNS) == 175
    for (method, path), (category, _scopes) in OPERATIONS.items():
        assert spec["paths"][path][method.lower()]["x-ratelimit-category"] == category


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _check(spec: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> None:
    """A small OpenAPI 3.0 checker: types, nullable, enums, required and unknown properties."""
    schema = _resolve(spec, schema)
    if value is None:
        assert schema.get("nullable") or None in schema.get("enum", [None]) or not schema, f"{where}: null"
        return
    if "oneOf" in schema:
        mapping = schema.get("discriminator", {}).get("mapping", {})
        key = schema.get("discriminator", {}).get("propertyName")
        options = [{"$ref": mapping[value[key]]}] if key and value.get(key) in mapping else schema["oneOf"]
        errors = []
        for option in options:
            try:
                _check(spec, option, value, where)
                return
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError(f"{where}: no oneOf branch matched: {errors}")
    parts = [_resolve(spec, s) for s in schema.get("allOf", [])] + [schema]
    properties = {k: v for p in parts for k, v in p.get("properties", {}).items()}
    required = {r for p in parts for r in p.get("required", [])}
    kind = next((p["type"] for p in parts if "type" in p), None)
    enum = next((p["enum"] for p in parts if "enum" in p), None)
    if enum is not None:
        assert value in enum, f"{where}: {value!r} not in enum"
    if kind == "string":
        assert isinstance(value, str), f"{where}: {value!r} is not a string"
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r} is not an integer"
    elif kind == "number":
        assert isinstance(value, int | float) and not isinstance(value, bool), f"{where}: {value!r} not a number"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: {value!r} is not a boolean"
    elif kind == "array":
        assert isinstance(value, list), f"{where}: not an array"
        for i, item in enumerate(value):
            _check(spec, next(p["items"] for p in parts if "items" in p), item, f"{where}[{i}]")
    elif properties:
        assert isinstance(value, dict), f"{where}: not an object"
        assert required <= set(value), f"{where}: missing {required - set(value)}"
        unknown = set(value) - set(properties)
        assert not unknown, f"{where}: fields not in the schema: {unknown}"
        for name, item in value.items():
            _check(spec, properties[name], item, f"{where}.{name}")


@pytest.mark.parametrize(
    ("stream", "schema"),
    [
        ("ad_accounts", "AdAccount"),
        ("campaigns", "CampaignResponse"),
        ("ad_groups", "AdGroupResponse"),
        ("ads", "AdResponse"),
        ("user_account", "Account"),
        ("boards", "Board"),
        ("pins", "Pin"),
        ("audiences", "Audience"),
        ("conversion_tags", "ConversionTag"),
        ("customer_lists", "CustomerList"),
        ("catalogs", "Catalog"),
        ("catalogs_product_groups", "CatalogsVerticalProductGroup"),
    ],
)
def test_records_follow_the_response_schemas(spec: dict[str, Any], small: Emulator, stream: str, schema: str) -> None:
    records = small.truth.entities(stream)
    assert records
    for record in records:
        _check(spec, {"$ref": f"#/components/schemas/{schema}"}, record, f"{stream}/{record.get('id')}")


def test_feeds_and_keywords_follow_their_schemas(spec: dict[str, Any], small: Emulator) -> None:
    client = Client(small)
    feeds = client.all_pages("catalogs/feeds")
    assert {f["catalog_type"] for f in feeds} == {"RETAIL", "HOTEL"}
    assert any(f["credentials"] for f in feeds), "some feeds carry merchant credentials"
    for feed in feeds:
        _check(spec, {"$ref": "#/components/schemas/CatalogsFeed"}, feed, f"feed/{feed['id']}")
    assert all("credentials" not in f for f in small.truth.entities("catalogs_feeds"))
    account = account_ids(small)[0]
    for keyword in client.all_pages(f"ad_accounts/{account}/keywords"):
        _check(spec, {"$ref": "#/components/schemas/Keyword"}, keyword, "keyword")


# ------------------------------------------------------------------------------------------------ lists
def test_pagination_page_size_and_bookmarks(small: Emulator) -> None:
    client = Client(small)
    account = account_ids(small)[0]
    path = f"ad_accounts/{account}/campaigns"
    expected = [c for c in small.truth.entities("campaigns") if c["ad_account_id"] == account]
    everything = client.all_pages(path, entity_statuses=",".join(STATUSES), page_size=1)
    assert everything == expected and len(everything) >= 5
    first = client.get(path, entity_statuses=STATUSES, page_size=len(expected)).json()
    assert len(first["items"]) == len(expected) and first["bookmark"], "a full page always has a bookmark"
    last = client.get(path, entity_statuses=STATUSES, page_size=5, bookmark=first["bookmark"]).json()
    assert last == {"items": [], "bookmark": None}
    assert len(client.get(path, entity_statuses=STATUSES).json()["items"]) == min(25, len(expected))
    assert client.get(path, page_size=250).status_code == 200
    for bad in (251, 0, "3e"):
        response = client.get(path, page_size=bad)
        assert (
            response.status_code == 400 and response.json()["code"] == 1 and "page_size" in response.json()["message"]
        )
    assert client.get(path, bookmark="not-a-bookmark").status_code == 400
    assert client.get(path, entity_statuses="ARCHIVED", bookmark=first["bookmark"]).status_code == 400, (
        "bound to filters"
    )
    descending = client.all_pages(path, entity_statuses=STATUSES, order="DESCENDING", page_size=3)
    assert descending == expected[::-1]


def test_entity_statuses_default_and_all_five(small: Emulator) -> None:
    client = Client(small)
    for stream in ("campaigns", "ad_groups", "ads"):
        truth = small.truth.entities(stream)
        assert {r["status"] for r in truth} == set(STATUSES)
        served = [r for a in account_ids(small) for r in client.all_pages(f"ad_accounts/{a}/{stream}")]
        assert {r["status"] for r in served} == {"ACTIVE", "PAUSED"}
        assert sorted(r["id"] for r in served) == sorted(r["id"] for r in truth if r["status"] in ("ACTIVE", "PAUSED"))
        repeated = [
            r
            for a in account_ids(small)
            for r in client.all_pages(f"ad_accounts/{a}/{stream}", entity_statuses=STATUSES)
        ]
        joined = [
            r
            for a in account_ids(small)
            for r in client.all_pages(f"ad_accounts/{a}/{stream}", entity_statuses=",".join(STATUSES))
        ]
        assert sorted(r["id"] for r in repeated) == sorted(r["id"] for r in joined) == sorted(r["id"] for r in truth)
    account = account_ids(small)[0]
    assert client.get(f"ad_accounts/{account}/campaigns", entity_statuses="DELETED").status_code == 400


def test_id_filters_cap_at_250(small: Emulator) -> None:
    client = Client(small)
    account = account_ids(small)[0]
    ids = [str(10**11 + i) for i in range(251)]
    assert client.get(f"ad_accounts/{account}/campaigns", campaign_ids=ids[:250]).status_code == 200
    for stream, name in (("campaigns", "campaign_ids"), ("ad_groups", "ad_group_ids"), ("ads", "ad_ids")):
        response = client.get(f"ad_accounts/{account}/{stream}", **{name: ids})
        assert response.status_code == 400 and response.json()["code"] == 1
    campaign = next(c for c in small.truth.entities("campaigns") if c["ad_account_id"] == account)
    ads = client.all_pages(f"ad_accounts/{account}/ads", campaign_ids=campaign["id"], entity_statuses=STATUSES)
    assert ads and {a["campaign_id"] for a in ads} == {campaign["id"]}
    both = client.get(f"ad_accounts/{account}/ad_groups", campaign_ids=campaign["id"], ad_group_ids="1")
    assert both.status_code == 400
    assert client.get("ad_accounts/123/campaigns").status_code == 404


def test_ad_accounts_shared_and_single(small: Emulator) -> None:
    client = Client(small)
    everyone = client.all_pages("ad_accounts")
    owned = client.all_pages("ad_accounts", include_shared_accounts="false")
    assert len(everyone) == 2 and len(owned) == 1
    shared = next(a for a in everyone if a not in owned)
    assert shared["owner"]["username"] != owned[0]["owner"]["username"] and "OWNER" not in shared["permissions"]
    assert client.get(f"ad_accounts/{shared['id']}").json() == shared


def test_keywords_need_ad_group_filters(small: Emulator) -> None:
    client = Client(small)
    truth = small.truth.entities("keywords")
    for account in account_ids(small):
        plain = client.all_pages(f"ad_accounts/{account}/keywords")
        assert plain and {k["parent_id"] for k in plain} == {account}, "unfiltered: account-level keywords only"
        groups = [g["id"] for g in small.truth.entities("ad_groups") if g["ad_account_id"] == account]
        by_groups = client.all_pages(f"ad_accounts/{account}/keywords", ad_group_ids=",".join(groups))
        one = client.all_pages(f"ad_accounts/{account}/keywords", ad_group_id=groups[0])
        assert {k["parent_type"] for k in by_groups} == {"ad_group"} and set(map(str, one)) <= set(map(str, by_groups))
        expected = sorted(k["id"] for k in truth if k["ad_account_id"] == account)
        assert sorted(k["id"] for k in plain + by_groups) == expected
    too_many = client.get(f"ad_accounts/{account}/keywords", ad_group_ids=[str(10**12 + i) for i in range(251)])
    assert too_many.status_code == 400


def test_account_objects(small: Emulator) -> None:
    client = Client(small)
    account = account_ids(small)[0]
    tags = client.get(f"ad_accounts/{account}/conversion_tags", page_size=1).json()
    assert set(tags) == {"items"} and len(tags["items"]) == 3, "not paginated"
    live = client.get(f"ad_accounts/{account}/conversion_tags", filter_deleted="true").json()["items"]
    assert len(live) < len(tags["items"])
    assert any(t["last_fired_time_ms"] and t["last_fired_time_ms"] > 10**12 for t in tags["items"]), "milliseconds"
    owned = client.all_pages(f"ad_accounts/{account}/audiences")
    received = client.all_pages(f"ad_accounts/{account}/audiences", ownership_type="RECEIVED")
    assert {a["ad_account_id"] for a in owned} == {account} and received and received[0]["ad_account_id"] != account
    assert client.all_pages(f"ad_accounts/{account}/customer_lists")[0]["type"] == "customerlist"


def test_boards_sections_pins_and_visibility(small: Emulator) -> None:
    client = Client(small)
    boards = client.all_pages("boards")
    assert {b["privacy"] for b in boards} == {"PUBLIC", "SECRET", "PROTECTED"}
    assert client.all_pages("boards", privacy="SECRET") == [b for b in boards if b["privacy"] == "SECRET"]
    board_pins = [p for b in boards for p in client.all_pages(f"boards/{b['id']}/pins")]
    assert sorted(p["id"] for p in board_pins) == [p["id"] for p in small.truth.entities("board_pins")]
    sections = [(b["id"], s) for b in boards for s in client.all_pages(f"boards/{b['id']}/sections")]
    section_pins = [p for b, s in sections for p in client.all_pages(f"boards/{b}/sections/{s['id']}/pins")]
    assert sorted(p["id"] for p in section_pins) == [p["id"] for p in small.truth.entities("board_section_pins")]
    assert all(p["board_section_id"] for p in section_pins)
    pins = client.all_pages("pins")
    protected = {b["id"] for b in boards if b["privacy"] == "PROTECTED"}
    assert pins == sorted(small.truth.entities("pins"), key=lambda p: -int(p["id"])), "newest first"
    assert not {p["board_id"] for p in pins} & protected
    assert len(client.all_pages("pins", include_protected_pins="true")) == len(board_pins)
    with_metrics = client.get("pins", pin_metrics="true", page_size=3).json()["items"]
    assert all(set(p["pin_metrics"]) == {"90d", "lifetime_metrics"} for p in with_metrics)
    assert client.get("boards/1/pins").status_code == 404


def test_missing_scope_403_and_no_catalog_409() -> None:
    scenario = SCENARIOS["tiny"].with_options(
        catalogs=0, token_scopes=("ads:read", "pins:read", "user_accounts:read", "catalogs:read")
    )
    with Emulator(scenario) as emu:
        client = Client(emu)
        refused = client.get("boards")
        assert refused.status_code == 403 and refused.json()["code"] == 3
        assert client.get("pins").status_code == 403
        assert client.get("user_account").status_code == 200
        conflict = client.get("catalogs/product_groups")
        assert conflict.status_code == 409 and set(conflict.json()) == {"code", "message"}
        assert client.get("catalogs").json() == {"items": [], "bookmark": None}


def test_closed_betas_refuse_the_multi_pin_endpoint_and_beta_targeting_types_naming_them() -> None:
    scenario = SCENARIOS["tiny"].with_options(multi_pin_beta=False, beta_targeting_types=False)
    with Emulator(scenario) as emu:
        client = Client(emu)
        window = {"start_date": (emu.today - timedelta(days=5)).isoformat(), "end_date": emu.today.isoformat()}
        pin = next(iter(emu.world.pins))
        multi = client.get("pins/analytics", pin_ids=pin, metric_types="IMPRESSION", **window)
        assert multi.status_code == 403 and "beta" in multi.json()["message"]
        one = client.get(f"pins/{pin}/analytics", metric_types="IMPRESSION", **window)
        assert one.status_code == 200 and set(one.json()) == {"all"}  # app_types ALL: the all-apps totals
        account = next(iter(emu.world.ad_accounts))
        ad_groups = ",".join(list(emu.world.ad_groups)[:2])
        ask = {"columns": "SPEND_IN_DOLLAR", "granularity": "DAY", "ad_group_ids": ad_groups, **window}
        path = f"ad_accounts/{account}/ad_groups/targeting_analytics"
        for refused in ("AGE_BUCKET_AND_GENDER", "CREATIVE_ENHANCEMENTS"):
            answer = client.get(path, targeting_types=f"GENDER,{refused}", **ask)
            assert answer.status_code == 400 and refused in answer.json()["message"], answer.text
        assert client.get(path, targeting_types="GENDER,KEYWORD", **ask).status_code == 200


# ------------------------------------------------------------------------------------------------ auth
def test_refresh_rotates_and_401s(tiny: Emulator) -> None:
    first = tiny.refresh_token
    response = refresh(tiny, first)
    body = response.json()
    assert response.status_code == 200 and body["token_type"] == "bearer" and body["response_type"] == "refresh_token"
    assert body["refresh_token"] != first and tiny.refresh_token == body["refresh_token"]
    assert {"expires_in", "scope", "refresh_token_expires_in", "refresh_token_expires_at"} <= set(body)
    reused = refresh(tiny, first)
    assert reused.status_code == 401 and reused.json() == {"code": 283, "message": "The authorization grant is invalid"}
    assert refresh(tiny, tiny.refresh_token, secret="wrong").status_code == 401
    fresh = Client(tiny, body["access_token"])
    assert fresh.get("ad_accounts").status_code == 200
    for header in ({}, {"Authorization": "Bearer nope"}):
        denied = requests.get(tiny.base_url + "ad_accounts", headers=header, timeout=10)
        assert denied.status_code == 401 and denied.json() == {"code": 2, "message": "Authentication failed."}
    tiny.inject("expire_token")
    assert fresh.get("ad_accounts").status_code == 401
    again = refresh(tiny, tiny.refresh_token)
    assert again.status_code == 200 and Client(tiny, again.json()["access_token"]).get("ad_accounts").status_code == 200


# ------------------------------------------------------------------------------------------------ analytics
def _analytics(client: Client, account: str, level: str, ids: list[str], **params: Any) -> requests.Response:
    path = {"CAMPAIGN": "campaigns/", "AD_GROUP": "ad_groups/", "AD": "ads/", "AD_ACCOUNT": ""}[level]
    name = {"CAMPAIGN": "campaign_ids", "AD_GROUP": "ad_group_ids", "AD": "ad_ids"}.get(level)
    query = {"granularity": "DAY", "columns": ",".join(METRICS), **params}
    if name:
        query[name] = ",".join(ids)
    return client.get(f"ad_accounts/{account}/{path}analytics", **query)


def test_analytics_date_limits_and_validation(small: Emulator) -> None:
    client = Client(small)
    account = account_ids(small)[0]
    ok = {"start_date": days_ago(small, 90), "end_date": days_ago(small, 0)}
    assert _analytics(client, account, "AD_ACCOUNT", [], **ok).status_code == 200
    for start, end, granularity in (
        (91, 0, "DAY"),  # more than 90 days back
        (90, -1, "DAY"),  # a range of 91 days
        (9, 8, "HOUR"),  # more than 8 days back
        (8, 4, "HOUR"),  # a range of 4 days
        (3, 5, "DAY"),  # end before start
    ):
        response = _analytics(
            client, account, "AD_ACCOUNT", [], start_date=days_ago(small, start), end_date=days_ago(small, end),
            granularity=granularity,
        )  # fmt: skip
        assert response.status_code == 400 and response.json()["code"] == 1, (start, end, granularity)
    hour_ok = {"start_date": days_ago(small, 8), "end_date": days_ago(small, 5), "granularity": "HOUR"}
    assert _analytics(client, account, "AD_ACCOUNT", [], **hour_ok).status_code == 200
    assert (
        _analytics(client, account, "AD_ACCOUNT", [], columns="SPEND_IN_DOLLAR,NOT_A_COLUMN", **ok).status_code == 400
    )
    assert (
        _analytics(client, account, "AD_ACCOUNT", [], start_date="2026-13-01", end_date="2026-11-01").status_code == 400
    )
    assert client.get(f"ad_accounts/{account}/analytics", start_date=ok["start_date"]).status_code == 400
    ids = [str(10**11 + i) for i in range(251)]
    assert _analytics(client, account, "CAMPAIGN", ids[:250], **ok).status_code == 200
    for level in ("CAMPAIGN", "AD_GROUP", "AD"):
        assert _analytics(client, account, level, ids, **ok).status_code == 400
    assert _analytics(client, account, "CAMPAIGN", [], **ok).status_code == 400
    assert _analytics(client, account, "AD", [], click_window_days=5, **ok).status_code == 400


def _sum_by(rows: list[dict[str, Any]], key: str = "DATE") -> dict[str, dict[str, float]]:
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        for metric in METRICS:
            sums[row.get(key, "")][metric] += row.get(metric, 0)
    return {k: dict(v) for k, v in sums.items()}


def test_levels_add_up_and_match_truth(small: Emulator) -> None:
    client = Client(small)
    window = {"start_date": days_ago(small, 60), "end_date": days_ago(small, 0)}
    start, end = small.today - timedelta(days=60), small.today
    served: dict[str, list[dict[str, Any]]] = {}
    for level, stream in (("AD_ACCOUNT", None), ("CAMPAIGN", "campaigns"), ("AD_GROUP", "ad_groups"), ("AD", "ads")):
        rows = []
        for account in account_ids(small):
            ids = [r["id"] for r in small.truth.entities(stream) if r["ad_account_id"] == account] if stream else []
            response = _analytics(client, account, level, ids, **window)
            assert response.status_code == 200, response.text
            rows += response.json()
        truth = small.truth.analytics(level, start, end, METRICS)
        key = {"AD_ACCOUNT": "AD_ACCOUNT_ID", "CAMPAIGN": "CAMPAIGN_ID", "AD_GROUP": "AD_GROUP_ID", "AD": "AD_ID"}[
            level
        ]
        assert sorted(rows, key=lambda r: (r[key], r["DATE"])) == sorted(truth, key=lambda r: (r[key], r["DATE"]))
        served[level] = rows
    totals = {level: _sum_by(rows) for level, rows in served.items()}
    assert len(totals["AD_ACCOUNT"]) > 30
    for level in ("CAMPAIGN", "AD_GROUP", "AD"):
        assert totals[level].keys() == totals["AD_ACCOUNT"].keys()
        for day, metrics in totals["AD_ACCOUNT"].items():
            for metric, value in metrics.items():
                assert totals[level][day][metric] == pytest.approx(value), (level, day, metric)
    assert any(r.get("TOTAL_CONVERSIONS") for r in served["AD"])


def test_granularities_are_consistent(small: Emulator) -> None:
    start, end = small.today - timedelta(days=2), small.today
    day = _sum_by(small.truth.analytics("AD_ACCOUNT", start, end, METRICS[:3]))
    hourly = small.truth.analytics("AD_ACCOUNT", start, end, METRICS, granularity="HOUR")
    assert hourly[0]["DATE"].endswith(":00:00") and "T" in hourly[0]["DATE"]
    assert all("TOTAL_CONVERSIONS" not in r for r in hourly), "HOUR has no conversion data"
    assert max(r["DATE"] for r in hourly) == f"{small.today}T11:00:00", "today so far: hours before noon"
    by_day = _sum_by([{**r, "DATE": r["DATE"][:10]} for r in hourly])
    for d, metrics in day.items():
        for metric in METRICS[:3]:
            assert by_day[d][metric] == metrics[metric]
    start = small.today - timedelta(days=75)
    daily = small.truth.analytics("CAMPAIGN", start, small.today, METRICS)
    for granularity in ("WEEK", "MONTH", "TOTAL"):
        rows = small.truth.analytics("CAMPAIGN", start, small.today, METRICS, granularity=granularity)
        assert all(("DATE" in r) == (granularity != "TOTAL") for r in rows)
        for metric in METRICS:
            assert sum(r.get(metric, 0) for r in rows) == pytest.approx(sum(r.get(metric, 0) for r in daily))
    weeks = {r["DATE"] for r in small.truth.analytics("AD_ACCOUNT", start, small.today, METRICS, granularity="WEEK")}
    assert all(date.fromisoformat(w).weekday() == 0 for w in weeks)
    months = {r["DATE"] for r in small.truth.analytics("AD_ACCOUNT", start, small.today, METRICS, granularity="MONTH")}
    assert all(m.endswith("-01") for m in months)


def test_sparse_rows_and_no_all_zero_rows(small: Emulator) -> None:
    columns = ["SPEND_IN_DOLLAR", "VIDEO_MRC_VIEWS_1", "TOTAL_CHECKOUT", "CTR", "AD_NAME"]
    rows = small.truth.analytics("AD", small.today - timedelta(days=60), small.today, columns)
    video = {a["id"] for a in small.truth.entities("ads") if a["creative_type"] in ("VIDEO", "MAX_VIDEO")}
    assert any(r["AD_ID"] in video for r in rows) and any(r["AD_ID"] not in video for r in rows)
    assert all(("VIDEO_MRC_VIEWS_1" in r) == (r["AD_ID"] in video) for r in rows), "video columns only for video ads"
    assert any("TOTAL_CHECKOUT" not in r for r in rows) and any("TOTAL_CHECKOUT" in r for r in rows)
    assert all(r.get("SPEND_IN_DOLLAR") or r.get("VIDEO_MRC_VIEWS_1") or r.get("TOTAL_CHECKOUT") for r in rows)
    drafts = {a["id"] for a in small.truth.entities("ads", ["DRAFT", "DELETED_DRAFT"])}
    assert drafts and not drafts & {r["AD_ID"] for r in rows}, "drafts never delivered"
    ended = [c for c in small.truth.entities("campaigns") if c["status"] in ("ARCHIVED", "PAUSED")]
    assert ended, "some campaigns stopped delivering"


def test_attribution_windows_and_report_time(small: Emulator) -> None:
    start, end = small.today - timedelta(days=80), small.today
    columns = ["TOTAL_CONVERSIONS", "TOTAL_CLICK_CHECKOUT", "TOTAL_VIEW_CHECKOUT"]

    def total(column: str, **kw: Any) -> float:
        return sum(r.get(column, 0) for r in small.truth.analytics("AD_ACCOUNT", start, end, columns, **kw))

    assert (
        total("TOTAL_CONVERSIONS", click_window_days=1)
        < total("TOTAL_CONVERSIONS")
        < total("TOTAL_CONVERSIONS", click_window_days=60)
    )
    assert total("TOTAL_VIEW_CHECKOUT", view_window_days=0) < total("TOTAL_VIEW_CHECKOUT", view_window_days=30)
    by_action = small.truth.analytics("AD_ACCOUNT", start, end, columns)
    by_conversion = small.truth.analytics(
        "AD_ACCOUNT", start, end, columns, conversion_report_time="TIME_OF_CONVERSION"
    )
    assert by_action != by_conversion
    client = Client(small)
    account = account_ids(small)[0]
    params = {"start_date": str(start), "end_date": str(end), "columns": ",".join(columns), "granularity": "DAY"}
    narrow = client.get(f"ad_accounts/{account}/analytics", click_window_days=1, **params).json()
    truth = small.truth.analytics("AD_ACCOUNT", start, end, columns, click_window_days=1)
    assert narrow and narrow == [r for r in truth if r["AD_ACCOUNT_ID"] == account]


def test_targeting_analytics_split_totals(small: Emulator) -> None:
    client = Client(small)
    account = account_ids(small)[0]
    campaigns = [c["id"] for c in small.truth.entities("campaigns") if c["ad_account_id"] == account]
    params = {
        "campaign_ids": ",".join(campaigns), "start_date": days_ago(small, 30), "end_date": days_ago(small, 0),
        "columns": ",".join(METRICS), "granularity": "TOTAL", "targeting_types": "APPTYPE,GENDER",
    }  # fmt: skip
    body = client.get(f"ad_accounts/{account}/campaigns/targeting_analytics", **params).json()
    assert set(body) == {"data"} and body["data"]
    item = body["data"][0]
    assert set(item) == {"targeting_type", "targeting_value", "metrics"} and "CAMPAIGN_ID" in item["metrics"]
    plain = _analytics(
        client, account, "CAMPAIGN", campaigns, **{k: params[k] for k in ("start_date", "end_date", "granularity")}
    )
    for row in plain.json():
        for kind in ("APPTYPE", "GENDER"):
            parts = [
                d["metrics"]
                for d in body["data"]
                if d["targeting_type"] == kind and d["metrics"]["CAMPAIGN_ID"] == row["CAMPAIGN_ID"]
            ]
            for metric in METRICS:
                assert sum(p.get(metric, 0) for p in parts) == row.get(metric, 0)
    missing = dict(params, targeting_types="")
    assert client.get(f"ad_accounts/{account}/campaigns/targeting_analytics", **missing).status_code == 400
    wrong = dict(params, targeting_types="QUIZ_RESULT")
    assert client.get(f"ad_accounts/{account}/campaigns/targeting_analytics", **wrong).status_code == 400


def test_organic_pin_and_user_analytics(small: Emulator) -> None:
    client = Client(small)
    window = {"start_date": days_ago(small, 10), "end_date": days_ago(small, 0)}
    pin = next(p for p in small.truth.entities("pins") if p["creative_type"] != "VIDEO")
    body = client.get(f"pins/{pin['id']}/analytics", metric_types="IMPRESSION,SAVE,SAVE_RATE", **window).json()
    assert set(body) == {"all"} and set(body["all"]) == {"daily_metrics", "summary_metrics", "lifetime_metrics"}
    statuses = [d["data_status"] for d in body["all"]["daily_metrics"]]
    assert statuses[-3:] == ["ESTIMATE", "ESTIMATE", "PROCESSING"] and set(statuses[:-3]) <= {
        "READY",
        "BEFORE_PIN_CREATED",
    }
    split = client.get(
        f"pins/{pin['id']}/analytics", metric_types="IMPRESSION", split_field="APP_TYPE", **window
    ).json()
    assert set(split) == {"MOBILE", "TABLET", "WEB"}
    assert sum(split[a]["summary_metrics"]["IMPRESSION"] for a in split) == body["all"]["summary_metrics"]["IMPRESSION"]
    assert body == small.truth.pin_analytics(
        pin["id"], small.today - timedelta(days=10), small.today, ["IMPRESSION", "SAVE", "SAVE_RATE"]
    )
    assert client.get(f"pins/{pin['id']}/analytics", **window).status_code == 400, "metric_types is required"
    too_old = {"start_date": days_ago(small, 91), "end_date": days_ago(small, 80)}
    assert client.get(f"pins/{pin['id']}/analytics", metric_types="IMPRESSION", **too_old).status_code == 400
    user = client.get("user_account/analytics", **window).json()["all"]
    ids = [p["id"] for p in small.truth.entities("pins")] + [
        p["id"] for p in client.all_pages("pins", include_protected_pins="true")
    ]
    bulk = client.get("pins/analytics", pin_ids=",".join(sorted(set(ids))[:100]), metric_types="IMPRESSION", **window)
    assert bulk.status_code == 200 and all(set(v) == {"all"} for v in bulk.json().values())
    day = user["daily_metrics"][3]
    total = 0
    for pin_id in sorted(small.world.pins):
        one = small.truth.pin_analytics(pin_id, small.today - timedelta(days=10), small.today, ["IMPRESSION"])["all"]
        total += one["daily_metrics"][3]["metrics"].get("IMPRESSION", 0)
    assert day["metrics"]["IMPRESSION"] == total, "the user's impressions are those of their pins"
    assert (
        client.get(
            "pins/analytics", pin_ids=[str(10**17 + i) for i in range(101)], metric_types="IMPRESSION", **window
        ).status_code
        == 400
    )


# ------------------------------------------------------------------------------------------------ the clock
def test_advance_changes_adds_and_revises(tiny: Emulator) -> None:
    before_today = tiny.today
    campaigns = {c["id"]: c for c in tiny.truth.entities("campaigns")}
    ads = {a["id"]: a for a in tiny.truth.entities("ads")}
    pins = len(tiny.truth.entities("pins"))
    start = tiny.today - timedelta(days=60)
    columns = ["SPEND_IN_MICRO_DOLLAR", "TOTAL_CONVERSIONS"]
    old = {r["DATE"]: r for r in tiny.truth.analytics("AD_ACCOUNT", start, tiny.today, columns)}
    tiny.advance(10)
    assert tiny.today == before_today + timedelta(days=10)
    new_campaigns = {c["id"]: c for c in tiny.truth.entities("campaigns")}
    new_ads = {a["id"]: a for a in tiny.truth.entities("ads")}
    assert set(new_campaigns) > set(campaigns) and set(new_ads) > set(ads)
    assert len(tiny.truth.entities("pins")) > pins
    changed = [i for i in ads if new_ads[i] != ads[i]]
    assert changed and all(new_ads[i]["updated_time"] > ads[i]["updated_time"] for i in changed)
    new = {r["DATE"]: r for r in tiny.truth.analytics("AD_ACCOUNT", start, tiny.today, columns)}
    old_days = [d for d in old if d < str(before_today - timedelta(days=60))]
    assert all(new[d] == old[d] for d in old_days), "nothing older than the longest window changes"
    recent = [
        d for d in old if d < str(before_today) and new[d]["SPEND_IN_MICRO_DOLLAR"] == old[d]["SPEND_IN_MICRO_DOLLAR"]
    ]
    assert any(new[d].get("TOTAL_CONVERSIONS", 0) > old[d].get("TOTAL_CONVERSIONS", 0) for d in recent), (
        "late conversions"
    )
    assert new[str(before_today)]["SPEND_IN_MICRO_DOLLAR"] > old[str(before_today)]["SPEND_IN_MICRO_DOLLAR"], (
        "partial day completed"
    )
    assert str(before_today + timedelta(days=5)) in new


def test_same_seed_same_world() -> None:
    one, two, other = Emulator("tiny"), Emulator("tiny"), Emulator("tiny", seed=8)
    for stream in ("campaigns", "ads", "pins", "keywords"):
        assert one.truth.entities(stream) == two.truth.entities(stream) != other.truth.entities(stream)
    one.advance(3)
    two.advance(1)
    two.advance(2)
    start = one.today - timedelta(days=30)
    assert one.truth.analytics("AD", start, one.today, METRICS) == two.truth.analytics("AD", start, two.today, METRICS)
    assert one.truth.entities("ads") == two.truth.entities("ads")


# ------------------------------------------------------------------------------------------------ faults and limits
def test_faults(tiny: Emulator) -> None:
    client = Client(tiny)
    tiny.inject("429", path="/ad_accounts$", count=2, retry_after=3)
    for _ in range(2):
        limited = client.get("ad_accounts")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "3" and limited.json()["code"] == 8
    assert client.get("ad_accounts").status_code == 200
    tiny.inject("500", path="/boards")
    tiny.inject("503", path="/boards")
    assert client.get("boards").status_code == 500
    unavailable = client.get("boards")
    assert unavailable.status_code == 503 and unavailable.headers["Content-Type"] == "text/html"
    assert client.get("boards").status_code == 200
    tiny.inject("drop", path="/pins")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(tiny.base_url + "pins", headers=client.session.headers, timeout=10)
    tiny.inject("truncate", path="/pins")
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(tiny.base_url + "pins", headers=client.session.headers, timeout=10)
    assert client.get("pins").status_code == 200
    tiny.inject("slow", path="/user_account", seconds=0.3)
    began = time.monotonic()
    assert client.get("user_account").status_code == 200 and time.monotonic() - began >= 0.3
    tiny.inject("daily_cap", path="/catalogs")
    for _ in range(3):
        capped = client.get("catalogs")
        assert capped.status_code == 429 and capped.json()["code"] == 8 and "daily" in capped.json()["message"]
    assert client.get("catalogs/feeds").status_code == 429, "the pattern matches the feeds path too"
    with pytest.raises(ValueError):
        tiny.inject("meteor")


def test_a_403_on_one_request_and_an_edit_during_a_listing() -> None:
    with Emulator(SCENARIOS["tiny"].with_options(campaigns_per_account=5)) as emu:
        client = Client(emu)
        (account,) = emu.world.ad_accounts
        emu.inject("403", path=f"/ad_accounts/{account}/analytics$")
        window = {"start_date": days_ago(emu, 3), "end_date": days_ago(emu, 0), "columns": "SPEND_IN_DOLLAR"}
        refused = client.get(f"ad_accounts/{account}/analytics", granularity="DAY", **window)
        assert refused.status_code == 403 and refused.json()["code"] == 29
        assert client.get(f"ad_accounts/{account}/analytics", granularity="DAY", **window).status_code == 200

        emu.inject("edit_during_listing", path="/campaigns$")
        params = {"page_size": 2, "entity_statuses": STATUSES}
        first_page = client.get(f"ad_accounts/{account}/campaigns", **params).json()
        assert emu.truth.entities("campaigns")[0] == first_page["items"][0]  # a first page edits nothing
        rest = client.all_pages(f"ad_accounts/{account}/campaigns", bookmark=first_page["bookmark"], **params)
        truth = emu.truth.entities("campaigns")
        assert "edited while listed" in truth[0]["name"] and first_page["items"][0] != truth[0]
        assert rest[-1] == truth[-1] and truth[0]["updated_time"] < truth[-1]["updated_time"]


def test_shared_later_empty_and_dormant_accounts() -> None:
    scenario = SCENARIOS["small"].with_options(share_delay_days=2, empty_ad_accounts=1, dormant_ad_accounts=1)
    with Emulator(scenario) as emu:
        client = Client(emu)
        owned, shared, empty, dormant = sorted(emu.world.ad_accounts, key=int)
        listed = lambda: [a["id"] for a in client.all_pages("ad_accounts")]  # noqa: E731
        assert listed() == [owned, empty, dormant]
        assert client.get(f"ad_accounts/{shared}/campaigns").status_code == 404
        emu.advance(1)
        assert shared not in listed()
        emu.advance(1)
        assert listed() == [owned, shared, empty, dormant]
        assert client.get(f"ad_accounts/{shared}/campaigns").status_code == 200

        assert not emu.world.campaigns_in(empty)
        archived = client.all_pages(f"ad_accounts/{dormant}/campaigns", entity_statuses=STATUSES)
        assert archived and {c["status"] for c in archived} == {"ARCHIVED"}
        rows = emu.truth.analytics("AD_ACCOUNT", emu.world.today - timedelta(days=scenario.history_days),
                                   emu.today, METRICS)  # fmt: skip
        assert {str(r["AD_ACCOUNT_ID"]) for r in rows} == {owned, shared}


def test_latency_and_rate_limits() -> None:
    with Emulator("tiny", latency_ms=50) as emu:
        client = Client(emu)
        began = time.monotonic()
        response = client.get("boards")
        assert time.monotonic() - began >= 0.05
        assert (
            response.headers["x-ratelimit-category"] == "org_read" and response.headers["x-ratelimit-limit"] == "1000"
        )
        assert (
            int(response.headers["x-ratelimit-remaining"]) == 999 and int(response.headers["x-ratelimit-reset"]) <= 60
        )
        emu.latency_ms = 0
        emu.set_rate_limit("org_analytics", 2, window_seconds=30)
        window = {"start_date": days_ago(emu, 3), "end_date": days_ago(emu, 0)}
        assert [client.get("user_account/analytics", **window).status_code for _ in range(3)] == [200, 200, 200]
        emu.rate_limits_enforced = True
        emu.set_rate_limit("org_analytics", 2, window_seconds=30)
        codes = [client.get("user_account/analytics", **window) for _ in range(3)]
        assert [c.status_code for c in codes] == [200, 200, 429]
        assert codes[2].json()["code"] == 8 and 0 < int(codes[2].headers["Retry-After"]) <= 30
        assert client.get("boards").status_code == 200, "categories have separate quotas"


def test_request_counts_and_log(tiny: Emulator) -> None:
    client = Client(tiny)
    account = account_ids(tiny)[0]
    tiny.reset_counts()
    client.get(f"ad_accounts/{account}/campaigns", entity_statuses=["ACTIVE", "PAUSED"])
    client.get(f"ad_accounts/{account}/campaigns")
    client.get("nowhere")
    counts = tiny.request_counts()
    assert counts["GET /ad_accounts/{ad_account_id}/campaigns"] == 2 and counts["GET /v5/nowhere"] == 1
    method, path, query = tiny.requests_log[0]
    assert (method, path, query) == (
        "GET",
        f"/v5/ad_accounts/{account}/campaigns",
        {"entity_statuses": ["ACTIVE", "PAUSED"]},
    )
    tiny.reset_counts()
    assert tiny.request_counts() == {} and tiny.requests_log == []


# ------------------------------------------------------------------------------------------------ async reports
def _poll(client: Client, account: str, token: str) -> dict[str, Any]:
    return client.get(f"ad_accounts/{account}/reports", token=token).json()  # type: ignore[no-any-return]


def test_report_lifecycle_and_download() -> None:
    with Emulator(SCENARIOS["small"].with_options(report_polls=2)) as small:
        _report_lifecycle_and_download(small)


def _report_lifecycle_and_download(small: Emulator) -> None:
    client = Client(small)
    account = account_ids(small)[0]
    request = {
        "start_date": days_ago(small, 190), "end_date": days_ago(small, 10), "granularity": "DAY", "level": "CAMPAIGN",
        "columns": ["SPEND_IN_DOLLAR", "TOTAL_CONVERSIONS", "CAMPAIGN_NAME"],
    }  # fmt: skip
    created = client.post(f"ad_accounts/{account}/reports", request).json()
    assert created["report_status"] == "IN_PROGRESS" and created["token"]
    assert [_poll(client, account, created["token"])["report_status"] for _ in range(2)] == ["IN_PROGRESS"] * 2
    finished = _poll(client, account, created["token"])
    assert finished["report_status"] == "FINISHED" and finished["url"].startswith(small.base_url[: -len("v5/")])
    download = requests.get(finished["url"], timeout=10)
    assert download.status_code == 200 and len(download.content) == finished["size"]
    by_id = download.json()
    expected = small.truth.report_rows(account, request)
    assert expected and [r for rows in by_id.values() for r in rows] == expected
    assert all(rows[0]["CAMPAIGN_ID"] == key for key, rows in by_id.items())
    assert _poll(client, account, "0" * 32)["report_status"] == "DOES_NOT_EXIST"
    assert requests.get(finished["url"].replace("X-Amz-Signature=", "X-Amz-Signature=x"), timeout=10).status_code == 403

    csv_request = {
        **request,
        "report_format": "CSV",
        "primary_sort": "BY_DATE",
        "columns": [*request["columns"], "VIDEO_MRC_VIEWS_1"],
    }
    token = client.post(f"ad_accounts/{account}/reports", csv_request).json()["token"]
    for _ in range(3):
        done = _poll(client, account, token)
    rows = list(csv.DictReader(io.StringIO(requests.get(done["url"], timeout=10).text)))
    assert list(rows[0]) == [
        "DATE",
        "CAMPAIGN_ID",
        "SPEND_IN_DOLLAR",
        "TOTAL_CONVERSIONS",
        "CAMPAIGN_NAME",
        "VIDEO_MRC_VIEWS_1",
    ]
    assert any(r["TOTAL_CONVERSIONS"] == "0" for r in rows) and all(r["VIDEO_MRC_VIEWS_1"] for r in rows), "zero-filled"
    assert [r["DATE"] for r in rows] == sorted(r["DATE"] for r in rows)
    assert len(rows) == len(expected)


def test_report_request_validation(small: Emulator) -> None:
    client = Client(small)
    account = account_ids(small)[0]
    base = {
        "start_date": days_ago(small, 100),
        "end_date": days_ago(small, 10),
        "granularity": "DAY",
        "level": "CAMPAIGN",
        "columns": ["SPEND_IN_DOLLAR"],
    }
    assert client.post(f"ad_accounts/{account}/reports", base).status_code == 200
    for change in (
        {"start_date": days_ago(small, 915), "end_date": days_ago(small, 800)},  # beyond 914 days
        {"start_date": days_ago(small, 300), "end_date": days_ago(small, 113)},  # range of 187 days
        {"level": "PRODUCT_ITEM", "start_date": days_ago(small, 93), "end_date": days_ago(small, 80)},
        {"level": "PRODUCT_ITEM", "start_date": days_ago(small, 40), "end_date": days_ago(small, 8)},
        {"granularity": "HOUR", "start_date": days_ago(small, 9), "end_date": days_ago(small, 8)},
        {"level": "NOPE"},
        {"columns": ["NOT_A_COLUMN"]},
        {"level": "CAMPAIGN_TARGETING"},
        {"targeting_types": ["GENDER"]},
        {"campaign_ids": [str(i) for i in range(501)]},
        # the spec's maxItems: 5 targeting types, 6 statuses
        {
            "level": "CAMPAIGN_TARGETING",
            "targeting_types": ["GENDER", "APPTYPE", "LOCATION", "COUNTRY", "REGION", "GEO"],
        },
        {"campaign_statuses": ["RUNNING", "PAUSED", "NOT_STARTED", "COMPLETED", "ARCHIVED", "DRAFT", "DELETED_DRAFT"]},
    ):
        response = client.post(f"ad_accounts/{account}/reports", {**base, **change})
        assert response.status_code == 400 and response.json()["code"] == 1, change
    five = {"level": "CAMPAIGN_TARGETING", "targeting_types": ["GENDER", "APPTYPE", "LOCATION", "COUNTRY", "REGION"]}
    assert client.post(f"ad_accounts/{account}/reports", {**base, **five}).status_code == 200
    missing = {k: v for k, v in base.items() if k != "level"}
    assert client.post(f"ad_accounts/{account}/reports", missing).status_code == 400
    as_query = client.session.post(small.base_url + f"ad_accounts/{account}/reports", params=base, timeout=10)
    assert as_query.status_code == 400, "parameters go in the JSON body only"


def test_report_faults_and_link_expiry() -> None:
    scenario = SCENARIOS["tiny"].with_options(report_polls=0, report_link_ttl_seconds=0.3)
    with Emulator(scenario) as emu:
        client = Client(emu)
        account = account_ids(emu)[0]
        request = {
            "start_date": days_ago(emu, 30),
            "end_date": days_ago(emu, 0),
            "granularity": "TOTAL",
            "level": "ADVERTISER",
            "columns": ["SPEND_IN_DOLLAR"],
        }
        tokens = [client.post(f"ad_accounts/{account}/reports", request).json()["token"] for _ in range(3)]
        emu.inject("report_failed", path="/reports")
        emu.inject("report_expired", path="/reports")
        assert _poll(client, account, tokens[0])["report_status"] == "FAILED"
        assert _poll(client, account, tokens[1])["report_status"] == "EXPIRED"
        assert _poll(client, account, tokens[0])["report_status"] == "FAILED", "for good"
        done = _poll(client, account, tokens[2])
        assert done["report_status"] == "FINISHED"
        assert requests.get(done["url"], timeout=10).json() == {
            account: [
                {
                    "ADVERTISER_ID": account,
                    "SPEND_IN_DOLLAR": pytest.approx(
                        sum(
                            r.get("SPEND_IN_DOLLAR", 0)
                            for r in emu.truth.analytics(
                                "AD_ACCOUNT", emu.today - timedelta(days=30), emu.today, ["SPEND_IN_DOLLAR"]
                            )
                        )
                    ),
                }
            ]
        }
        time.sleep(0.4)
        expired = requests.get(done["url"], timeout=10)
        assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_report_links_look_presigned_and_downloads_stall_or_fail_on_demand() -> None:
    with Emulator(SCENARIOS["tiny"].with_options(report_polls=0)) as emu:
        client = Client(emu)
        account = account_ids(emu)[0]
        request = {
            "start_date": days_ago(emu, 3), "end_date": days_ago(emu, 0), "granularity": "DAY", "level": "ADVERTISER",
            "columns": ["SPEND_IN_DOLLAR"],
        }  # fmt: skip
        token = client.post(f"ad_accounts/{account}/reports", request).json()["token"]
        url = _poll(client, account, token)["url"]
        query = dict(parse_qsl(urlsplit(url).query))
        assert {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token"} <= set(query)
        assert len(query["X-Amz-Signature"]) == 64 and query["X-Amz-Credential"].startswith("ASIA")
        whole = requests.get(url, timeout=10)
        assert whole.status_code == 200
        assert _poll(client, account, token)["url"] != url, "every poll signs a fresh link"

        emu.inject("503", path="^/downloads/", count=2)
        assert [requests.get(url, timeout=10).status_code for _ in range(3)] == [503, 503, 200]
        emu.inject("500", path="^/downloads/", count=None)  # for good
        assert {requests.get(url, timeout=10).status_code for _ in range(3)} == {500}
        emu.clear_faults()

        emu.inject("stall", path="^/downloads/", seconds=30)
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(url, timeout=(5, 0.3))
        emu.inject("stall_body", path="^/downloads/", seconds=30)
        head = requests.get(url, timeout=(5, 0.3), stream=True)
        assert head.status_code == 200 and head.headers["Content-Length"] == str(len(whole.content))
        with pytest.raises(requests.exceptions.ConnectionError, match="Read timed out"):
            head.content  # noqa: B018 - reading the body is the point
        emu.inject("stall", path="^/downloads/", seconds=600)  # stop() ends it: leaving the block does not wait
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(url, timeout=(5, 0.3))


# ------------------------------------------------------------------------------------------------ command line
def _serve_from_the_command_line(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pinterest_emulator", "--scenario", "tiny", "--port", "0", *args]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def test_command_line_serves_until_killed() -> None:
    process = _serve_from_the_command_line("--today", TODAY.isoformat())
    try:
        assert process.stdout is not None
        details = json.loads(process.stdout.readline())
        assert set(details) >= {"base_url", "client_id", "client_secret", "refresh_token", "access_token"}
        assert details["today"] == TODAY.isoformat()
        assert details["base_url"].startswith("http://127.0.0.1:") and details["base_url"].endswith("/v5/")
        headers = {"Authorization": f"Bearer {details['access_token']}"}
        assert requests.get(details["base_url"] + "ad_accounts", headers=headers, timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_hand_started_emulator_agrees_with_the_wall_clock_about_today(clock) -> None:
    """Without --today its calendar is the UTC date the connector's clock says, not a fixed day of the tests."""
    day = date(2027, 3, 9)
    clock(day)  # the wall clock of this test's processes
    process = _serve_from_the_command_line()
    try:
        assert process.stdout is not None
        assert json.loads(process.stdout.readline())["today"] == day.isoformat()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_slow_reader_gets_the_whole_answer_though_idle_connections_close(monkeypatch) -> None:
    """The idle timeout ends kept-alive connections between requests; a client that drains a big answer slower than
    that (a loaded machine) still gets all of it, so request counts and cut-short retries come from faults only."""
    import socket

    from pinterest_emulator import api, server

    body = b"x" * (16 << 20)  # far more than the socket buffers: the server blocks writing it
    monkeypatch.setattr(server._Handler, "timeout", 0.2)
    monkeypatch.setattr(api.Api, "handle", lambda self, request: api.Response(200, body))
    with Emulator("tiny") as emu:
        port = int(emu.base_url.split(":")[2].split("/")[0])
        client = socket.create_connection(("127.0.0.1", port), timeout=30)
        with client:
            client.sendall(b"GET /v5/anything HTTP/1.1\r\nHost: x\r\n\r\n")
            received = client.recv(1 << 16)
            time.sleep(1.0)  # five idle timeouts while the server waits to write the rest
            while len(received) < len(body):
                chunk = client.recv(1 << 20)
                if not chunk:
                    break
                received += chunk
    assert received.endswith(body[-100:]) and len(received) > len(body)
