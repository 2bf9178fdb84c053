"""No state past unread data (issue 21, deliverable 3), through the CLI against the emulator: a refused listing of
one ad account keeps that account's state in every stream built on it, a refusal only the warm-up saw leaves no
mark, and a 200 that is not the documented answer is asked again, then fails, and is never "no rows"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from integration_tests.cli import Run, run_cli
from integration_tests.clock import TODAY
from integration_tests.resume import configured_catalog
from integration_tests.test_analytics_end_to_end import _by_key, assert_rows_equal, truth_rows
from pinterest_emulator import SCENARIOS, Emulator, Scenario

START = TODAY - dt.timedelta(days=40)
STREAMS = ["campaigns", "campaign_analytics"]


@contextmanager
def _emulator_for_a_sync(
    scenario: Scenario | str = "small", streams: list[str] = STREAMS
) -> Iterator[tuple[Emulator, list[str], dict[str, Any], dict[str, Any]]]:
    """A running emulator, its ad accounts in id order, and the config and catalog of a sync from START."""
    with Emulator(scenario=scenario, today=TODAY) as emulator:
        config = emulator.connector_config(start_date=START.isoformat())
        yield emulator, sorted(emulator.world.ad_accounts, key=int), config, configured_catalog(config, streams)


def _assert_read_everything(emulator: Emulator, run: Run) -> None:
    """Every stream COMPLETE, every campaign read and every campaign_analytics row equal to the truth from START."""
    assert set(run.statuses().values()) == {"COMPLETE"}
    assert {str(c["id"]) for c in run.records["campaigns"]} == {
        str(c["id"]) for c in emulator.truth.entities("campaigns")
    }
    assert_rows_equal(
        "campaign_analytics",
        _by_key(run, "campaign_analytics"),
        truth_rows(emulator, "campaign_analytics", START, TODAY),
    )


def _cursors(run: Run, stream: str, field: str = "DATE") -> dict[str, Any]:
    states = [s for s in run.final_states() if s["stream"]["stream_descriptor"]["name"] == stream]
    if not states:
        return {}
    entries = states[0]["stream"]["stream_state"].get("states", [])
    return {e["partition"]["ad_account_id"]: e["cursor"].get(field) for e in entries}


def _campaigns_of(emulator: Emulator, account: str) -> set[str]:
    return {str(c["id"]) for c in emulator.truth.entities("campaigns") if c["ad_account_id"] == account}


def _analytics_of(emulator: Emulator, run: Run, account: str) -> tuple[dict, dict]:
    """campaign_analytics of one account in `run`, and the truth of that account from START."""
    ids = _campaigns_of(emulator, account)
    got = {k: r for k, r in _by_key(run, "campaign_analytics").items() if k[0] in ids}
    truth = {k: r for k, r in truth_rows(emulator, "campaign_analytics", START, TODAY).items() if k[0] in ids}
    assert truth, "no analytics rows for the account: the test would prove nothing"
    return got, truth


@pytest.mark.parametrize("page", ["first", "later"])
def test_a_refused_campaigns_listing_keeps_that_accounts_state_and_the_next_sync_reads_every_missing_day(
    tmp_path: Path, page: str
) -> None:
    # 260 campaigns are two pages of 250: the refusal comes after page 1 was served (and emitted).
    campaigns = 260 if page == "later" else 5
    scenario = SCENARIOS["small"].with_options(campaigns_per_account=campaigns, ad_groups_per_campaign=(1, 1))
    streams = [*STREAMS, "campaign_analytics_report"]
    with _emulator_for_a_sync(scenario, streams) as (emulator, (other, refused), config, catalog):
        emulator.inject("403", path=f"/ad_accounts/{refused}/campaigns$", count=1000, later_pages=page == "later")

        first = run_cli(tmp_path, "read", config, catalog)

        assert first.returncode != 0
        statuses = first.statuses()
        assert {s: statuses[s] for s in streams} == dict.fromkeys(streams, "INCOMPLETE")
        final = first.errors[-1]
        assert final["failure_type"] == "config_error"
        for needed in (f"ad account {refused}", f"GET /v5/ad_accounts/{refused}/campaigns", "ads:read"):
            assert needed in final["message"], final["message"]
        for stream in ("campaign_analytics", "campaign_analytics_report"):
            cursors = _cursors(first, stream)
            # nothing of it was read: no entry, or one at start_date (a partition that failed before any window)
            assert cursors.get(refused, START.isoformat()) <= START.isoformat(), (stream, cursors)
            assert cursors[other] == TODAY.isoformat()  # the other account was read to the end
        got, truth = _analytics_of(emulator, first, other)
        assert_rows_equal("campaign_analytics", got, truth)
        assert not _analytics_of(emulator, first, refused)[0]
        assert int(_cursors(first, "campaigns", "updated_time").get(refused) or 0) == 0

        emulator.clear_faults()  # the role is granted
        second = run_cli(tmp_path, "read", config, catalog, state=first.final_states())

        assert second.returncode == 0 and not second.errors, second.errors
        assert set(second.statuses().values()) == {"COMPLETE"}
        got, truth = _analytics_of(emulator, second, refused)
        assert_rows_equal("campaign_analytics", got, truth)  # every day since START, not only the lookback
        read = {str(c["id"]) for c in second.records["campaigns"] if c["ad_account_id"] == refused}
        assert read == _campaigns_of(emulator, refused)
        report_days = {r["DATE"] for r in second.records["campaign_analytics_report"] if r["AD_ACCOUNT_ID"] == refused}
        assert min(report_days) < (TODAY - dt.timedelta(days=31)).isoformat()  # older than any lookback


def test_a_listing_refused_only_during_the_warm_up_leaves_no_mark(tmp_path: Path) -> None:
    with _emulator_for_a_sync() as (emulator, (_, account), config, catalog):
        emulator.inject("403", path=f"/ad_accounts/{account}/campaigns$", count=1)  # the warm-up asks first

        run = run_cli(tmp_path, "read", config, catalog)

        assert run.returncode == 0 and not run.errors, run.errors
        assert emulator.request_counts()["GET /ad_accounts/{ad_account_id}/campaigns"] > 2  # the refusal happened
        _assert_read_everything(emulator, run)


NOT_ANSWERS = ["200_error", "200_empty", "200_html", "200_wrong_shape"]


@pytest.mark.parametrize("kind", NOT_ANSWERS)
def test_a_200_that_is_not_an_answer_is_asked_again(tmp_path: Path, kind: str) -> None:
    with _emulator_for_a_sync() as (emulator, (_, account), config, catalog):
        emulator.inject(kind, path=f"/ad_accounts/{account}/campaigns/analytics$", count=1)
        emulator.inject(kind, path=f"/ad_accounts/{account}/campaigns$", count=1)

        run = run_cli(tmp_path, "read", config, catalog)

        assert run.returncode == 0 and not run.errors, run.errors
        logs = [m["log"]["message"] for m in run.messages if m["type"] == "LOG"]
        assert sum("Pinterest answered 200 with" in line for line in logs) >= 2, logs[-10:]
        _assert_read_everything(emulator, run)


@pytest.mark.parametrize("kind", ["200_error", "200_wrong_shape"])
def test_analytics_that_never_answer_fail_the_stream_and_keep_that_accounts_state(tmp_path: Path, kind: str) -> None:
    with _emulator_for_a_sync() as (emulator, (other, failing), config, catalog):
        emulator.inject(kind, path=f"/ad_accounts/{failing}/campaigns/analytics$", count=1000)

        run = run_cli(tmp_path, "read", config, catalog)

        assert run.returncode != 0
        assert run.statuses()["campaign_analytics"] == "INCOMPLETE"
        assert any(f"/v5/ad_accounts/{failing}/campaigns/analytics" in e["message"] for e in run.errors), run.errors
        cursors = _cursors(run, "campaign_analytics")
        # nothing of it was read: no entry, or one at start_date (a partition that failed before any window)
        assert cursors.get(failing, START.isoformat()) <= START.isoformat() and cursors[other] == TODAY.isoformat()
        got, truth = _analytics_of(emulator, run, other)
        assert_rows_equal("campaign_analytics", got, truth)
        assert not _analytics_of(emulator, run, failing)[0]


def test_a_listing_that_never_answers_fails_and_moves_no_state(tmp_path: Path) -> None:
    with _emulator_for_a_sync() as (emulator, (_, failing), config, catalog):
        emulator.inject("200_wrong_shape", path=f"/ad_accounts/{failing}/campaigns$", count=1000)

        run = run_cli(tmp_path, "read", config, catalog)

        assert run.returncode != 0
        statuses = run.statuses()
        assert "COMPLETE" not in {statuses[s] for s in STREAMS}, statuses
        assert any(f"/v5/ad_accounts/{failing}/campaigns" in e["message"] for e in run.errors), run.errors
        assert _cursors(run, "campaign_analytics").get(failing, START.isoformat()) <= START.isoformat()
        assert int(_cursors(run, "campaigns", "updated_time").get(failing) or 0) == 0
