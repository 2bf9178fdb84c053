"""A source-pinterest 2.x connection switched to this connector: its config and state, through the CLI, against
the emulator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from integration_tests.cli import catalog_for, run_cli
from integration_tests.clock import TODAY
from integration_tests.resume import ENTITY_LOOKBACK_SECONDS
from pinterest_emulator import Emulator


def _day(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


def test_a_2x_config_and_state_sync_as_they_are(tmp_path: Path) -> None:
    with Emulator(scenario="tiny", today=TODAY) as emu:
        account = str(emu.truth.entities("ad_accounts")[0]["id"])
        config = emu.connector_config(
            start_date=_day(20),
            status=["ACTIVE", "PAUSED"],
            account_id=account,
            num_threads=40,
            lookback_window_days=3,
            custom_reports=[
                {  # as 2.x's UI saved it
                    "name": "totals",
                    "level": "CAMPAIGN",
                    "granularity": "TOTAL",
                    "columns": ["CAMPAIGN_ID", "SPEND_IN_DOLLAR", "TOTAL_IMPRESSION"],
                    "click_window_days": 30,
                    "engagement_window_days": [30],
                    "view_window_days": [30],
                    "conversion_report_time": "TIME_OF_AD_ACTION",
                    "attribution_types": ["INDIVIDUAL", "HOUSEHOLD"],
                }
            ],
        )
        discovered = run_cli(tmp_path, "discover", config)  # migrates; `config` takes the migrated one
        assert discovered.returncode == 0 and not discovered.errors, discovered.errors
        assert config["num_workers"] == 20 and config["organic_ad_account_id"] == account
        assert config["custom_reports"][0]["granularity"] == "DAY" and "account_id" not in config

        streams = ["custom_totals", "campaign_analytics", "boards", "ads"]
        catalog = catalog_for(
            next(m["catalog"]["streams"] for m in discovered.messages if m["type"] == "CATALOG"), streams
        )
        entity = {"id": account, "parent_slice": {}}
        ads = emu.truth.entities("ads", entity_statuses=["ACTIVE", "PAUSED"])
        synced = max(a["updated_time"] for a in ads)  # 2.x's cursor: the newest updated_time it emitted
        unchanged = {a["id"] for a in ads if a["updated_time"] < synced - ENTITY_LOOKBACK_SECONDS}
        assert unchanged, "every ad changed lately; the test would prove nothing"
        state = [
            {
                "type": "STREAM",
                "stream": {
                    "stream_descriptor": {"name": "ads"},
                    "stream_state": {"states": [{"partition": entity, "cursor": {"updated_time": synced}}]},
                },
            },
            {
                "type": "STREAM",
                "stream": {
                    "stream_descriptor": {"name": "custom_totals"},
                    "stream_state": {"states": [{"partition": entity, "cursor": {"DATE": _day(6)}}]},
                },
            },
            {
                "type": "STREAM",
                "stream": {
                    "stream_descriptor": {"name": "campaign_analytics"},
                    "stream_state": {
                        "states": [
                            {"partition": {"id": "live", "parent_slice": entity}, "cursor": {"DATE": _day(5)}},
                            {"partition": {"id": "dead", "parent_slice": entity}, "cursor": {"DATE": "2024-01-01"}},
                        ]
                    },
                },
            },
        ]
        run = run_cli(tmp_path, "read", config, catalog, state=state)

        assert run.returncode == 0 and not run.errors, run.errors
        log = emu.requests_log
        boards = [query for method, path, query in log if path.endswith("/boards")]
        assert boards and all(q.get("ad_account_id") == [account] for q in boards)
        analytics = [q for _, path, q in log if path.endswith(f"/{account}/campaigns/analytics")]
        # per entity: the newest (5 days ago) minus the lookback (3) resumes, minus the lookback again for the read
        assert analytics and min(q["start_date"][0] for q in analytics) == _day(11)
        assert {r["DATE"] for r in run.records["custom_totals"]} <= {_day(d) for d in range(10)}
        assert run.records["custom_totals"] and all(r["CAMPAIGN_ID"] for r in run.records["custom_totals"])
        # ads continue from 2.x's cursor minus the entity lookback: what did not change is not emitted again
        assert {r["id"] for r in run.records["ads"]} == {a["id"] for a in ads} - unchanged
