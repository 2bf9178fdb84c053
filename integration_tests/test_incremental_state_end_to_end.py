"""Incremental state through the CLI against the emulator (issue 15): an ad account added or shared after the first
sync gets its whole history (case 1), an edit made during a listing is emitted (2), a refused request never
checkpoints past its data (3), empty and dormant accounts checkpoint without rows (4). The per-case details are
unit tests in unit_tests/test_incremental_state.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from integration_tests.cli import Run, run_cli
from integration_tests.clock import TODAY
from integration_tests.resume import configured_catalog
from pinterest_emulator import SCENARIOS, Emulator
from source_pinterest.facts import DEFAULT_ANALYTICS_COLUMNS

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


def _cursors(run: Run, stream: str, field: str = "DATE") -> dict[str, str]:
    (state,) = [s for s in run.final_states() if s["stream"]["stream_descriptor"]["name"] == stream]
    return {p["partition"]["ad_account_id"]: p["cursor"][field] for p in state["stream"]["stream_state"]["states"]}


def _account_days(emulator: Emulator, account: str, start: dt.date) -> set[str]:
    rows = emulator.truth.analytics("AD_ACCOUNT", start, TODAY, DEFAULT_ANALYTICS_COLUMNS)
    return {r["DATE"] for r in rows if str(r["AD_ACCOUNT_ID"]) == account}


def _report_jobs(emulator: Emulator, account: str) -> int:
    posts = [path for method, path, _ in emulator.requests_log if method == "POST"]
    return sum(1 for path in posts if path.endswith(f"/{account}/reports"))


def test_an_account_shared_between_two_syncs_gets_its_400_days_of_history(tmp_path: Path) -> None:
    """Case 1 through Business Access: the account is not in the listing at the first sync, and is at the second."""
    start = TODAY - dt.timedelta(days=400)
    scenario = SCENARIOS["small"].with_options(history_days=420, share_delay_days=1)
    with Emulator(scenario=scenario, today=TODAY) as emulator:
        (shared,) = emulator.world.shared_accounts
        config = emulator.connector_config(start_date=start.isoformat())
        catalog = configured_catalog(config, ["campaigns", "ad_account_analytics"])
        first = run_cli(tmp_path, "read", config, catalog)
        assert not first.errors, first.errors
        assert shared not in _cursors(first, "ad_account_analytics")  # not visible yet

        emulator.advance(1)  # shared with the user, with all its history
        second = run_cli(tmp_path, "read", config, catalog, state=first.final_states())

        assert not second.errors, second.errors
        truth_campaigns = {c["id"] for c in emulator.truth.entities("campaigns") if c["ad_account_id"] == shared}
        assert truth_campaigns == {c["id"] for c in second.records["campaigns"] if c["ad_account_id"] == shared}
        got = {r["DATE"] for r in second.records["ad_account_analytics"] if r["AD_ACCOUNT_ID"] == shared}
        truth_days = _account_days(emulator, shared, start)
        assert min(truth_days) < (TODAY - dt.timedelta(days=200)).isoformat()  # from reports, far beyond any lookback
        assert got == truth_days


def test_an_object_edited_on_an_earlier_page_while_the_listing_runs_is_emitted_by_the_next_sync(
    tmp_path: Path,
) -> None:
    """Case 2: 260 campaigns are two pages of 250. While page 2 is fetched, the first campaign (page 1, already
    read) is edited, then the last: the first sync's state is the last one's edit, newer than the first one's."""
    scenario = SCENARIOS["small"].with_options(shared_ad_accounts=0, campaigns_per_account=260)
    with Emulator(scenario=scenario, today=TODAY) as emulator:
        config = emulator.connector_config()
        catalog = configured_catalog(config, ["campaigns"])
        emulator.inject("edit_during_listing", path="/campaigns$")
        first = run_cli(tmp_path, "read", config, catalog)
        assert not first.errors, first.errors
        truth = {c["id"]: c for c in emulator.truth.entities("campaigns")}
        edited = min(truth, key=int)
        assert "edited while listed" in truth[edited]["name"]
        assert {r["id"]: r for r in first.records["campaigns"]}[edited]["name"] != truth[edited]["name"]

        second = run_cli(tmp_path, "read", config, catalog, state=first.final_states())

        assert not second.errors, second.errors
        # what an append-dedup destination keeps: the last version of each id
        latest = {r["id"]: (r["name"], r["updated_time"]) for run in (first, second) for r in run.records["campaigns"]}
        assert latest[edited] == (truth[edited]["name"], truth[edited]["updated_time"])
        assert latest == {i: (c["name"], c["updated_time"]) for i, c in truth.items()}


def test_one_refused_analytics_request_fails_its_account_and_the_next_sync_reads_the_gap(tmp_path: Path) -> None:
    """Case 3: the refused request is the sync-endpoint part (the last 89 days) of the shared account's slice, whose
    report part (older days) was read; skipping it would checkpoint the slice's end, today."""
    start = TODAY - dt.timedelta(days=150)
    with Emulator(scenario="small", today=TODAY) as emulator:
        (refused,) = emulator.world.shared_accounts
        config = emulator.connector_config(start_date=start.isoformat())
        catalog = configured_catalog(config, ["ad_account_analytics"])
        emulator.inject("403", path=f"/ad_accounts/{refused}/analytics$")
        first = run_cli(tmp_path, "read", config, catalog)

        assert first.returncode != 0
        error = next(e for e in first.errors if "403" in e["message"])
        assert error["failure_type"] == "config_error" and "account_ids" in error["message"]
        cursors = _cursors(first, "ad_account_analytics")
        assert cursors.get(refused, start.isoformat()) < (TODAY - dt.timedelta(days=89)).isoformat()
        (other,) = set(emulator.world.ad_accounts) - {refused}
        assert cursors[other] == TODAY.isoformat()  # the other account finished

        second = run_cli(tmp_path, "read", config, catalog, state=first.final_states())

        assert not second.errors, second.errors
        got = {r["DATE"] for run in (first, second) for r in run.records.get("ad_account_analytics", [])
               if r["AD_ACCOUNT_ID"] == refused}  # fmt: skip
        assert got == _account_days(emulator, refused, start)


def test_empty_and_dormant_accounts_checkpoint_what_they_read_and_create_no_report_job_again(tmp_path: Path) -> None:
    """Case 4: an account without campaigns and one whose campaigns were archived before the history."""
    start = TODAY - dt.timedelta(days=300)
    scenario = SCENARIOS["small"].with_options(
        shared_ad_accounts=0, empty_ad_accounts=1, dormant_ad_accounts=1, history_days=420
    )
    with Emulator(scenario=scenario, today=TODAY) as emulator:
        live, empty, dormant = sorted(emulator.world.ad_accounts, key=int)
        assert not emulator.world.campaigns_in(empty) and emulator.world.campaigns_in(dormant)
        config = emulator.connector_config(start_date=start.isoformat(), lookback_window_days=5)
        streams = ["ad_account_analytics", "campaign_analytics"]
        catalog = configured_catalog(config, streams)
        first = run_cli(tmp_path, "read", config, catalog)

        assert not first.errors, first.errors
        # 300 - 89 days of history is two 186-day report windows: ad-account level only, no campaign can deliver
        assert [_report_jobs(emulator, a) for a in (empty, dormant)] == [2, 2]
        assert _report_jobs(emulator, live) > 2
        for stream in streams:
            assert {a: c for a, c in _cursors(first, stream).items() if a != live} == {
                empty: TODAY.isoformat(),
                dormant: TODAY.isoformat(),
            }

        emulator.reset_counts()
        second = run_cli(tmp_path, "read", config, catalog, state=first.final_states())

        assert not second.errors, second.errors
        assert [_report_jobs(emulator, a) for a in (empty, dormant, live)] == [0, 0, 0]
        starts = {
            query["start_date"][0]
            for _, path, query in emulator.requests_log
            if path.endswith(f"/{empty}/analytics") or path.endswith(f"/{dormant}/analytics")
        }
        assert starts == {(TODAY - dt.timedelta(days=5)).isoformat()}
