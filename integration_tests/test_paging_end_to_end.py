"""Paging that cannot loop (issue 21, deliverable 4), through the CLI against the emulator: a listing that answers
a bookmark it already gave ends with an error naming the request (never the bookmark), instead of reading the same
page for ever; the cached parent listings the analytics share fail the same way, and keep their state."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from integration_tests.cli import run_cli
from integration_tests.clock import TODAY
from integration_tests.resume import configured_catalog
from integration_tests.test_unread_data_end_to_end import _campaigns_of, _cursors
from pinterest_emulator import SCENARIOS, Emulator

START = TODAY - dt.timedelta(days=40)
HANG_GUARD_SECONDS = 120  # the looping read never ends; a good one takes seconds


def test_a_repeated_bookmark_on_a_cached_parent_listing_fails_that_listing_instead_of_looping(tmp_path: Path) -> None:
    # 260 campaigns are two pages of 250: the answer to page 2 points back at page 2.
    scenario = SCENARIOS["small"].with_options(campaigns_per_account=260, ad_groups_per_campaign=(1, 1))
    with Emulator(scenario=scenario, today=TODAY) as emulator:
        other, looping = sorted(emulator.world.ad_accounts, key=int)
        config = emulator.connector_config(start_date=START.isoformat())
        streams = ["campaigns", "campaign_analytics"]  # campaigns is a shared, cached parent (warmed up first)
        catalog = configured_catalog(config, streams)
        emulator.inject("repeat_bookmark", path=f"/ad_accounts/{looping}/campaigns$", count=10_000)

        run = run_cli(tmp_path, "read", config, catalog, timeout=HANG_GUARD_SECONDS)

        assert run.returncode != 0
        assert run.statuses()["campaigns"] == "INCOMPLETE"
        traces = [e for e in run.errors if f"GET /v5/ad_accounts/{looping}/campaigns" in e["message"]]
        assert traces, [e["message"] for e in run.errors]
        assert "already followed" in traces[0]["message"]
        for error in run.errors:  # the path names the request; the bookmark (in the query) is not repeated
            assert "bookmark=" not in error["message"] and "bookmark=" not in error.get("internal_message", "")
        emitted = Counter(str(r["id"]) for r in run.records.get("campaigns", []))
        assert not [i for i, n in emitted.items() if n > 1], "a page was emitted twice"
        assert _campaigns_of(emulator, other) <= set(emitted), "the other account's campaigns are missing"
        assert set(emitted) <= _campaigns_of(emulator, other) | _campaigns_of(emulator, looping)
        # the looping account's analytics were not checkpointed past what was read
        assert _cursors(run, "campaign_analytics").get(looping, START.isoformat()) <= START.isoformat()
