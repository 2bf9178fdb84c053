"""Live progress: counters, lines and the summary on an injected clock; the ticker stops; the hooks go away."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams.http.http_client import HttpClient

from source_pinterest.components import progress_lines
from source_pinterest.components.progress import SyncProgress, Ticker
from source_pinterest.components.rate_categories import category
from source_pinterest.components.request_counting import tracking
from unit_tests.conftest import API, oauth_config, read_streams


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_lines_name_records_requests_jobs_and_budget_waits_of_active_streams() -> None:
    clock = Clock()
    p = SyncProgress(selected=["ad_analytics", "campaign_analytics_report"], clock=clock)
    p.started("ad_analytics")
    for _ in range(3):
        p.record("ad_analytics")
    p.request("ad_analytics")
    p.request("ads")  # a parent listed for ad_analytics
    p.waited("ad_analytics", "ads_analytics", 12.5)
    for change in ("queued", "queued", "started", "started", "done"):
        p.job("campaign_analytics_report", change)
    clock.now += 31

    assert p.lines() == [
        "Progress ad_analytics: 3 records, 1 requests, 31 s, 12.5 s waiting for the ads_analytics rate budget",
        "Progress campaign_analytics_report: 0 records, 0 requests, 31 s, report jobs 0 waiting / 1 running / 1 done, "
        "waiting for 1 report job(s) running at Pinterest (created, polled until ready)",
    ]
    p.finished("ad_analytics", "succeeded")
    clock.now += 9
    p.finished("campaign_analytics_report", "failed")
    assert p.lines() == []
    assert p.summary().splitlines() == [
        "Sync summary:",
        "stream                     records  requests  seconds  outcome",
        "ad_analytics                     3         1     31.0  succeeded",
        "ads                              0         1     40.0  for other streams",
        "campaign_analytics_report        0         0     40.0  failed",
    ]


def test_ticker_emits_every_interval_and_leaves_no_thread() -> None:
    p = SyncProgress(selected=["pins"])
    p.started("pins")
    emitted: list[list[str]] = []
    twice = threading.Event()

    def emit(lines: list[str]) -> None:
        emitted.append(lines)
        if len(emitted) >= 2:
            twice.set()

    ticker = Ticker(p, emit, interval=0.01).start()
    assert twice.wait(timeout=10)
    ticker.stop()
    assert not ticker.alive
    assert emitted[0][1:] == ["Progress pins: 0 records, 0 requests, 0 s"]
    assert emitted[0][0].startswith("Progress overall: 0 records, 0 requests, ")


def test_budget_waits_are_measured_on_the_progress_clock_and_hooks_are_removed() -> None:
    clock = Clock()
    p = SyncProgress(selected=["ad_analytics"], clock=clock)

    class Budget:
        def acquire_call(self, request: Any, block: bool = True, timeout: float | None = None) -> None:
            clock.now += 4.0  # the budget made the caller wait

    class Request:
        path_url = "/v5/ad_accounts/1/ads/analytics?ad_ids=1"

    budget, original_send = Budget(), HttpClient._send
    with tracking(p, budget):
        assert HttpClient._send is not original_send
        p.sending.stream = "ad_analytics"
        budget.acquire_call(Request())
    assert HttpClient._send is original_send and "acquire_call" not in vars(budget)
    assert p.streams["ad_analytics"].waited == {"ads_analytics": 4.0}


def test_categories_follow_the_api_budget() -> None:
    assert category("/v5/ad_accounts/1/campaigns/targeting_analytics") == "ads_analytics"
    assert category("/v5/resources/metrics_ready_state") == "ads_analytics"
    assert category("/v5/user_account/analytics/top_pins") == "org_analytics"
    assert category("/v5/pins/analytics") == "org_analytics"
    assert category("/v5/resources/targeting/LOCATION") == "ads_read"
    assert category("/v5/catalogs/feeds") == "catalogs_read"
    assert category("/v5/boards/1/pins") == "org_read"


def test_a_read_ends_with_the_summary_table(requests_mock) -> None:
    requests_mock.get(API + "user_account/analytics/top_pins", json={"pins": [{"pin_id": "7", "metrics": {}}]})
    output = read_streams(oauth_config(), ["user_account_top_pins"], mode=SyncMode.full_refresh)
    summary = [m.log.message for m in output.logs if m.log.message.startswith("Sync summary:")]
    assert len(summary) == 1
    row = summary[0].splitlines()[2].split()
    assert row[:3] == ["user_account_top_pins", "1", "1"] and row[-1] == "succeeded"


def test_the_demo_shows_progress_lines_and_the_summary_only() -> None:
    def log(text: str) -> dict[str, Any]:
        return {"type": "LOG", "log": {"level": "INFO", "message": text}}

    assert progress_lines.is_progress(log("Progress pins: 3 records, 1 requests, 30 s"))
    assert progress_lines.is_progress(log("Sync summary:\nstream  records"))
    assert not progress_lines.is_progress(log("Backing off 2 s"))
    assert not progress_lines.is_progress({"type": "RECORD", "record": {"stream": "pins", "data": {}}})


def test_requests_are_counted_per_stream_unless_served_from_the_cache(monkeypatch) -> None:
    class Response:
        def __init__(self, from_cache: bool) -> None:
            self.from_cache = from_cache

    def fake_send(client: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request == "broken":
            raise ConnectionError("dropped")
        return Response(from_cache=request == "cached")

    class Client:
        name = "campaigns"

    monkeypatch.setattr(HttpClient, "_send", fake_send)
    p = SyncProgress(selected=["campaigns"])
    with tracking(p):
        for request in ("sent", "cached", "sent"):
            HttpClient._send(Client(), request)  # type: ignore[arg-type]
        with pytest.raises(ConnectionError):
            HttpClient._send(Client(), "broken")  # type: ignore[arg-type]
    assert p.streams["campaigns"].requests == 3
    assert HttpClient._send is fake_send


def test_the_start_line_names_accounts_days_and_streams() -> None:
    many = [f"stream_{i:02}" for i in range(10)]
    line = progress_lines.start_line(["111", "222"], dt.date(2026, 10, 23), dt.date(2026, 11, 22), many, resumed=False)
    assert line == (
        "Starting the sync: ad accounts 111, 222; days 2026-10-23 -> 2026-11-22 (UTC); 10 stream(s): "
        "stream_00, stream_01, stream_02, stream_03, stream_04, stream_05 and 4 more"
    )
    line = progress_lines.start_line([], dt.date(2026, 11, 1), dt.date(2026, 11, 22), ["pins"], resumed=True)
    assert line == (
        "Starting the sync: all ad accounts the token sees (account_ids not set); days 2026-11-01 -> 2026-11-22 "
        "(UTC; incremental streams resume from their state); 1 stream(s): pins"
    )


def test_the_overall_line_counts_streams_and_each_waiting_stream_says_what_for() -> None:
    clock = Clock()
    selected = ["ad_accounts", "board_pins", "keywords", "campaign_analytics_report", "pin_analytics", "pins"]
    parents = {"board_pins": ["boards"], "keywords": ["ad_groups"], "ad_groups": ["ad_accounts"], "pins": []}
    p = SyncProgress(selected=selected, clock=clock, parents=parents)
    p.request("ad_accounts")  # the parents several streams share are listed before any stream starts
    assert p.overall() == (
        "Progress overall: 0 records, 1 requests, 0 s; 6 streams: 0 done, 0 running, 0 waiting, 6 not started; "
        "first listing the parents streams share (ad_accounts 1 requests)"
    )
    p.started("ad_accounts")
    p.record("ad_accounts")
    p.finished("ad_accounts", "succeeded")
    p.started("board_pins")
    for _ in range(3):
        p.request("boards")  # the parent listing, counted under its own name
    p.started("campaign_analytics_report")
    p.job("campaign_analytics_report", "queued")
    p.started("pin_analytics")
    p.request("pin_analytics")
    p.holding("pin_analytics", "org_analytics", +1)  # the api_budget holds one of its requests from now
    clock.now += 112
    p.started("pins")
    p.request("pins")

    assert p.overall() == (
        "Progress overall: 1 records, 6 requests, 112 s; 6 streams: 1 done, 1 running, 3 waiting, 1 not started"
    )
    assert p.lines() == [
        "Progress board_pins: 0 records, 0 requests, 112 s, waiting for its parent listing (boards 3 requests)",
        "Progress campaign_analytics_report: 0 records, 0 requests, 112 s, report jobs 1 waiting / 0 running / "
        "0 done, waiting for a report slot for 1 job(s) (max_concurrent_reports are running)",
        "Progress pin_analytics: 0 records, 1 requests, 112 s, waiting for the org_analytics rate budget "
        "(112 s so far)",
        "Progress pins: 0 records, 1 requests, 0 s",
    ]  # keywords has not started (the CDK starts a few streams at a time): only counted

    p.holding("pin_analytics", "org_analytics", -1)
    p.job("campaign_analytics_report", "started")
    clock.now += 30
    p.started("keywords")
    p.request("ad_accounts")  # ...then lists its parent ad_groups, which lists ad_accounts
    lines = p.lines()
    assert lines[1:4] == [
        "Progress campaign_analytics_report: 0 records, 0 requests, 142 s, report jobs 0 waiting / 1 running / "
        "0 done, waiting for 1 report job(s) running at Pinterest (created, polled until ready)",
        "Progress keywords: 0 records, 0 requests, 0 s, waiting for its parent listing (ad_groups 0 requests)",
        "Progress pin_analytics: 0 records, 1 requests, 142 s",  # the budget let it go
    ]
    assert p.overall().endswith("6 streams: 1 done, 2 running, 3 waiting, 0 not started")


def test_a_request_held_by_the_budget_shows_as_waiting_while_it_is_held() -> None:
    clock = Clock()
    p = SyncProgress(selected=["ad_analytics"], clock=clock, parents={"ad_analytics": ["ads"]})
    seen: list[list[str]] = []

    class Budget:
        def acquire_call(self, request: Any, block: bool = True, timeout: float | None = None) -> None:
            clock.now += 40.0
            seen.append(p.lines())  # what a progress tick during the wait shows

    class Request:
        path_url = "/v5/ad_accounts/1/ads/analytics?ad_ids=1"

    budget = Budget()
    with tracking(p, budget):
        p.started("ad_analytics")
        p.sending.stream = "ad_analytics"
        budget.acquire_call(Request())
    assert seen == [
        ["Progress ad_analytics: 0 records, 0 requests, 40 s, waiting for the ads_analytics rate budget (40 s so far)"]
    ]
    assert p.lines() == [
        "Progress ad_analytics: 0 records, 0 requests, 40 s, 40.0 s waiting for the ads_analytics rate budget, "
        "waiting for its parent listing (ads 0 requests)"
    ]


def test_a_read_starts_with_the_start_line(requests_mock) -> None:
    requests_mock.get(API + "user_account/analytics/top_pins", json={"pins": [{"pin_id": "7", "metrics": {}}]})
    config = oauth_config(account_ids=["549755885175"], start_date="2026-11-01")
    output = read_streams(config, ["user_account_top_pins"], mode=SyncMode.full_refresh)
    started = [m.log.message for m in output.logs if m.log.message.startswith("Starting the sync: ")]
    assert len(started) == 1
    assert started[0].startswith("Starting the sync: ad account 549755885175; days 2026-11-01 -> ")
    assert started[0].endswith("; 1 stream(s): user_account_top_pins")
