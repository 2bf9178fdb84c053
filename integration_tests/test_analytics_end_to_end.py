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

from integration_tests.cli import run_cli
from integration_tests.clock import TODAY
from integration_tests.resume import KillPoint, configured_catalog, read_with_kills
from pinterest_emulator import Emulator
from pinterest_emulator.scenarios import SCENARIOS
from source_pinterest.components.analytics.targeting import report_targeting_types
from source_pinterest.facts import DEFAULT_ANALYTICS_COLUMNS, DEFAULT_PIN_METRIC_TYPES, LEVELS, analytics_facts
from source_pinterest.facts import PIN_APP_TYPES as APP_TYPES
from source_pinterest.settings import targeting_types

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
    "ad_targeting_analytics": "AD",
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
    """Rows of one `all` block: the totals of the app types the request asked for."""
    for day in body["all"]["daily_metrics"]:
        if day["metrics"]:
            yield {"DATE": day["date"], "DATA_STATUS": day["data_status"], **day["metrics"], **extra}


def truth_rows(
    emulator: Emulator, stream: str, start: dt.date, end: dt.date, types: list[str] | None = None
) -> dict[tuple[Any, ...], dict]:
    """What `stream` should hold; targeting streams over `types` (default: the level's non-BETA types)."""
    truth = emulator.truth
    rows: Iterable[dict[str, Any]]
    if stream in ADS_STREAMS:
        rows = truth.analytics(ADS_STREAMS[stream], start, end, DEFAULT_ANALYTICS_COLUMNS)
    elif stream in TARGETING_STREAMS:
        level = TARGETING_STREAMS[stream]
        types = types or targeting_types({}, LEVELS[level].targeting_key)
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


def _read(tmp: Path, emulator: Emulator, config: dict, state: list | None = None, streams: list[str] = ALL_STREAMS):
    catalog = configured_catalog(config, streams)
    emulator.reset_counts()
    run = run_cli(tmp, "read", config, catalog, state=state)
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
        # Targeting: all the default (non-BETA) types of a level fit one request, so as many as the plain level.
        for level, endpoint in ENDPOINTS.items():
            assert counts[endpoint.replace("/analytics", "/targeting_analytics")] == counts[endpoint], level
        # Organic analytics: 100 pins per multi-pin request, once per app type; the user account once per window.
        pins = len(emulator.truth.entities("pins"))
        assert counts["GET /pins/analytics"] == math.ceil(pins / 100) * len(APP_TYPES) * windows
        assert counts["GET /user_account/analytics"] == windows


def test_incremental_sync_brings_revised_metrics(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=DAYS)
    with Emulator(scenario="small", today=TODAY - dt.timedelta(days=3)) as emulator:
        # The first sync checkpoints the connector's today, 3 days ahead of the emulator's: 30 + 3 days re-read the
        # emulator's last 30 days, as a 30-day lookback does when both clocks agree.
        lookback = 33
        config = emulator.connector_config(start_date=start.isoformat(), lookback_window_days=lookback)
        first = _read(tmp_path, emulator, config)
        emulator.advance(3)  # new days, and late conversions revise the last 30 days
        second = _read(tmp_path, emulator, config, state=first.final_states())

        # The second sync re-reads only the lookback window.
        oldest = min(
            dt.date.fromisoformat(query["start_date"][0])
            for _, path, query in emulator.requests_log
            if "analytics" in path
        )
        assert oldest >= TODAY - dt.timedelta(days=3 + lookback + 1), oldest

        revised = 0
        for stream in ALL_STREAMS:
            table = _by_key(first, stream)
            later = _by_key(second, stream)
            revised += sum(1 for k, row in later.items() if k in table and row != table[k])
            table.update(later)  # what an append+dedup destination holds
            assert_rows_equal(stream, table, truth_rows(emulator, stream, start, TODAY))
        assert revised > 0, "the emulator revised no row: the test proves nothing"


# Month and week edges, and the seam between report history and the sync window, fall on other days there.
OTHER_DAYS = [dt.date(2026, 12, 1), dt.date(2028, 2, 29)]


@pytest.mark.parametrize(
    "granularity, today", [("WEEK", TODAY), ("MONTH", TODAY), ("HOUR", TODAY)] + [("MONTH", d) for d in OTHER_DAYS]
)
def test_other_granularities_equal_truth(tmp_path: Path, clock: Any, granularity: str, today: dt.date) -> None:
    clock(today)
    days = 6 if granularity == "HOUR" else 80
    start = today - dt.timedelta(days=days)
    with Emulator(scenario="tiny", today=today) as emulator:
        config = emulator.connector_config(start_date=start.isoformat(), granularity=granularity)
        run = run_cli(tmp_path, "read", config, configured_catalog(config, ["campaign_analytics"]))
        assert run.returncode == 0 and not run.errors, run.errors
        got = _by_key(run, "campaign_analytics")
        # Whole periods only, from the one holding the start: days older than the sync endpoints reach come from
        # reports, which reach 914 days back.
        if granularity == "WEEK":
            first_period = start - dt.timedelta(days=start.weekday())
        elif granularity == "MONTH":
            first_period = start.replace(day=1)
        else:
            first_period = start
        expected = emulator.truth.analytics("CAMPAIGN", first_period, today, DEFAULT_ANALYTICS_COLUMNS, granularity)
        assert_rows_equal("campaign_analytics", got, {_key("campaign_analytics", r): r for r in expected})
        assert min(r["DATE"][:10] for r in got.values()) == first_period.isoformat()


def test_history_beyond_90_days_comes_from_reports_without_gap_or_overlap(tmp_path: Path) -> None:
    days = 400  # the small scenario holds 200 days of history: older days are legitimately empty
    start = TODAY - dt.timedelta(days=days)
    streams = ["ad_account_analytics", "campaign_analytics", "campaign_targeting_analytics", "ad_targeting_analytics"]
    with Emulator(scenario="small", today=TODAY) as emulator:
        config = emulator.connector_config(start_date=start.isoformat())
        catalog = configured_catalog(config, streams)
        run = run_cli(tmp_path, "read", config, catalog)
        assert run.returncode == 0 and not run.errors, run.errors
        seam = (TODAY - dt.timedelta(days=89)).isoformat()
        for stream in streams:  # one table: report rows before the seam, sync rows after it, equal to the truth
            reported_types = set(report_targeting_types(TARGETING_STREAMS[stream])) if "targeting" in stream else set()
            expected = {
                key: row
                for key, row in truth_rows(emulator, stream, start, TODAY).items()
                if row["DATE"] >= seam or "TARGETING_TYPE" not in row or row["TARGETING_TYPE"] in reported_types
            }
            assert_rows_equal(stream, _by_key(run, stream), expected)

        # At most one report job per account, stream and 186-day window of the days the sync endpoints cannot
        # reach, the targeting stream's types going 5 to a job (the emulator refuses more, like Pinterest); fewer,
        # since campaign-level windows before the scenario's 200 days of history (no campaign that could have
        # delivered) get none. The rows above equal the truth all the same.
        accounts = len(emulator.truth.entities("ad_accounts"))
        older_days = (TODAY - dt.timedelta(days=89) - start).days
        jobs = emulator.request_counts()["POST /ad_accounts/{ad_account_id}/reports"]
        windows = math.ceil(older_days / 186)
        per_window = len(streams) - 1 + math.ceil(len(reported_types) / 5)
        assert len(reported_types) > 5
        assert accounts * windows <= jobs < accounts * per_window * windows  # ad_account_analytics: every window

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


def _warnings(run: Any) -> list[str]:
    return [m["log"]["message"] for m in run.messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]


def test_closed_betas_give_the_same_records_pin_by_pin_and_every_non_beta_type_exact(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=DAYS)
    closed = SCENARIOS["tiny"].with_options(multi_pin_beta=False, beta_targeting_types=False)
    streams = ["pin_analytics", "ad_group_targeting_analytics", "ad_targeting_analytics"]
    every_ad_group_type = list(analytics_facts()["targeting_types"]["ad_group"])  # BETA ones included, by choice
    with Emulator(scenario=closed, today=TODAY) as emulator:
        config = emulator.connector_config(
            start_date=start.isoformat(), targeting_types={"ad_group": every_ad_group_type}
        )
        run = _read(tmp_path, emulator, config, streams=streams)
        counts = emulator.request_counts()

        # The same records as with the betas open: pins read one by one, the refused types left out, nothing else.
        assert_rows_equal(
            "pin_analytics", _by_key(run, "pin_analytics"), truth_rows(emulator, "pin_analytics", start, TODAY)
        )
        open_types = [t for t in every_ad_group_type if t not in ("AGE_BUCKET_AND_GENDER", "CREATIVE_ENHANCEMENTS")]
        for stream, types in (("ad_group_targeting_analytics", open_types), ("ad_targeting_analytics", None)):
            assert_rows_equal(stream, _by_key(run, stream), truth_rows(emulator, stream, start, TODAY, types))
        assert {r["APP_TYPE"] for r in run.records["pin_analytics"]} == set(APP_TYPES)

        # Decided once: one refused multi-pin request, then 2 per pin (ALL, and the split by app type), each pin
        # counted once (no window is longer than 90 days); paced by the org_analytics budget (unit-tested).
        pins = len(emulator.truth.entities("pins"))
        assert counts["GET /pins/analytics"] == 1
        assert counts["GET /pins/{pin_id}/analytics"] == 2 * pins
        # A refused type costs one request and is never asked again: one grouped request per id batch, plus one
        # retry per refusal (the API names the first refused type only).
        targeting_calls = [
            q["targeting_types"][0].split(",")
            for _, path, q in emulator.requests_log
            if path.endswith("/ad_groups/targeting_analytics")
        ]
        assert targeting_calls[-1] == open_types and len(targeting_calls) == 3, targeting_calls
        warnings = _warnings(run)
        fallback = [w for w in warnings if "/pins/{pin_id}/analytics instead" in w]
        assert len(fallback) == 1 and f"{2 * pins} requests for {pins} pins" in fallback[0], fallback
        for refused in ("AGE_BUCKET_AND_GENDER", "CREATIVE_ENHANCEMENTS"):
            named = [w for w in warnings if f"targeting type {refused} " in w]
            assert len(named) == 1 and "ad_group_targeting_analytics" in named[0], named


def test_answers_cut_short_mid_body_are_asked_again_and_no_row_comes_twice(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=20)
    streams = ["ad_analytics", "ad_group_targeting_analytics"]
    with Emulator(scenario="tiny", today=TODAY) as emulator:
        config = emulator.connector_config(start_date=start.isoformat())
        catalog = configured_catalog(config)
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
