"""Analytics syncs through the CLI against the emulator: rows equal its ground truth, requests equal the API minimum,
and revised metrics arrive on the next incremental sync."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from integration_tests.cli import catalog_for, run_cli
from integration_tests.pinterest_emulator import Emulator
from integration_tests.resume import KillPoint, configured_catalog, read_with_kills
from source_pinterest.components.analytics import APP_TYPES, LEVELS, catalogue, report_targeting_types
from source_pinterest.components.config import DEFAULT_ANALYTICS_COLUMNS, DEFAULT_PIN_METRIC_TYPES

TODAY = dt.datetime.now(dt.timezone.utc).date()  # the connector's "today" (it cannot be faked in a subprocess)
DAYS = 40
ADS_STREAMS = {
    "ad_account_analytics": "AD_ACCOUNT",
    "campaign_analytics": "CAMPAIGN",
    "ad_group_analytics": "AD_GROUP",
    "ad_analytics": "AD",
}
TARGETING_STREAMS = {
    "ad_account_targeting_analytics": "AD_ACCOUNT",
    "campaign_targeting_analytics": "CAMPAIGN",
    "ad_group_targeting_analytics": "AD_GROUP",
}
ORGANIC_STREAMS = ["user_account_analytics", "pin_analytics"]
ALL_STREAMS = [*ADS_STREAMS, *TARGETING_STREAMS, *ORGANIC_STREAMS]
ENDPOINTS = {
    "AD_ACCOUNT": "GET /ad_accounts/{ad_account_id}/analytics",
    "CAMPAIGN": "GET /ad_accounts/{ad_account_id}/campaigns/analytics",
    "AD_GROUP": "GET /ad_accounts/{ad_account_id}/ad_groups/analytics",
    "AD": "GET /ad_accounts/{ad_account_id}/ads/analytics",
}
ENTITY_STREAM = {"CAMPAIGN": "campaigns", "AD_GROUP": "ad_groups", "AD": "ads"}


def _key(stream: str, row: dict[str, Any]) -> tuple[Any, ...]:
    if stream in ADS_STREAMS:
        return (str(row[LEVELS[ADS_STREAMS[stream]].id_column]), row["DATE"])
    if stream in TARGETING_STREAMS:
        id_column = LEVELS[TARGETING_STREAMS[stream]].id_column
        return (str(row[id_column]), row["DATE"], row["TARGETING_TYPE"], str(row["TARGETING_VALUE"]))
    if stream == "pin_analytics":
        return (row["PIN_ID"], row["DATE"], row["APP_TYPE"])
    return (row["DATE"],)


def _daily_rows(body: dict[str, Any], **extra: Any) -> Iterable[dict[str, Any]]:
    for day in body["all"]["daily_metrics"]:
        if day["metrics"]:
            yield {"DATE": day["date"], "DATA_STATUS": day["data_status"], **day["metrics"], **extra}


def truth_rows(emulator: Emulator, stream: str, start: dt.date, end: dt.date) -> dict[tuple[Any, ...], dict]:
    truth = emulator.truth
    rows: Iterable[dict[str, Any]]
    if stream in ADS_STREAMS:
        rows = truth.analytics(ADS_STREAMS[stream], start, end, DEFAULT_ANALYTICS_COLUMNS)
    elif stream in TARGETING_STREAMS:
        level = TARGETING_STREAMS[stream]
        types = catalogue()["targeting_types"][LEVELS[level].targeting_key]
        rows = [
            {
                "TARGETING_TYPE": item["targeting_type"],
                "TARGETING_VALUE": str(item["targeting_value"]),
                **item["metrics"],
            }
            for item in truth.targeting_analytics(level, types, start, end, DEFAULT_ANALYTICS_COLUMNS)
        ]
    elif stream == "pin_analytics":
        rows = [
            row
            for pin in truth.entities("pins")
            for app in APP_TYPES
            for row in _daily_rows(
                truth.pin_analytics(pin["id"], start, end, DEFAULT_PIN_METRIC_TYPES, app_types=app),
                PIN_ID=pin["id"],
                APP_TYPE=app,
            )
        ]
    else:
        rows = _daily_rows(truth.user_account_analytics(start, end))
    return {_key(stream, row): row for row in rows}


def assert_rows_equal(stream: str, got: dict[tuple[Any, ...], dict], expected: dict[tuple[Any, ...], dict]) -> None:
    missing, extra = set(expected) - set(got), set(got) - set(expected)
    assert not missing and not extra, f"{stream}: missing {sorted(missing)[:3]}, extra {sorted(extra)[:3]}"
    columns = set(DEFAULT_ANALYTICS_COLUMNS) if stream not in ORGANIC_STREAMS else set()
    for key, want in expected.items():
        have = got[key]
        for column in columns | set(want):
            assert have.get(column) == want.get(column), (
                f"{stream} {key} {column}: {have.get(column)} != {want.get(column)}"
            )


def _read(tmp: Path, emulator: Emulator, config: dict, state: list | None = None):
    discovered = run_cli(tmp, "discover", config)
    streams = next(m["catalog"]["streams"] for m in discovered.messages if m["type"] == "CATALOG")
    emulator.reset_counts()
    run = run_cli(tmp, "read", config, catalog_for(streams, ALL_STREAMS), state=state)
    assert run.returncode == 0 and not run.errors, run.errors or run.stderr[-2000:]
    return run


def _by_key(run: Any, stream: str) -> dict[tuple[Any, ...], dict]:
    records = run.records.get(stream, [])
    keys = Counter(_key(stream, r) for r in records)
    duplicated = [k for k, n in keys.items() if n > 1]
    assert not duplicated, f"{stream}: rows emitted twice in one sync: {duplicated[:3]}"
    return {_key(stream, r): r for r in records}


def test_full_sync_equals_truth_at_the_fewest_requests(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=DAYS)
    with Emulator(scenario="small", today=TODAY) as emulator:
        config = emulator.connector_config(start_date=start.isoformat())
        run = _read(tmp_path, emulator, config)
        for stream in ALL_STREAMS:
            assert_rows_equal(stream, _by_key(run, stream), truth_rows(emulator, stream, start, TODAY))

        # ceil(N/250) x ceil(D/90) per account and level, N counting only entities that can have rows.
        counts = emulator.request_counts()
        windows = math.ceil((DAYS + 1) / 90)
        accounts = [a["id"] for a in emulator.truth.entities("ad_accounts")]
        assert counts[ENDPOINTS["AD_ACCOUNT"]] == len(accounts) * windows
        for level, entity_stream in ENTITY_STREAM.items():
            with_rows = {
                r[LEVELS[level].id_column] for r in emulator.truth.analytics(level, start, TODAY, ["SPEND_IN_DOLLAR"])
            }
            entities = emulator.truth.entities(entity_stream)
            per_account = Counter(e["ad_account_id"] for e in entities if e["id"] in with_rows)
            listed = Counter(e["ad_account_id"] for e in entities)
            fewest = sum(math.ceil(n / 250) for n in per_account.values()) * windows
            most = sum(math.ceil(n / 250) for n in listed.values()) * windows
            assert fewest <= counts[ENDPOINTS[level]] <= most, (level, counts[ENDPOINTS[level]], fewest, most)
        # Organic analytics: 100 pins per multi-pin request, once per app type; the user account once per window.
        pins = len(emulator.truth.entities("pins"))
        assert counts["GET /pins/analytics"] == math.ceil(pins / 100) * len(APP_TYPES) * windows
        assert counts["GET /user_account/analytics"] == windows


def test_incremental_sync_brings_revised_metrics(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=DAYS)
    with Emulator(scenario="small", today=TODAY - dt.timedelta(days=3)) as emulator:
        config = emulator.connector_config(start_date=start.isoformat(), lookback_window_days=30)
        first = _read(tmp_path, emulator, config)
        emulator.advance(3)  # new days, and late conversions revise the last 30 days
        second = _read(tmp_path, emulator, config, state=first.final_states())

        # The second sync re-reads only the lookback window.
        oldest = min(
            dt.date.fromisoformat(query["start_date"][0])
            for _, path, query in emulator.requests_log
            if "analytics" in path
        )
        assert oldest >= TODAY - dt.timedelta(days=3 + 30 + 1), oldest

        revised = 0
        for stream in ALL_STREAMS:
            table = _by_key(first, stream)
            later = _by_key(second, stream)
            revised += sum(1 for k, row in later.items() if k in table and row != table[k])
            table.update(later)  # what an append+dedup destination holds
            assert_rows_equal(stream, table, truth_rows(emulator, stream, start, TODAY))
        assert revised > 0, "the emulator revised no row: the test proves nothing"


@pytest.mark.parametrize("granularity", ["WEEK", "MONTH", "HOUR"])
def test_other_granularities_equal_truth(tmp_path: Path, granularity: str) -> None:
    days = 6 if granularity == "HOUR" else 80
    start = TODAY - dt.timedelta(days=days)
    with Emulator(scenario="tiny", today=TODAY) as emulator:
        config = emulator.connector_config(start_date=start.isoformat(), granularity=granularity)
        discovered = run_cli(tmp_path, "discover", config)
        streams = next(m["catalog"]["streams"] for m in discovered.messages if m["type"] == "CATALOG")
        run = run_cli(tmp_path, "read", config, catalog_for(streams, ["campaign_analytics"]))
        assert run.returncode == 0 and not run.errors, run.errors
        got = _by_key(run, "campaign_analytics")
        # Whole periods only: the period holding the start if the API reaches its first day, else the next one.
        oldest = TODAY - dt.timedelta(days=89)
        if granularity == "WEEK":
            first_period = start - dt.timedelta(days=start.weekday())
            first_period += dt.timedelta(days=7) if first_period < oldest else dt.timedelta()
        elif granularity == "MONTH":
            first_period = start.replace(day=1)
            if first_period < oldest:
                first_period = (first_period + dt.timedelta(days=32)).replace(day=1)
        else:
            first_period = start
        expected = emulator.truth.analytics("CAMPAIGN", first_period, TODAY, DEFAULT_ANALYTICS_COLUMNS, granularity)
        assert_rows_equal("campaign_analytics", got, {_key("campaign_analytics", r): r for r in expected})


def test_history_beyond_90_days_comes_from_reports_without_gap_or_overlap(tmp_path: Path) -> None:
    days = 400  # the small scenario holds 200 days of history: older days are legitimately empty
    start = TODAY - dt.timedelta(days=days)
    streams = ["ad_account_analytics", "campaign_analytics", "campaign_targeting_analytics"]
    with Emulator(scenario="small", today=TODAY) as emulator:
        config = emulator.connector_config(start_date=start.isoformat())
        discovered = run_cli(tmp_path, "discover", config)
        catalog = catalog_for(
            next(m["catalog"]["streams"] for m in discovered.messages if m["type"] == "CATALOG"), streams
        )
        run = run_cli(tmp_path, "read", config, catalog)
        assert run.returncode == 0 and not run.errors, run.errors
        seam = (TODAY - dt.timedelta(days=89)).isoformat()
        reported_types = set(report_targeting_types("CAMPAIGN"))
        for stream in streams:  # one table: report rows before the seam, sync rows after it, equal to the truth
            expected = {
                key: row
                for key, row in truth_rows(emulator, stream, start, TODAY).items()
                if row["DATE"] >= seam or row.get("TARGETING_TYPE", "LOCATION") in reported_types
            }
            assert_rows_equal(stream, _by_key(run, stream), expected)

        # One report job per account, stream and 186-day window of the days the sync endpoints cannot reach.
        accounts = len(emulator.truth.entities("ad_accounts"))
        older_days = (TODAY - dt.timedelta(days=89) - start).days
        jobs = emulator.request_counts()["POST /ad_accounts/{ad_account_id}/reports"]
        assert jobs == accounts * len(streams) * math.ceil(older_days / 186)

        # The next sync re-reads only the lookback window, from the sync endpoints.
        emulator.reset_counts()
        again = run_cli(tmp_path, "read", config, catalog, state=run.final_states())
        assert again.returncode == 0 and not again.errors
        assert "POST /ad_accounts/{ad_account_id}/reports" not in emulator.request_counts()


def test_an_analytics_sync_killed_and_resumed_equals_the_truth(tmp_path: Path) -> None:
    # Reports for the older days, sync requests for the recent ones; cut after a few checkpoints, then mid-way.
    start = TODAY - dt.timedelta(days=300)
    streams = ["ad_account_analytics", "campaign_analytics", "ad_analytics"]
    with Emulator(scenario="small", today=TODAY, latency_ms=10) as emulator:
        config = emulator.connector_config(start_date=start.isoformat())
        catalog = configured_catalog(config, streams)
        attempts = read_with_kills(tmp_path, config, catalog, [KillPoint(states=2), KillPoint(states=3)])

        *killed, last = attempts
        assert all(a.killed for a in killed) and last.returncode == 0 and not last.errors
        for stream in streams:
            table: dict[tuple[Any, ...], dict] = {}
            for attempt in attempts:  # what an append-dedup destination ends with
                table.update({_key(stream, r): r for r in attempt.records.get(stream, [])})
            assert_rows_equal(stream, table, truth_rows(emulator, stream, start, TODAY))


def test_answers_cut_short_mid_body_are_asked_again_and_no_row_comes_twice(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=20)
    streams = ["ad_analytics", "ad_group_targeting_analytics"]
    with Emulator(scenario="tiny", today=TODAY) as emulator:
        config = emulator.connector_config(start_date=start.isoformat())
        discovered = run_cli(tmp_path, "discover", config)
        catalog = catalog_for(next(m["catalog"]["streams"] for m in discovered.messages if m["type"] == "CATALOG"))
        # Half the body, then the connection closes: rows are streamed, so this breaks mid-decoding.
        emulator.inject("truncate", path=r"/(ads|ad_groups)/(targeting_)?analytics$", count=3)

        run = run_cli(
            tmp_path, "read", config, {"streams": [s for s in catalog["streams"] if s["stream"]["name"] in streams]}
        )

        assert run.returncode == 0 and not run.errors, run.errors
        logs = [m["log"]["message"] for m in run.messages if m["type"] == "LOG"]
        assert sum("the answer was cut short" in line for line in logs) == 3, logs[-5:]
        for stream in streams:
            assert_rows_equal(stream, _by_key(run, stream), truth_rows(emulator, stream, start, TODAY))
