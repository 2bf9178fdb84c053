"""Live progress of a sync: every ~30 s one log line per active stream, and a summary table at the end.

Counted per stream: records emitted, HTTP requests sent (retries included), report jobs waiting for a slot /
running at Pinterest / done, and the seconds its requests waited for the rate budget of their category. Requests
are counted where the CDK's HTTP client sends them (`HttpClient._send`, which knows the stream's name), budget waits
where the shared `api_budget` hands out calls; both hooks exist only while a read runs (`tracking`).

The ticker thread sleeps on an Event, so `stop()` ends it at once; tests inject the clock and the interval.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from airbyte_cdk.models import AirbyteMessage, AirbyteStreamStatus, Type
from airbyte_cdk.sources.streams.http.http_client import HttpClient

LINE_PREFIX = "Progress "
SUMMARY_TITLE = "Sync summary:"
OUTCOMES = {AirbyteStreamStatus.COMPLETE: "succeeded", AirbyteStreamStatus.INCOMPLETE: "failed"}
# Labels only (pacing itself is the manifest's api_budget): the rate-limit category of a request path, first match.
CATEGORIES = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("org_analytics", r"/(pins|user_account)(/[^/]+)?/analytics(/[^/]+)?$"),
        ("ads_analytics", r"/(analytics|targeting_analytics|reports|metrics_ready_state)$"),
        ("catalogs_read", r"/catalogs(/|$)"),
        ("ads_read", r"/(ad_accounts|resources)(/|$)"),
        ("org_read", r"."),
    )
)


def category(path: str) -> str:
    return next(name for name, pattern in CATEGORIES if pattern.search(path))


@dataclass
class StreamProgress:
    started: float
    records: int = 0
    requests: int = 0
    jobs_waiting: int = 0
    jobs_running: int = 0
    jobs_done: int = 0
    waited: dict[str, float] = field(default_factory=dict)  # rate-limit category -> seconds
    ended: float | None = None
    outcome: str = "running"


class SyncProgress:
    """Thread-safe counters of one sync, and the lines that report them."""

    def __init__(self, selected: Iterable[str] = (), clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.streams: dict[str, StreamProgress] = {}
        self.selected = frozenset(selected)  # other names are parents listed for them (their requests count too)

    def _stream(self, name: str) -> StreamProgress:  # under the lock
        if name not in self.streams:
            self.streams[name] = StreamProgress(started=self.clock())
        return self.streams[name]

    def started(self, name: str) -> None:
        with self._lock:
            self._stream(name)

    def record(self, name: str) -> None:
        with self._lock:
            self._stream(name).records += 1

    def request(self, name: str) -> None:
        with self._lock:
            self._stream(name).requests += 1

    def waited(self, name: str, category_name: str, seconds: float) -> None:
        with self._lock:
            waits = self._stream(name).waited
            waits[category_name] = waits.get(category_name, 0.0) + seconds

    def job(self, name: str, change: str) -> None:
        """`change`: "queued" (waiting for a report slot), "started" (created at Pinterest) or "done"."""
        with self._lock:
            s = self._stream(name)
            if change == "queued":
                s.jobs_waiting += 1
            elif change == "started":
                s.jobs_waiting, s.jobs_running = s.jobs_waiting - 1, s.jobs_running + 1
            else:
                s.jobs_running, s.jobs_done = s.jobs_running - 1, s.jobs_done + 1

    def finished(self, name: str, outcome: str) -> None:
        with self._lock:
            s = self._stream(name)
            if s.ended is None:
                s.ended, s.outcome = self.clock(), outcome

    def lines(self) -> list[str]:
        """One line per stream still running."""
        with self._lock:
            now = self.clock()
            return [
                _line(name, s, now)
                for name, s in sorted(self.streams.items())
                if s.ended is None and name in self.selected
            ]

    def summary(self) -> str:
        with self._lock:
            now = self.clock()
            rows = [
                (
                    name,
                    f"{s.records:,}",
                    f"{s.requests:,}",
                    f"{(s.ended or now) - s.started:.1f}",
                    s.outcome if name in self.selected else "for other streams",
                )
                for name, s in sorted(self.streams.items())
            ]
        header = ("stream", "records", "requests", "seconds", "outcome")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        fmt = "  ".join(f"{{:{'<' if i in (0, 4) else '>'}{w}}}" for i, w in enumerate(widths))
        return "\n".join([SUMMARY_TITLE, *(fmt.format(*row).rstrip() for row in [header, *rows])])


def _line(name: str, s: StreamProgress, now: float) -> str:
    parts = [f"{s.records:,} records", f"{s.requests:,} requests", f"{now - s.started:.0f} s"]
    if s.jobs_waiting or s.jobs_running or s.jobs_done:
        parts.append(f"report jobs {s.jobs_waiting} waiting / {s.jobs_running} running / {s.jobs_done} done")
    for category_name, seconds in sorted(s.waited.items()):
        if seconds >= 0.05:
            parts.append(f"{seconds:.1f} s waiting for the {category_name} rate budget")
    return f"{LINE_PREFIX}{name}: " + ", ".join(parts)


class Ticker:
    """Calls `emit(progress.lines())` every `interval` seconds on a daemon thread until `stop()`."""

    def __init__(self, progress: SyncProgress, emit: Callable[[list[str]], None], interval: float) -> None:
        self._progress, self._emit, self._interval = progress, emit, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync-progress", daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            lines = self._progress.lines()
            if lines:
                self._emit(lines)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


def observe(progress: SyncProgress, message: AirbyteMessage) -> None:
    """Count a record, or note a stream's start and end from its status trace."""
    if message.type == Type.RECORD and message.record is not None:
        progress.record(message.record.stream)
    elif message.type == Type.TRACE and message.trace is not None and message.trace.stream_status is not None:
        status = message.trace.stream_status
        name = status.stream_descriptor.name
        if status.status == AirbyteStreamStatus.STARTED:
            progress.started(name)
        elif status.status in OUTCOMES:
            progress.finished(name, OUTCOMES[status.status])


def is_progress(message: Mapping[str, Any]) -> bool:
    """Whether a serialised Airbyte message is one of these progress lines or the summary (for the demo)."""
    text = str((message.get("log") or {}).get("message", "")) if message.get("type") == "LOG" else ""
    return text.startswith((LINE_PREFIX, SUMMARY_TITLE))


# ------------------------------------------------------------------------------------------------ hooks
_current: SyncProgress | None = None
_local = threading.local()  # the stream whose request this thread is sending


def current() -> SyncProgress | None:
    return _current


def report_job(stream: str, change: str) -> None:
    """Report runners say what their jobs do (no-op outside a tracked read)."""
    if _current is not None and stream:
        _current.job(stream, change)


@contextmanager
def job_running(stream: str) -> Iterator[None]:
    """A report job holding its slot: running until the block ends (file downloaded, or given up)."""
    report_job(stream, "started")
    try:
        yield
    finally:
        report_job(stream, "done")


@contextmanager
def tracking(progress: SyncProgress, budget: Any = None) -> Iterator[SyncProgress]:
    """Count requests (and budget waits, when `budget` is the source's api_budget) into `progress` meanwhile."""
    global _current
    original_send = HttpClient._send
    original_acquire = getattr(budget, "acquire_call", None)

    def send(client: HttpClient, request: Any, *args: Any, **kwargs: Any) -> Any:
        _local.stream = client.name
        try:
            response = original_send(client, request, *args, **kwargs)
        except BaseException:  # an attempt that failed (retried or not) was still sent
            progress.request(client.name)
            raise
        if not getattr(response, "from_cache", False):  # cached parent listings never reach Pinterest
            progress.request(client.name)
        return response

    def acquire_call(request: Any, *args: Any, **kwargs: Any) -> Any:
        began = progress.clock()
        try:
            return original_acquire(request, *args, **kwargs)  # type: ignore[misc]
        finally:
            waited = progress.clock() - began
            stream = getattr(_local, "stream", "")
            if stream and waited > 0.001:
                progress.waited(stream, category(str(getattr(request, "path_url", "")).split("?")[0]), waited)

    _current = progress
    HttpClient._send = send  # type: ignore[method-assign]
    if original_acquire is not None:
        budget.acquire_call = acquire_call
    try:
        yield progress
    finally:
        HttpClient._send = original_send  # type: ignore[method-assign]
        if original_acquire is not None:
            del budget.acquire_call  # the class's method again
        _current = None
