"""Provisional-day flags: one request per day whoever asks, the last day of a period, refusals leave them null."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import requests

from source_pinterest.components.readiness import ProvisionalDays, last_covered_day
from source_pinterest.components.ready_states import UNKNOWN, ReadyStates

TODAY = dt.date(2026, 11, 22)


class FakeRequester:
    def __init__(self, status: int = 200, body: Any = None, error: Exception | None = None) -> None:
        self.calls: list[str] = []
        self.status, self.body, self.error = status, body, error
        self.lock = threading.Lock()

    def send_request(self, stream_slice: Any = None, request_params: Any = None, **_: Any) -> requests.Response:
        with self.lock:
            self.calls.append(request_params["date"])
        if self.error:
            raise self.error
        response = requests.Response()
        response.status_code = self.status
        response._content = requests.compat.json.dumps(
            self.body
            if self.body is not None
            else {"conversion_metrics_ready": False, "non_conversion_metrics_ready": True}
        ).encode()
        return response


def test_each_day_is_asked_once_however_many_threads_ask() -> None:
    states, requester = ReadyStates(), FakeRequester()
    answers: list[Any] = []
    threads = [
        threading.Thread(target=lambda d=day: answers.append(states.flags(d, requester)))  # type: ignore[misc]
        for day in ["2026-11-20", "2026-11-21"] * 8
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(requester.calls) == ["2026-11-20", "2026-11-21"]
    assert answers == [(False, True)] * 16


@pytest.mark.parametrize(
    "requester",
    [FakeRequester(status=403, body={"code": 3, "message": "no"}), FakeRequester(error=RuntimeError("refused"))],
)
def test_a_refusal_leaves_the_flags_unknown_with_one_warning(requester: FakeRequester, caplog) -> None:
    states = ReadyStates()
    assert states.flags("2026-11-20", requester) == UNKNOWN
    assert states.flags("2026-11-21", requester) == UNKNOWN
    warnings = [r.getMessage() for r in caplog.records if "are left null" in r.getMessage()]
    assert len(warnings) == 1 and "Fix:" in warnings[0]


@pytest.mark.parametrize(
    ("date", "granularity", "window_end", "expected"),
    [
        ("2026-11-10", "DAY", None, "2026-11-10"),
        ("2026-11-10T05:00:00", "HOUR", None, "2026-11-10"),
        ("2026-11-02", "WEEK", None, "2026-11-08"),
        ("2026-10-01", "MONTH", None, "2026-10-31"),
        ("2026-11-01", "MONTH", None, "2026-11-22"),  # the current month is not over: today decides
        ("2026-10-01", "TOTAL", "2026-10-20", "2026-10-20"),
    ],
)
def test_a_period_is_final_when_its_last_day_is(date: str, granularity: str, window_end: str, expected: str) -> None:
    assert last_covered_day(date, granularity, window_end, TODAY) == expected


def test_rows_get_flags_only_when_asked_for() -> None:
    requester = FakeRequester()
    off = ProvisionalDays(requester=requester, config={"api_base_url": "http://off/"}, parameters={})
    row: dict[str, Any] = {"DATE": "2026-11-20"}
    off.transform(row)
    assert row == {"DATE": "2026-11-20"} and not requester.calls
    on = ProvisionalDays(
        requester=requester, config={"api_base_url": "http://on/", "mark_provisional_days": True}, parameters={}
    )
    on.transform(row)
    assert row == {"DATE": "2026-11-20", "CONVERSION_METRICS_READY": False, "NON_CONVERSION_METRICS_READY": True}
