"""Incremental state through the CLI against the emulator: an ad account added after the first sync gets its whole
history (issue 15, case 1); the per-case details are unit tests in unit_tests/test_incremental_state.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from integration_tests.cli import run_cli
from integration_tests.clock import TODAY
from integration_tests.pinterest_emulator import Emulator
from integration_tests.resume import configured_catalog
from source_pinterest.components.config import DEFAULT_ANALYTICS_COLUMNS

START = TODAY - dt.timedelta(days=40)


def test_an_account_added_to_account_ids_later_gets_all_its_campaigns_and_analytics_from_start_date(
    tmp_path: Path,
) -> None:
    with Emulator(scenario="small", today=TODAY) as emulator:
        first_account, added = sorted(a["id"] for a in emulator.truth.entities("ad_accounts"))
        config = emulator.connector_config(start_date=START.isoformat(), account_ids=[first_account])
        streams = ["campaigns", "ad_account_analytics"]
        catalog = configured_catalog(config, streams)
        first = run_cli(tmp_path, "read", config, catalog)
        assert not first.errors, first.errors

        config["account_ids"] = [first_account, added]
        second = run_cli(tmp_path, "read", config, catalog, state=first.final_states())

        assert not second.errors, second.errors
        truth_campaigns = {c["id"] for c in emulator.truth.entities("campaigns") if c["ad_account_id"] == added}
        assert truth_campaigns, "the added account has no campaigns; the test would prove nothing"
        got = {c["id"] for c in second.records["campaigns"] if c["ad_account_id"] == added}
        assert got == truth_campaigns
        truth_days = {
            r["DATE"]
            for r in emulator.truth.analytics("AD_ACCOUNT", START, TODAY, DEFAULT_ANALYTICS_COLUMNS)
            if str(r["AD_ACCOUNT_ID"]) == added
        }
        got_days = {r["DATE"] for r in second.records["ad_account_analytics"] if r["AD_ACCOUNT_ID"] == added}
        assert min(truth_days) < (TODAY - dt.timedelta(days=31)).isoformat()  # older than cursor - lookback
        assert got_days == truth_days
