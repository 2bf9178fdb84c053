"""Every request the connector sends stays within the vendored OpenAPI description: query parameters the operation
declares, their `minItems`/`maxItems`/enums/bounds, report bodies against `AdsAnalyticsCreateAsyncRequest`, and the
date limits (from the analytics facts, themselves generated from the spec).

One sync of every stream type over mocked responses records the requests; each endpoint is then one test. The
limits are read from the spec file here, so the tests follow the spec when it is re-vendored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jsonschema
import pytest
import requests_mock as requests_mocker
import yaml

from integration_tests.clock import TODAY
from source_pinterest.components.reports import report_columns
from source_pinterest.facts import ANALYTICS_FACTS
from unit_tests.conftest import API, oauth_config, page, read_streams

SPEC = Path(__file__).resolve().parents[1] / "tools" / "openapi" / "pinterest-api-v5-openapi.yaml"
ACCOUNT = "549755885175"

FILE = "https://reports.example/file.json"
STREAMS = [
    "ad_accounts",
    "campaigns",
    "ad_groups",
    "ads",
    "keywords",
    "audiences",
    "conversion_tags",
    "customer_lists",
    "user_account",
    "boards",
    "board_sections",
    "board_pins",
    "board_section_pins",
    "pins",
    "catalogs",
    "catalogs_feeds",
    "catalogs_product_groups",
    "ad_account_analytics",
    "campaign_analytics",
    "ad_group_analytics",
    "ad_analytics",
    "ad_account_targeting_analytics",
    "campaign_targeting_analytics",
    "ad_group_targeting_analytics",
    "pin_analytics",
    "user_account_analytics",
    "advertiser_report",
    "campaign_targeting_report",
    "product_item_report",
    "custom_wide",
]
# A custom report at the limits: every status filter at 6, and more targeting types than one job may name.
CUSTOM = {
    "name": "wide",
    "level": "AD_GROUP_TARGETING",
    "targeting_types": ["APPTYPE", "GENDER", "LOCATION", "PLACEMENT", "COUNTRY", "AGE_BUCKET", "KEYWORD", "REGION"],
    "campaign_statuses": ["RUNNING", "PAUSED", "NOT_STARTED", "COMPLETED", "ARCHIVED", "DRAFT"],
    "ad_statuses": ["APPROVED", "PAUSED", "PENDING", "REJECTED", "ARCHIVED", "DRAFT"],
}


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC.read_text())


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec()["components"][kind][name]
    return node


def operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The spec's (template, operation) for a concrete API path; literal segments win over parameters."""
    templates = sorted(spec()["paths"], key=lambda t: (t.count("{"), -len(t)))
    for template in templates:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), "/" + path) and method in spec()["paths"][template]:
            return template, spec()["paths"][template][method]
    raise AssertionError(f"{method.upper()} /{path} is not in the spec")


def query_problems(op: dict[str, Any], query: dict[str, list[str]]) -> Iterator[str]:
    declared = {p["name"]: p for p in map(_resolve, op.get("parameters", [])) if p["in"] == "query"}
    for name in query:
        if name not in declared:
            yield f"'{name}' is not a query parameter of this operation"
    for name, parameter in declared.items():
        if name not in query:
            if parameter.get("required"):
                yield f"required '{name}' is missing"
            continue
        schema = _resolve(parameter.get("schema", {}))
        value = query[name][0]
        if schema.get("type") == "array":  # repeated (form, exploded) or comma-joined: Pinterest takes both
            items = [item for sent in query[name] for item in sent.split(",")]
            low, high = schema.get("minItems", 0), schema.get("maxItems", len(items))
            if not low <= len(items) <= high:
                yield f"'{name}' has {len(items)} items, the spec allows {low}..{high}"
            allowed = _resolve(schema.get("items", {})).get("enum")
            yield from (f"'{name}' value {i!r} is not in its enum" for i in items if allowed and i not in allowed)
        elif len(query[name]) > 1:
            yield f"'{name}' is sent {len(query[name])} times"
        elif schema.get("enum") and value not in [str(e) for e in schema["enum"]]:
            yield f"'{name}' value {value!r} is not in its enum"
        elif schema.get("type") == "integer":
            low, high = schema.get("minimum", int(value)), schema.get("maximum", int(value))
            if not low <= int(value) <= high:
                yield f"'{name}' value {value} is outside {low}..{high}"


def date_problems(start: str, end: str, days_back: int, max_range: int) -> Iterator[str]:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if first < TODAY - dt.timedelta(days=days_back):
        yield f"start_date {start} is more than {days_back} days back"
    if (last - first).days + 1 > max_range:
        yield f"{start}..{end} is longer than {max_range} days"
    if last > TODAY or first > last:
        yield f"{start}..{end} is not a range up to today"


def _entities(kind: str) -> list[dict[str, Any]]:
    created = int(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp())
    count = 260 if kind == "campaigns" else 2  # more campaigns than one analytics request may name
    return [
        {
            "id": f"{kind[:2]}{i}",
            "status": "ACTIVE",
            "created_time": created,
            "updated_time": created,
            "campaign_id": "ca0",
            "ad_group_id": "ad0",
            "ad_account_id": ACCOUNT,
        }
        for i in range(count)
    ]


def _answer(request: Any, context: Any) -> Any:
    path = urlparse(request.url).path.removeprefix("/v5/")
    if request.method == "POST":
        return {"token": "t1", "report_status": "IN_PROGRESS", "message": None}
    if path.endswith("/reports"):
        return {"report_status": "FINISHED", "url": FILE, "size": 2}
    if path.endswith("targeting_analytics"):
        return {"data": []}
    if path == "user_account/analytics":
        return {"all": {"daily_metrics": []}}
    if path == "pins/analytics":
        return {}
    if path.endswith("/analytics"):
        return []
    if path == "user_account":
        return {"id": "u1", "username": "shop"}
    if path == "ad_accounts":
        return page([{"id": ACCOUNT}])
    for kind in ("campaigns", "ad_groups", "ads"):
        if path == f"ad_accounts/{ACCOUNT}/{kind}":
            return page(_entities(kind))
    if path == "boards":
        return page([{"id": "b1", "board_pins_modified_at": "2026-01-01T00:00:00.000000+00:00"}])
    if path == "boards/b1/sections":
        return page([{"id": "s1"}])
    if path == "pins":
        return page([{"id": "p1", "created_at": "2025-06-01T00:00:00"}])
    return page([])


@pytest.fixture(scope="module")
def sent() -> dict[str, list[tuple[str, dict[str, list[str]], Any]]]:
    """(template -> [(path, query, body)]) of one sync of every stream type."""
    config = oauth_config(
        start_date=(TODAY - dt.timedelta(days=400)).isoformat(), custom_reports=[CUSTOM], max_concurrent_reports=2
    )
    with requests_mocker.Mocker() as mock:
        mock.register_uri(requests_mocker.ANY, re.compile(re.escape(API) + ".*"), json=_answer)
        mock.get(FILE, text="{}")
        output = read_streams(config, STREAMS)
        history = list(mock.request_history)
    assert not output.errors, [e.trace.error.message for e in output.errors]
    recorded: dict[str, list[tuple[str, dict[str, list[str]], Any]]] = {}
    for request in history:
        if not request.url.startswith(API):
            continue
        path = urlparse(request.url).path.removeprefix("/v5/")
        template, _ = operation(request.method.lower(), path)
        body = json.loads(request.body) if request.body else None
        recorded.setdefault(f"{request.method} {template}", []).append(
            (path, parse_qs(urlparse(request.url).query), body)
        )
    return recorded


ENDPOINTS = [
    "GET /ad_accounts",
    "GET /ad_accounts/{ad_account_id}/campaigns",
    "GET /ad_accounts/{ad_account_id}/ad_groups",
    "GET /ad_accounts/{ad_account_id}/ads",
    "GET /ad_accounts/{ad_account_id}/keywords",
    "GET /ad_accounts/{ad_account_id}/audiences",
    "GET /ad_accounts/{ad_account_id}/conversion_tags",
    "GET /ad_accounts/{ad_account_id}/customer_lists",
    "GET /user_account",
    "GET /boards",
    "GET /boards/{board_id}/sections",
    "GET /boards/{board_id}/pins",
    "GET /boards/{board_id}/sections/{section_id}/pins",
    "GET /pins",
    "GET /catalogs",
    "GET /catalogs/feeds",
    "GET /catalogs/product_groups",
    "GET /ad_accounts/{ad_account_id}/analytics",
    "GET /ad_accounts/{ad_account_id}/campaigns/analytics",
    "GET /ad_accounts/{ad_account_id}/ad_groups/analytics",
    "GET /ad_accounts/{ad_account_id}/ads/analytics",
    "GET /ad_accounts/{ad_account_id}/targeting_analytics",
    "GET /ad_accounts/{ad_account_id}/campaigns/targeting_analytics",
    "GET /ad_accounts/{ad_account_id}/ad_groups/targeting_analytics",
    "GET /pins/analytics",
    "GET /user_account/analytics",
    "GET /ad_accounts/{ad_account_id}/reports",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_queries_stay_within_the_spec(sent, endpoint: str) -> None:
    assert endpoint in sent, f"no {endpoint} request was sent"
    method, template = endpoint.split(" ")
    op = spec()["paths"][template][method.lower()]
    back, span = (int(v) for v in ANALYTICS_FACTS["date_limits"]["sync"].values())
    for path, query, _ in sent[endpoint]:
        problems = list(query_problems(op, query))
        if "start_date" in query:
            problems += date_problems(query["start_date"][0], query["end_date"][0], back, span)
        assert not problems, f"{method} /{path}?{query}: {problems}"


def test_report_bodies_stay_within_the_spec(sent) -> None:
    schema = {"$ref": "#/components/schemas/AdsAnalyticsCreateAsyncRequest", "components": spec()["components"]}
    bodies = [body for _, _, body in sent["POST /ad_accounts/{ad_account_id}/reports"]]
    levels = {b["level"] for b in bodies}
    assert {"ADVERTISER", "CAMPAIGN_TARGETING", "PRODUCT_ITEM", "AD_GROUP_TARGETING", "PIN_PROMOTION"} <= levels
    for body in bodies:
        jsonschema.validate(body, schema)  # maxItems (targeting types 5, statuses 6, ids 500), enums, required
        back, span = report_columns.date_limits(body["level"], body["granularity"])
        assert not list(date_problems(body["start_date"], body["end_date"], back, span)), body
    windows: dict[str, list[str]] = {}  # the custom report's types, split into jobs of at most 5, per window
    for b in bodies:
        if b["level"] == "AD_GROUP_TARGETING" and b.get("ad_statuses"):
            windows.setdefault(b["start_date"], []).extend(b["targeting_types"])
    assert windows and all(sorted(t) == sorted(CUSTOM["targeting_types"]) for t in windows.values())


def test_the_checks_catch_what_the_spec_forbids() -> None:
    _, op = operation("get", f"ad_accounts/{ACCOUNT}/campaigns/targeting_analytics")
    too_many = {"campaign_ids": [",".join(str(i) for i in range(251))], "targeting_types": ["GENDER"]}
    assert any("250" in p or "251" in p for p in query_problems(op, too_many))
    assert any("ad_account_id" in p for p in query_problems(op, {"ad_account_id": ["1"]}))
    assert list(date_problems((TODAY - dt.timedelta(days=91)).isoformat(), TODAY.isoformat(), 90, 90))
    schema = {"$ref": "#/components/schemas/AdsAnalyticsCreateAsyncRequest", "components": spec()["components"]}
    body = {
        "start_date": "2026-01-01",
        "end_date": "2026-01-02",
        "granularity": "DAY",
        "level": "ADVERTISER_TARGETING",
        "columns": ["SPEND_IN_DOLLAR"],
        "targeting_types": ["APPTYPE", "GENDER", "LOCATION", "PLACEMENT", "COUNTRY", "AGE_BUCKET"],
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schema)
