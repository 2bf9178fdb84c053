"""Upgrading from Airbyte's source-pinterest 2.x: its configs work as they are and its state is continued.

The configs and states here have the shapes 2.x's spec and streams produce (partition `{"id": <ad account>}`
for reports and account analytics, `{"id": <entity>, "parent_slice": {"id": <ad account>}}` per entity).
"""

from __future__ import annotations

import copy
import datetime as dt
import re

import jsonschema
import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.state_builder import StateBuilder

from source_pinterest import SourcePinterest
from source_pinterest.components import config_migration, config_validation
from source_pinterest.components.foreign_state import ForeignAnalyticsState
from source_pinterest.facts import MAX_WORKERS
from source_pinterest.settings import apply_defaults
from unit_tests.conftest import API, final_state, oauth_config, page, query, read_streams, records_of

ACCOUNT = "549755885175"

# A 2.x custom report as its UI saved it: TOTAL (the default), list-valued windows, 2.x's column names.
REPORT_2X = {
    "name": "spend_totals",
    "level": "CAMPAIGN",
    "granularity": "TOTAL",
    "columns": ["CAMPAIGN_ID", "CAMPAIGN_NAME", "SPEND_IN_DOLLAR", "TOTAL_CLICKTHROUGH"],
    "click_window_days": 30,
    "engagement_window_days": [30],
    "view_window_days": [30],
    "conversion_report_time": "TIME_OF_AD_ACTION",
    "attribution_types": ["INDIVIDUAL", "HOUSEHOLD"],
    "start_date": "2026-06-01",
}


def config_2x(**overrides) -> dict:
    config = oauth_config(status=["ACTIVE", "PAUSED"], account_id=ACCOUNT, num_threads=40)
    config["custom_reports"] = [dict(REPORT_2X)]
    config.update(overrides)
    return config


def test_a_2x_config_migrates_to_one_this_connector_accepts() -> None:
    migrated = SourcePinterest(config=config_2x())._config

    assert migrated["num_workers"] == MAX_WORKERS  # 2.x allowed 40
    assert migrated["account_ids"] == [ACCOUNT] and migrated["organic_ad_account_id"] == ACCOUNT
    assert migrated["entity_statuses"] == ["ACTIVE", "PAUSED"]
    report = migrated["custom_reports"][0]
    assert report["granularity"] == "DAY"
    assert (report["engagement_window_days"], report["view_window_days"], report["click_window_days"]) == (30, 30, 30)
    assert report["columns"] == REPORT_2X["columns"] and report["start_date"] == "2026-06-01"
    config_validation.validate(migrated)  # no config_error
    jsonschema.validate(migrated, SourcePinterest().spec(None).connectionSpecification)


def test_the_migration_is_handed_to_airbyte_once_and_is_idempotent(capsys) -> None:
    SourcePinterest(config=config_2x())
    assert '"type":"CONTROL"' in capsys.readouterr().out.replace(" ", "")  # the platform stores the migrated config
    config = config_2x()
    config_migration.migrate_legacy(config)
    once = copy.deepcopy(config)
    config_migration.migrate_legacy(config)
    assert config == once


@pytest.mark.parametrize("workers", [21, 33, 40])
def test_num_workers_above_20_is_clamped_with_a_warning(workers, caplog) -> None:
    config = oauth_config(num_workers=workers)
    config_migration.migrate_legacy(config)
    assert config["num_workers"] == 20
    assert f"num_workers {workers}" in caplog.text


def test_an_empty_window_list_falls_back_to_the_default() -> None:
    report = config_migration.migrate_legacy_report({**REPORT_2X, "view_window_days": []})
    assert "view_window_days" not in report


def test_reports_without_total_are_left_as_they_are() -> None:
    report = {"name": "daily", "level": "ADVERTISER", "columns": ["SPEND_IN_DOLLAR"]}
    assert config_migration.migrate_legacy_report(report) == report


def test_a_bad_organic_ad_account_id_is_a_config_error() -> None:
    config = oauth_config(organic_ad_account_id="shop")
    apply_defaults(config)
    with pytest.raises(Exception) as raised:
        config_validation.validate(config)
    assert "'organic_ad_account_id'" in raised.value.message and "Fix:" in raised.value.message


ORGANIC_STREAMS = [
    "user_account",
    "boards",
    "board_sections",
    "board_pins",
    "board_section_pins",
    "pins",
    "catalogs",
    "catalogs_feeds",
    "catalogs_product_groups",
    "user_account_analytics",
    "pin_analytics",
]


def _serve_organic(requests_mock) -> None:
    requests_mock.get(re.compile(re.escape(API) + ".*"), json=page([]))
    requests_mock.get(API + "user_account", json={"id": "u1", "username": "shop"})
    requests_mock.get(API + "ad_accounts", json=page([{"id": ACCOUNT}]))
    board = {"id": "b1", "board_pins_modified_at": "2026-11-01T10:00:00.000000+00:00"}
    requests_mock.get(API + "boards", json=page([board]))
    requests_mock.get(API + "boards/b1/sections", json=page([{"id": "s1"}]))
    requests_mock.get(API + "pins", json=page([{"id": "p1", "created_at": "2026-11-01T00:00:00"}]))
    requests_mock.get(API + "pins/analytics", json={})
    requests_mock.get(API + "user_account/analytics", json={"all": {"daily_metrics": []}})


def _organic_requests(requests_mock) -> dict[str, list[list[str] | None]]:
    seen: dict[str, list[list[str] | None]] = {}
    for request in requests_mock.request_history:
        path = request.path.removeprefix("/v5/")
        seen.setdefault(path, []).append(query(request).get("ad_account_id"))
    return seen


def test_a_legacy_account_id_still_reaches_boards_pins_and_catalogs(requests_mock) -> None:
    _serve_organic(requests_mock)
    read_streams(config_2x(custom_reports=[]), ORGANIC_STREAMS, mode=SyncMode.full_refresh)

    seen = _organic_requests(requests_mock)
    organic = {path: ids for path, ids in seen.items() if not path.startswith("ad_accounts")}
    assert {
        "user_account",
        "boards",
        "boards/b1/sections",
        "boards/b1/pins",
        "boards/b1/sections/s1/pins",
        "pins",
        "catalogs",
        "catalogs/feeds",
        "catalogs/product_groups",
        "user_account/analytics",
        "pins/analytics",
    } <= set(organic)
    assert all(ids == [[ACCOUNT]] * len(ids) for ids in organic.values()), organic
    assert all(ids == [None] * len(ids) for path, ids in seen.items() if path.startswith("ad_accounts"))


def test_without_it_organic_streams_read_as_the_tokens_user(requests_mock) -> None:
    _serve_organic(requests_mock)
    read_streams(oauth_config(), ORGANIC_STREAMS, mode=SyncMode.full_refresh)
    assert all(ids == [None] * len(ids) for ids in _organic_requests(requests_mock).values())


# ---------------------------------------------------------------- state
def _entity(entity: str, account: str, day: str) -> dict:
    return {"partition": {"id": entity, "parent_slice": {"id": account, "parent_slice": {}}}, "cursor": {"DATE": day}}


def _migrate(state: dict, lookback: int = 30, substream: bool = False) -> dict:
    migration = ForeignAnalyticsState(
        parameters={}, config={"lookback_window_days": lookback}, substream_partitions=substream
    )
    assert migration.should_migrate(state)
    return dict(migration.migrate(state))


def test_2x_report_state_is_continued_per_ad_account() -> None:
    state_2x = {  # 2.x report streams: one entry per ad account partition {"id": ...}
        "states": [
            {"partition": {"id": ACCOUNT, "parent_slice": {}}, "cursor": {"DATE": "2026-11-20"}},
            {"partition": {"id": "549755885176", "parent_slice": {}}, "cursor": {"DATE": "2026-08-02"}},
        ],
        "use_global_cursor": False,
        "lookback_window": 0,
    }
    assert _migrate(state_2x, substream=True)["states"] == [  # the report streams' own partition shape
        {"partition": {"ad_account_id": ACCOUNT, "parent_slice": {}}, "cursor": {"DATE": "2026-11-20"}},
        {"partition": {"ad_account_id": "549755885176", "parent_slice": {}}, "cursor": {"DATE": "2026-08-02"}},
    ]


def test_one_long_dead_ad_does_not_drag_its_account_back_by_years() -> None:
    state_2x = {
        "states": [
            _entity("ad-live", ACCOUNT, "2026-11-29"),
            _entity("ad-dead", ACCOUNT, "2024-03-01"),  # stopped delivering long ago
            _entity("ad-other", "549755885176", "2026-11-10"),
        ]
    }
    states = _migrate(state_2x, lookback=30)["states"]
    assert states == [
        {"partition": {"ad_account_id": ACCOUNT}, "cursor": {"DATE": "2026-10-30"}},  # newest - 30 days
        {"partition": {"ad_account_id": "549755885176"}, "cursor": {"DATE": "2026-11-10"}},
    ]


def test_entities_within_the_lookback_resume_from_the_earliest_of_them() -> None:
    state_2x = {"states": [_entity("c1", ACCOUNT, "2026-11-29"), _entity("c2", ACCOUNT, "2026-11-12")]}
    assert _migrate(state_2x)["states"][0]["cursor"] == {"DATE": "2026-11-12"}


def test_our_own_state_is_not_migrated() -> None:
    ours = {"states": [{"partition": {"ad_account_id": ACCOUNT}, "cursor": {"DATE": "2026-11-20"}}]}
    assert not ForeignAnalyticsState(parameters={}).should_migrate(ours)


def test_a_report_stream_resumes_a_2x_state(requests_mock) -> None:
    reports = f"{API}ad_accounts/{ACCOUNT}/reports"
    requests_mock.get(API + "ad_accounts", json=page([{"id": ACCOUNT}]))
    requests_mock.post(reports, json={"token": "t1", "report_status": "IN_PROGRESS"})
    requests_mock.get(reports, json={"report_status": "FINISHED", "url": "https://files.example/r.json", "size": 2})
    requests_mock.get("https://files.example/r.json", text="{}")
    today = dt.datetime.now(dt.timezone.utc).date()
    synced = today - dt.timedelta(days=5)
    state_2x = {"states": [{"partition": {"id": ACCOUNT, "parent_slice": {}}, "cursor": {"DATE": synced.isoformat()}}]}
    state = StateBuilder().with_stream_state("advertiser_report", state_2x).build()

    output = read_streams(oauth_config(lookback_window_days=3, start_date="2026-01-01"), ["advertiser_report"], state)

    assert not output.errors
    (create,) = [r.json() for r in requests_mock.request_history if r.method == "POST"]
    assert create["start_date"] == (synced - dt.timedelta(days=3)).isoformat()


# ---------------------------------------------------------------- entity state, and the CDK's global shape
OTHER = "549755885176"
DAY_S = 86_400


def _campaign_listings(requests_mock, now: int) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": ACCOUNT}, {"id": OTHER}]))
    for account in (ACCOUNT, OTHER):
        ages = {"old": 100, "in-lookback": 12, "new": 1}  # days since each campaign's last update
        listing = [{"id": f"{name}-{account}", "updated_time": now - days * DAY_S} for name, days in ages.items()]
        requests_mock.get(API + f"ad_accounts/{account}/campaigns", json=page(listing))


def test_2x_campaigns_state_is_continued_per_ad_account_and_an_account_it_does_not_name_starts_from_the_start(
    requests_mock,
) -> None:
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    _campaign_listings(requests_mock, now)
    synced = now - 10 * DAY_S  # 2.x: one entry per ad account, updated_time in Unix seconds
    state_2x = {"states": [{"partition": {"id": ACCOUNT, "parent_slice": {}}, "cursor": {"updated_time": synced}}]}
    state = StateBuilder().with_stream_state("campaigns", state_2x).build()

    output = read_streams(oauth_config(), ["campaigns"], state)

    assert not output.errors
    emitted = sorted(r["id"] for r in records_of(output, "campaigns"))
    # ACCOUNT: what changed since its 2.x cursor minus the 3-day entity lookback; OTHER, unknown to 2.x: everything
    assert emitted == sorted([f"in-lookback-{ACCOUNT}", f"new-{ACCOUNT}", f"old-{OTHER}", f"in-lookback-{OTHER}",
                              f"new-{OTHER}"])  # fmt: skip
    partitions = [s["partition"] for s in final_state(output, "campaigns")["states"]]
    assert partitions == [{"ad_account_id": a, "parent_slice": {}} for a in (ACCOUNT, OTHER)]  # no 2.x leftovers


@pytest.mark.parametrize(
    ("stream", "cursor"),
    [("campaigns", {"updated_time": "{synced_ts}"}), ("campaign_analytics", {"DATE": "{synced_day}"})],
)
def test_a_global_2x_state_becomes_per_account_state(requests_mock, stream: str, cursor: dict) -> None:
    """The CDK writes one global cursor once a stream has over 10,000 partitions (2.x's per-entity analytics of a
    big account). Left as it is, the stream stays global for good: a new account would start at the others'
    cursor and a window without rows would never advance it."""
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    today = dt.datetime.now(dt.timezone.utc).date()
    _campaign_listings(requests_mock, now)
    for account in (ACCOUNT, OTHER):
        requests_mock.get(API + f"ad_accounts/{account}/campaigns/analytics", json=[])
    synced_day = (today - dt.timedelta(days=10)).isoformat()
    value = {k: v.format(synced_ts=now - 10 * DAY_S, synced_day=synced_day) for k, v in cursor.items()}
    state_2x = {"use_global_cursor": True, "state": value, "lookback_window": 1, "parent_state": {}}
    state = StateBuilder().with_stream_state(stream, state_2x).build()

    output = read_streams(oauth_config(lookback_window_days=2), [stream], state)

    assert not output.errors
    out = final_state(output, stream)
    assert out["use_global_cursor"] is False
    assert sorted(s["partition"]["ad_account_id"] for s in out["states"]) == [ACCOUNT, OTHER]
    if stream == "campaign_analytics":  # continued from the 2.x cursor (minus the lookback), up to today
        starts = {query(r)["start_date"][0] for r in requests_mock.request_history if r.path.endswith("/analytics")}
        assert starts == {(today - dt.timedelta(days=12)).isoformat()}
        assert {s["cursor"]["DATE"] for s in out["states"]} == {today.isoformat()}
    else:
        assert sorted(r["id"] for r in records_of(output, stream)) == sorted(
            f"{name}-{a}" for name in ("in-lookback", "new") for a in (ACCOUNT, OTHER)
        )
