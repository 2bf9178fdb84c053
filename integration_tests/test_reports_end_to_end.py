"""Async report streams through the CLI against the emulator, compared with its ground truth day by day."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from integration_tests.cli import Run, run_cli
from integration_tests.clock import TODAY
from integration_tests.resume import configured_catalog
from pinterest_emulator import SCENARIOS, Emulator

POST_REPORTS = "POST /ad_accounts/{ad_account_id}/reports"
CUSTOM = {
    "name": "targeting_conversions",
    "level": "AD_GROUP_TARGETING",
    "columns": ["SPEND_IN_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CONVERSIONS"],
    "targeting_types": ["APPTYPE", "GENDER"],
    "click_window_days": 7,
    "conversion_report_time": "TIME_OF_CONVERSION",
    "report_format": "CSV",
}


def _emulator(**options: Any) -> Emulator:
    return Emulator(SCENARIOS["small"].with_options(**options), today=TODAY)


def _catalog(tmp: Path, config: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return configured_catalog(config, names)


def _truth(emu: Emulator, accounts: list[str], body: dict[str, Any], start: dt.date) -> list[dict[str, Any]]:
    """The emulator's rows from `start` to today, asked in 100-day pieces (not the connector's windows)."""
    rows = []
    for account in accounts:
        first = start
        while first <= TODAY:
            last = min(first + dt.timedelta(days=99), TODAY)
            window = {**body, "start_date": first.isoformat(), "end_date": last.isoformat()}
            rows += [{**row, "AD_ACCOUNT_ID": account} for row in emu.truth.report_rows(account, window)]
            first = last + dt.timedelta(days=1)
    return rows


def _by_key(rows: list[dict[str, Any]], key: list[str]) -> dict[tuple, dict[str, Any]]:
    counts = Counter(tuple(str(r.get(k)) for k in key) for r in rows)
    assert not [k for k, n in counts.items() if n > 1], "a row was read twice (overlapping windows)"
    return {tuple(str(r.get(k)) for k in key): r for r in rows}


def test_two_years_of_reports_equal_the_truth_with_one_job_per_window(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=730)
    with _emulator(report_polls=0) as emu:
        accounts = [a["id"] for a in emu.truth.entities("ad_accounts")]
        config = emu.connector_config(start_date=start.isoformat(), custom_reports=[CUSTOM])
        catalog = _catalog(tmp_path, config, ["campaign_analytics_report", "custom_targeting_conversions"])
        emu.reset_counts()
        run = run_cli(tmp_path, "read", config, catalog)

        assert run.returncode == 0 and not run.errors, run.errors
        # 731 days in 186-day windows: at most 4 jobs per ad account and stream, and fewer: the scenario's 200 days
        # of history leave the oldest windows without a campaign that could have delivered, so they get no job.
        assert emu.request_counts()[POST_REPORTS] < 4 * len(accounts) * 2

        campaigns = _truth(emu, accounts, {"level": "CAMPAIGN", "granularity": "DAY", "columns": _columns()}, start)
        got = _by_key(run.records["campaign_analytics_report"], ["CAMPAIGN_ID", "DATE"])
        assert got == _by_key(campaigns, ["CAMPAIGN_ID", "DATE"]) and len(got) > 300

        custom_body = {**CUSTOM, "granularity": "DAY"}
        del custom_body["name"], custom_body["report_format"]
        key = ["AD_GROUP_ID", "DATE", "TARGETING_TYPE", "TARGETING_VALUE"]
        expected = {
            k: _csv_form(r, CUSTOM["columns"])
            for k, r in _by_key(_truth(emu, accounts, custom_body, start), key).items()
        }
        assert _by_key(run.records["custom_targeting_conversions"], key) == expected and len(expected) > 300
        assert {r["DATE"] for r in run.records["custom_targeting_conversions"]} >= {TODAY.isoformat()}

        # The next sync re-reads the last 30 days (lookback_window_days) with one job per account and stream.
        emu.reset_counts()
        again = run_cli(tmp_path, "read", config, catalog, state=[s for s in run.final_states()])
        assert again.returncode == 0 and not again.errors, again.errors
        assert emu.request_counts()[POST_REPORTS] == len(accounts) * 2
        oldest = min(r["DATE"] for r in again.records["campaign_analytics_report"])
        assert oldest >= (TODAY - dt.timedelta(days=30)).isoformat()
        _assert_per_account_state(again)


def _columns() -> list[str]:
    from source_pinterest.components.reports import report_columns

    return report_columns.default_columns()


def _csv_form(row: dict[str, Any], metrics: list[str]) -> dict[str, Any]:
    # CSV files zero-fill metrics a JSON row leaves out; targeting values are strings in records.
    return {**{m: 0 for m in metrics}, **row, "TARGETING_VALUE": str(row["TARGETING_VALUE"])}


def _assert_per_account_state(run: Run) -> None:
    for state in run.final_states():
        partitions = state["stream"]["stream_state"]["states"]
        assert len(partitions) == 2 and all(p["cursor"]["DATE"] == TODAY.isoformat() for p in partitions)


def test_a_failed_job_is_run_again_and_its_rows_are_complete(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=60)
    with _emulator(report_polls=2) as emu:  # jobs answer IN_PROGRESS twice: the connector polls with backoff
        accounts = [a["id"] for a in emu.truth.entities("ad_accounts")]
        config = emu.connector_config(start_date=start.isoformat())
        catalog = _catalog(tmp_path, config, ["advertiser_report"])
        emu.reset_counts()
        emu.inject("report_failed", path="/reports$", count=1)
        run = run_cli(tmp_path, "read", config, catalog)

        assert run.returncode == 0 and not run.errors, run.errors
        assert emu.request_counts()[POST_REPORTS] == len(accounts) + 1  # one window per account, one job again
        truth = _truth(emu, accounts, {"level": "ADVERTISER", "granularity": "DAY", "columns": _columns()}, start)
        assert _by_key(run.records["advertiser_report"], ["ADVERTISER_ID", "DATE"]) == _by_key(
            truth, ["ADVERTISER_ID", "DATE"]
        )
        assert any("ended FAILED" in m["log"]["message"] for m in run.messages if m["type"] == "LOG")


def test_a_job_failing_for_good_fails_the_stream_with_pinterests_status(tmp_path: Path) -> None:
    with _emulator() as emu:
        config = emu.connector_config(start_date=(TODAY - dt.timedelta(days=10)).isoformat())
        catalog = _catalog(tmp_path, config, ["pin_promotion_report"])
        emu.inject("report_failed", path="/reports$", count=1000)
        run = run_cli(tmp_path, "read", config, catalog)

        assert run.returncode != 0 and run.errors
        messages = " ".join(e["message"] for e in run.errors)
        assert "Pinterest could not produce the report" in messages and "FAILED 3 times" in messages
        assert "PIN_PROMOTION" in messages
