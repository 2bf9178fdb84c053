"""reporting_timezone through the CLI against the emulator, whose ad accounts sit at UTC-5 and UTC+13 (small
scenario): rows equal the truth in each account's zone, a refused beta gives UTC rows and one warning, and a zone
changed between syncs leaves the re-read range equal to the truth in the new zone, without a missing day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from integration_tests.clock import TODAY
from integration_tests.test_analytics_end_to_end import (
    ADS_STREAMS,
    TARGETING_STREAMS,
    _by_key,
    _key,
    _read,
    _warnings,
    assert_rows_equal,
)
from pinterest_emulator import SCENARIOS, Emulator
from source_pinterest.components.reports import report_columns
from source_pinterest.facts import DEFAULT_ANALYTICS_COLUMNS, DEFAULT_WORKERS, LEVELS
from source_pinterest.settings import targeting_types

ACCOUNT_ZONE = "AD_ACCOUNT_TIME_ZONE"
UTC = "PINTEREST_TIME_ZONE"
STREAMS = ["ad_account_analytics", "campaign_analytics", "ad_analytics", "campaign_targeting_analytics"]
REPORT = "advertiser_report"


def truth_rows(emu: Emulator, stream: str, start: dt.date, end: dt.date, zone: str) -> dict[tuple[Any, ...], dict]:
    """What `stream` should hold with reporting_timezone `zone`."""
    if stream in ADS_STREAMS:
        rows = emu.truth.analytics(ADS_STREAMS[stream], start, end, DEFAULT_ANALYTICS_COLUMNS, reporting_timezone=zone)
    else:
        level = TARGETING_STREAMS[stream]
        types = targeting_types({}, LEVELS[level].targeting_key)
        rows = [
            {"TARGETING_TYPE": i["targeting_type"], "TARGETING_VALUE": str(i["targeting_value"]), **i["metrics"]}
            for i in emu.truth.targeting_analytics(
                level, types, start, end, DEFAULT_ANALYTICS_COLUMNS, reporting_timezone=zone
            )
        ]
    return {_key(stream, row): row for row in rows}


def report_truth(emu: Emulator, start: dt.date, zone: str) -> dict[tuple[str, str], dict]:
    body = {"level": "ADVERTISER", "granularity": "DAY", "columns": report_columns.default_columns()}
    if zone != UTC:
        body["reporting_timezone"] = zone
    rows = {}
    for account in (a["id"] for a in emu.truth.entities("ad_accounts")):
        window = {**body, "start_date": start.isoformat(), "end_date": TODAY.isoformat()}
        for row in emu.truth.report_rows(account, window):
            rows[(str(row["ADVERTISER_ID"]), row["DATE"])] = {**row, "AD_ACCOUNT_ID": account}
    return rows


def report_records(run: Any) -> dict[tuple[str, str], dict]:
    return {(str(r["ADVERTISER_ID"]), r["DATE"]): r for r in run.records.get(REPORT, [])}


def zone_params(emu: Emulator) -> list[str | None]:
    """The reporting_timezone of every ads analytics request, in order."""
    return [
        (query.get("reporting_timezone") or [None])[0]
        for _, path, query in emu.requests_log
        if path.startswith("/v5/ad_accounts/") and path.endswith("analytics")
    ]


def test_rows_are_dated_in_each_ad_accounts_time_zone(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=40)
    with Emulator("small", today=TODAY) as emu:
        assert sorted(emu.world.utc_offset(a) for a in emu.world.ad_accounts) == [-5, 13]
        config = emu.connector_config(start_date=start.isoformat(), reporting_timezone=ACCOUNT_ZONE)
        run = _read(tmp_path, emu, config, streams=[*STREAMS, REPORT])

        for stream in STREAMS:
            expected = truth_rows(emu, stream, start, TODAY, ACCOUNT_ZONE)
            assert_rows_equal(stream, _by_key(run, stream), expected)
            assert expected != truth_rows(emu, stream, start, TODAY, UTC)  # the zone moved the numbers
        assert report_records(run) == report_truth(emu, start, ACCOUNT_ZONE) != report_truth(emu, start, UTC)
        assert set(zone_params(emu)) == {ACCOUNT_ZONE}
        assert not [w for w in _warnings(run) if "reporting_timezone" in w]
        for state in run.final_states():  # the state remembers the zone each account was read in
            entries = state["stream"]["stream_state"]["states"]
            assert entries and all(e["partition"]["reporting_timezone"] == ACCOUNT_ZONE for e in entries)


def test_a_default_sync_asks_exactly_as_before(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=20)
    with Emulator("tiny", today=TODAY) as emu:
        run = _read(tmp_path, emu, emu.connector_config(start_date=start.isoformat()), streams=STREAMS[:1])
        assert set(zone_params(emu)) == {None}
        entries = run.final_states()[0]["stream"]["stream_state"]["states"]
        assert [e["partition"] for e in entries] == [{"ad_account_id": a} for a in emu.world.ad_accounts]


def test_a_refused_time_zone_gives_utc_rows_and_one_warning(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=40)
    closed = SCENARIOS["small"].with_options(reporting_timezone_beta=False)
    with Emulator(closed, today=TODAY) as emu:
        config = emu.connector_config(start_date=start.isoformat(), reporting_timezone=ACCOUNT_ZONE)
        run = _read(tmp_path, emu, config, streams=[*STREAMS, REPORT])

        for stream in STREAMS:
            assert_rows_equal(stream, _by_key(run, stream), truth_rows(emu, stream, start, TODAY, UTC))
        assert report_records(run) == report_truth(emu, start, UTC)
        # Decided per ad account (issue 21): one warning for each account, both refuse here.
        warned = [w for w in _warnings(run) if "reporting_timezone" in w]
        accounts = list(emu.world.ad_accounts)
        assert len(warned) == len(accounts) and all("in UTC" in w and "Fix:" in w for w in warned), warned
        assert {a for a in accounts for w in warned if f"ad account {a} " in w} == set(accounts)
        # Decided by each account's first refusal: at most the requests already in flight (one per worker) carried it.
        asked = zone_params(emu)
        assert len(accounts) <= asked.count(ACCOUNT_ZONE) <= DEFAULT_WORKERS * len(accounts) and asked[-1] is None


def test_a_changed_time_zone_rereads_the_lookback_and_a_day_in_the_new_zone(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=40)
    lookback = 5
    streams = ["ad_account_analytics", "campaign_targeting_analytics", REPORT]
    with Emulator("small", today=TODAY) as emu:
        utc = emu.connector_config(start_date=start.isoformat(), lookback_window_days=lookback)
        first = _read(tmp_path, emu, utc, streams=streams)
        zoned = {**utc, "reporting_timezone": ACCOUNT_ZONE}
        second = _read(tmp_path, emu, zoned, state=first.final_states(), streams=streams)

        reread = TODAY - dt.timedelta(days=lookback + 1)
        for stream in streams[:2]:
            assert min(r["DATE"] for r in second.records[stream]) == reread.isoformat()
            table = {**_by_key(first, stream), **_by_key(second, stream)}  # an append-dedup destination
            recent = {k: v for k, v in table.items() if v["DATE"] >= reread.isoformat()}
            older = {k: v for k, v in table.items() if v["DATE"] < reread.isoformat()}
            assert_rows_equal(stream, recent, truth_rows(emu, stream, reread, TODAY, ACCOUNT_ZONE))
            before = reread - dt.timedelta(days=1)
            assert_rows_equal(stream, older, truth_rows(emu, stream, start, before, UTC))  # kept, as documented
        reports = {**report_records(first), **report_records(second)}
        assert min(r["DATE"] for r in second.records[REPORT]) == reread.isoformat()
        assert {k: v for k, v in reports.items() if k[1] >= reread.isoformat()} == report_truth(
            emu, reread, ACCOUNT_ZONE
        )
        for state in second.final_states():
            entries = state["stream"]["stream_state"]["states"]
            assert len(entries) == 2 and all(e["partition"]["reporting_timezone"] == ACCOUNT_ZONE for e in entries)
