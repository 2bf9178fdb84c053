"""The state follows the config (issue 21, deliverable 6) through the CLI against the emulator: an earlier
start_date backfills exactly the days before the state's first day, a 2.x state starts an account it does not name
from start_date, and lookback 0 with the account zone reads again a day some zone had not finished."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conftest import sandbox
from integration_tests.clock import TODAY
from integration_tests.test_analytics_end_to_end import _by_key, _read, assert_rows_equal, truth_rows
from integration_tests.test_timezone_end_to_end import REPORT, report_records, report_truth
from integration_tests.test_timezone_end_to_end import truth_rows as zoned_truth
from pinterest_emulator import SCENARIOS, Emulator
from source_pinterest.components.state import FIRST_DAY

STREAMS = ["ad_account_analytics", "campaign_analytics", "campaign_targeting_analytics"]
ZONE = "AD_ACCOUNT_TIME_ZONE"


def _day(days_ago: int) -> dt.date:
    return TODAY - dt.timedelta(days=days_ago)


def _report_rows(run: Any) -> dict[tuple[str, str], dict]:
    return report_records(run)


@pytest.mark.parametrize(("old_start", "new_start"), [(20, 40), (30, 150)])
def test_an_earlier_start_date_brings_exactly_the_days_before(tmp_path: Path, old_start: int, new_start: int) -> None:
    s1, s0, lookback = _day(old_start), _day(new_start), 3
    with Emulator("small", today=TODAY) as emu:
        config = emu.connector_config(start_date=s1.isoformat(), lookback_window_days=lookback)
        first = _read(tmp_path, emu, config, streams=[*STREAMS, REPORT])
        moved = {**config, "start_date": s0.isoformat()}
        second = _read(tmp_path, emu, moved, state=first.final_states(), streams=[*STREAMS, REPORT])

        resumed = (TODAY - dt.timedelta(days=lookback)).isoformat()
        for stream in STREAMS:
            got = _by_key(second, stream)
            backfilled = {k: v for k, v in got.items() if v["DATE"] < s1.isoformat()}
            assert_rows_equal(stream, backfilled, truth_rows(emu, stream, s0, s1 - dt.timedelta(days=1)))
            # nothing the first sync covered is read again, beyond the lookback
            assert all(v["DATE"] < s1.isoformat() or v["DATE"] >= resumed for v in got.values()), stream
        reports = _report_rows(second)
        assert {k: v for k, v in reports.items() if k[1] < s1.isoformat()} == {
            k: v for k, v in report_truth(emu, s0, "PINTEREST_TIME_ZONE").items() if k[1] < s1.isoformat()
        }
        assert all(k[1] < s1.isoformat() or k[1] >= resumed for k in reports)
        for state in second.final_states():
            for entry in state["stream"]["stream_state"]["states"]:
                assert entry["cursor"][FIRST_DAY] == s0.isoformat()


def _two_x_state(stream: str, named: str, day: str) -> dict[str, Any]:
    return {
        "type": "STREAM",
        "stream": {
            "stream_descriptor": {"name": stream},
            "stream_state": {  # the CDK's per-partition shape as 2.x wrote it, global cursor included
                "states": [{"partition": {"id": named, "parent_slice": {}}, "cursor": {"DATE": day}}],
                "state": {"DATE": day},
                "use_global_cursor": False,
                "lookback_window": 0,
            },
        },
    }


def test_a_2x_state_starts_an_account_it_does_not_name_from_start_date(tmp_path: Path) -> None:
    start = _day(40)
    with Emulator("small", today=TODAY) as emu:
        named, unnamed = (str(a["id"]) for a in emu.truth.entities("ad_accounts")[:2])
        config = emu.connector_config(start_date=start.isoformat(), lookback_window_days=2)
        synced = _day(5).isoformat()
        state = [_two_x_state(s, named, synced) for s in ("ad_account_analytics", REPORT)]
        run = _read(tmp_path, emu, config, state=state, streams=["ad_account_analytics", REPORT])

        truth = truth_rows(emu, "ad_account_analytics", start, TODAY)
        got = _by_key(run, "ad_account_analytics")
        assert_rows_equal(
            "ad_account_analytics",
            {k: v for k, v in got.items() if k[0] == unnamed},
            {k: v for k, v in truth.items() if k[0] == unnamed},
        )
        reports = report_records(run)
        assert {k: v for k, v in reports.items() if k[0] == unnamed} == {
            k: v for k, v in report_truth(emu, start, "PINTEREST_TIME_ZONE").items() if k[0] == unnamed
        }
        assert min(k[1] for k in got if k[0] == named) == _day(7).isoformat()  # its own cursor minus the lookback


def test_lookback_0_with_the_account_zone_reads_again_a_day_the_account_had_not_finished(tmp_path: Path) -> None:
    """At 05:00 UTC it is 21:00 the day before at UTC-8: that day is not finished there, and must come again."""
    west = SCENARIOS["small"].with_options(account_utc_offsets=(-8, 13))
    day = TODAY
    streams = ["ad_account_analytics", REPORT]
    with Emulator(west, today=day - dt.timedelta(days=1)) as emu:  # its data: the day before still in progress
        account = next(a for a in emu.world.ad_accounts if emu.world.utc_offset(a) == -8)
        start = day - dt.timedelta(days=10)
        config = emu.connector_config(start_date=start.isoformat(), lookback_window_days=0, reporting_timezone=ZONE)
        sandbox.shift_to(dt.datetime.combine(day, dt.time(5), dt.timezone.utc))
        first = _read(tmp_path, emu, config, streams=streams)
        finished = (day - dt.timedelta(days=2)).isoformat()  # the account's last finished day at 05:00 UTC
        for state in first.final_states():
            for entry in state["stream"]["stream_state"]["states"]:
                assert entry["cursor"]["DATE"] <= finished, state

        emu.advance(1)
        sandbox.shift_to(dt.datetime.combine(day, dt.time(23, 30), dt.timezone.utc))
        second = _read(tmp_path, emu, config, state=first.final_states(), streams=streams)

        unfinished = (day - dt.timedelta(days=1)).isoformat()
        table = {**_by_key(first, "ad_account_analytics"), **_by_key(second, "ad_account_analytics")}  # append-dedup
        expected = zoned_truth(emu, "ad_account_analytics", start, day, ZONE)
        key = (account, unfinished)
        assert key in table and key in expected
        assert_rows_equal("ad_account_analytics", {key: table[key]}, {key: expected[key]})
        reports = {**report_records(first), **report_records(second)}
        zoned = {k: v for k, v in report_truth(emu, start, ZONE).items() if k == (account, unfinished)}
        assert zoned and {k: reports.get(k) for k in zoned} == zoned
