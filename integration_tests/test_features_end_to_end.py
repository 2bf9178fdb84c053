"""targeting_options, top pins, provisional-day flags and progress through the CLI against the emulator."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import pytest

from integration_tests.cli import Run, run_cli
from integration_tests.clock import TODAY
from integration_tests.resume import configured_catalog
from pinterest_emulator import Emulator
from pinterest_emulator.resources import is_top_level_interest, metrics_ready_state, top_pins
from source_pinterest.components.targeting_options import RESOURCES, reported_types

START = TODAY - dt.timedelta(days=3)


TOP_PINS_CONFIG = {
    "top_pins_sort_by": "SAVE",
    "top_pins_metric_types": ["SAVE", "IMPRESSION"],
    "top_video_pins_sort_by": "VIDEO_START",
}
STREAMS = [
    "ad_group_targeting_analytics",
    "targeting_options",
    "user_account_top_pins",
    "user_account_top_video_pins",
    "ad_account_analytics",
    "advertiser_report",
]


class Synced(NamedTuple):
    emulator: Emulator
    run: Run
    counts: dict[str, int]


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One sync of every stream these tests look at (a CLI run costs seconds): the emulator is only read."""
    with Emulator(scenario="small", today=TODAY) as emulator:
        config = emulator.connector_config(
            start_date=START.isoformat(), progress_interval_seconds=0.5, mark_provisional_days=True, **TOP_PINS_CONFIG
        )
        # One answer takes 2 s: that stream is still running at several of the 0.5 s progress ticks, however fast
        # or slow the machine is.
        emulator.inject("slow", path=r"/user_account/analytics/top_pins$", seconds=2)
        run = run_cli(tmp_path_factory.mktemp("features"), "read", config, configured_catalog(config, STREAMS))
        assert run.returncode == 0 and not run.errors, run.errors or run.stderr[-2000:]
        yield Synced(emulator, run, emulator.request_counts())


def test_targeting_options_name_every_value_the_targeting_rows_report(synced: Synced) -> None:
    emulator, run = synced.emulator, synced.run
    options = {(r["TARGETING_TYPE"], r["TARGETING_VALUE"]): r for r in run.records["targeting_options"]}
    assert len(options) == len(run.records["targeting_options"]), "one row per (type, value)"
    nameable = set(reported_types())
    joined = [r for r in run.records["ad_group_targeting_analytics"] if r["TARGETING_TYPE"] in nameable]
    assert {r["TARGETING_TYPE"] for r in joined} >= {"GEO", "APPTYPE", "TARGETED_INTEREST", "PINNER_INTEREST"}
    unnamed = {(r["TARGETING_TYPE"], r["TARGETING_VALUE"]) for r in joined} - set(options)
    assert not unnamed, f"targeting values without a name: {sorted(unnamed)[:5]}"
    assert options[("LOCATION", "811")]["NAME"] == "U.S.: Reno"
    audiences = [r for r in options.values() if r["TARGETING_TYPE"] == "AUDIENCE_INCLUDE"]
    accounts = {a["id"] for a in emulator.truth.entities("ad_accounts")}
    assert audiences and {r["AD_ACCOUNT_ID"] for r in audiences} == accounts

    # Only what the sync needs: one request per resource (audiences per account), and one per targeted interest
    # the interest list leaves out.
    counts = synced.counts
    resources = {RESOURCES[t] for t in nameable}
    assert counts["GET /resources/targeting/{targeting_type}"] == len(resources) - 1 + len(accounts)
    targeted = {i for g in emulator.truth.entities("ad_groups") for i in g["targeting_spec"].get("INTEREST") or []}
    children = {i for i in targeted if not is_top_level_interest(i)}
    assert children and counts["GET /resources/targeting/interests/{interest_id}"] == len(children)


def test_top_pins_follow_the_configured_metric_types_and_range(synced: Synced) -> None:
    run, world = synced.run, synced.emulator.world
    pins = top_pins(world, START, TODAY, "SAVE", ["SAVE", "IMPRESSION"], 50, video=False)["pins"]
    videos = top_pins(world, START, TODAY, "VIDEO_START", [], 50, video=True)["pins"]
    request = {"start_date": START.isoformat(), "end_date": TODAY.isoformat()}
    assert run.records["user_account_top_pins"] == [{**p, **request, "sort_by": "SAVE"} for p in pins]
    assert [r["pin_id"] for r in run.records["user_account_top_video_pins"]] == [p["pin_id"] for p in videos]
    assert all(
        set(r["metrics"]) >= {"VIDEO_START", "VIDEO_MRC_VIEW"} for r in run.records["user_account_top_video_pins"]
    )
    assert len(pins) == 50 and videos, "the scenario must rank more pins than the API returns"
    counts = synced.counts
    assert counts["GET /user_account/analytics/top_pins"] == counts["GET /user_account/analytics/top_video_pins"] == 1


def test_progress_lines_during_the_sync_and_one_summary_row_per_stream(synced: Synced) -> None:
    logs = [m["log"]["message"] for m in synced.run.messages if m["type"] == "LOG"]
    progressing = {line.split(":")[0].removeprefix("Progress ") for line in logs if line.startswith("Progress ")}
    assert "user_account_top_pins" in progressing, "a stream running for 2 s logs progress every 0.5 s here"
    (summary,) = [line for line in logs if line.startswith("Sync summary:")]
    rows = {line.split()[0]: line.split() for line in summary.splitlines()[2:]}
    for stream in STREAMS:
        records, requests, _seconds, outcome = rows[stream][1:]
        assert int(records.replace(",", "")) == len(synced.run.records[stream]) and outcome == "succeeded"
        assert int(requests.replace(",", "")) >= 1
    sent = sum(int(row[2].replace(",", "")) for row in rows.values())
    # Every request the API saw, counted once (the OAuth refresh is the authenticator's, not a stream's).
    assert sent == sum(n for endpoint, n in synced.counts.items() if endpoint != "POST /oauth/token")


def test_ads_analytics_and_report_rows_say_whether_their_day_is_final(synced: Synced) -> None:
    days: set[str] = set()
    for stream in ("ad_account_analytics", "advertiser_report", "ad_group_targeting_analytics"):
        rows = synced.run.records[stream]
        assert rows, stream
        for row in rows:
            ready = metrics_ready_state(synced.emulator.world, dt.date.fromisoformat(row["DATE"]))
            assert row["CONVERSION_METRICS_READY"] == ready["conversion_metrics_ready"], (stream, row["DATE"])
            assert row["NON_CONVERSION_METRICS_READY"] == ready["non_conversion_metrics_ready"], (stream, row["DATE"])
            days.add(row["DATE"])
    assert {r["NON_CONVERSION_METRICS_READY"] for r in synced.run.records["ad_account_analytics"]} == {True, False}
    # Once per day and sync, however many rows, streams and threads ask.
    assert synced.counts["GET /resources/metrics_ready_state"] == len(days)
