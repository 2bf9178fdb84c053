"""Live progress: counters, lines and the summary on an injected clock; the ticker stops; the hooks go away."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams.http.http_client import HttpClient

from source_pinterest.components import progress
from source_pinterest.components.progress import SyncProgress, Ticker, category, tracking
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
        "Progress campaign_analytics_report: 0 records, 0 requests, 31 s, report jobs 0 waiting / 1 running / 1 done",
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
    assert emitted[0] == ["Progress pins: 0 records, 0 requests, 0 s"]


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
        assert progress.current() is p and HttpClient._send is not original_send
        progress._local.stream = "ad_analytics"
        budget.acquire_call(Request())
    assert progress.current() is None and HttpClient._send is original_send and "acquire_call" not in vars(budget)
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
    assert progress.current() is None


def test_the_demo_shows_progress_lines_and_the_summary_only() -> None:
    def log(text: str) -> dict[str, Any]:
        return {"type": "LOG", "log": {"level": "INFO", "message": text}}

    assert progress.is_progress(log("Progress pins: 3 records, 1 requests, 30 s"))
    assert progress.is_progress(log("Sync summary:\nstream  records"))
    assert not progress.is_progress(log("Backing off 2 s"))
    assert not progress.is_progress({"type": "RECORD", "record": {"stream": "pins", "data": {}}})


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
