"""Live progress of a sync: per-stream counters, what feeds them, and the ticker that logs them every ~30 s.

A started stream waits for its parent listing (no request of its own yet: the CDK reads its parents first),
for the rate budget (a request of it is held by the api_budget right now), or for report jobs (created and polled
at Pinterest, or queued for one of the max_concurrent_reports slots).

Counted per stream: records emitted, HTTP requests sent (retries included), report jobs waiting for a slot /
running at Pinterest / done, and the seconds its requests waited for the rate budget of their category. Records
and stream statuses come from the read's messages (`observe`), report jobs from the runners (`report_job`,
`job_running`), requests and budget waits from the hooks of request_counting.py. The lines' texts are
progress_lines.py's.

The ticker thread sleeps on an Event, so `stop()` ends it at once; tests inject the clock and the interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from airbyte_cdk.models import AirbyteMessage, AirbyteStreamStatus, Type

from source_pinterest.components.progress_lines import overall_line, stream_line, summary_table

OUTCOMES = {AirbyteStreamStatus.COMPLETE: "succeeded", AirbyteStreamStatus.INCOMPLETE: "failed"}


@dataclass
class StreamProgress:
    started: float
    records: int = 0
    requests: int = 0
    jobs_waiting: int = 0
    jobs_running: int = 0
    jobs_done: int = 0
    waited: dict[str, float] = field(default_factory=dict)  # rate-limit category -> seconds
    held: dict[str, int] = field(default_factory=dict)  # rate-limit category -> requests the budget holds now
    held_since: float = 0.0  # when the oldest of those began waiting
    begun: bool = False  # its STARTED status was seen
    ended: float | None = None
    outcome: str = "running"


class SyncProgress:
    """Thread-safe counters of one sync, and the lines that report them."""

    def __init__(
        self,
        selected: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
        parents: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """`parents`: stream -> the streams it partitions by (their ancestors are found here)."""
        self.clock = clock
        self._lock = threading.Lock()
        self.streams: dict[str, StreamProgress] = {}
        self.selected = frozenset(selected)  # other names are parents listed for them (their requests count too)
        self.began = clock()
        self.parents = {name: frozenset(found) for name, found in (parents or {}).items()}
        self.ancestors = {name: _ancestors(name, self.parents) for name in self.parents}
        self.sending = threading.local()  # per thread: the stream whose request it is sending (`tracking`)

    def _stream(self, name: str) -> StreamProgress:  # under the lock
        if name not in self.streams:
            self.streams[name] = StreamProgress(started=self.clock())
        return self.streams[name]

    def started(self, name: str) -> None:
        with self._lock:
            s = self._stream(name)
            if not s.begun:  # a stream first seen through its parent's requests counts its time from here
                s.begun, s.started = True, self.clock()

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

    def holding(self, name: str, category_name: str, change: int) -> None:
        """The api_budget began (+1) or ended (-1) holding a request of `name`."""
        with self._lock:
            s = self._stream(name)
            if not any(s.held.values()):
                s.held_since = self.clock()
            s.held[category_name] = s.held.get(category_name, 0) + change

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
        """One line per selected stream started and not done."""
        with self._lock:
            now = self.clock()
            lines = []
            for name in sorted(self.selected):
                waiting_for = self._waiting_for(name, now)
                if self._state(name, waiting_for) in ("running", "waiting"):
                    s = self.streams.get(name) or StreamProgress(started=self.began)
                    lines.append(stream_line(name, s, now, waiting_for))
            return lines

    def overall(self) -> str:
        """Records and requests so far, and how many selected streams are done, running, waiting, not started."""
        with self._lock:
            now = self.clock()
            states = [self._state(name, self._waiting_for(name, now)) for name in self.selected]
            records = sum(s.records for s in self.streams.values())
            requests = sum(s.requests for s in self.streams.values())
            # Before any stream starts, the read lists the parents several streams share (source.py's warm-up).
            warming = [f"{n} {s.requests:,} requests" for n, s in sorted(self.streams.items()) if s.requests]
            if any(s.begun for s in self.streams.values()):
                warming = []
        return overall_line(records, requests, now - self.began, len(self.selected), states, warming)

    def _state(self, name: str, waiting_for: str) -> str:  # under the lock
        s = self.streams.get(name)
        if s is not None and s.ended is not None:
            return "done"
        if waiting_for:
            return "waiting"
        return "running" if s is not None and s.begun else "not started"

    def _waiting_for(self, name: str, now: float) -> str:  # under the lock
        """What the stream waits for right now, or "" (running, done, or not started with nothing to wait for)."""
        s = self.streams.get(name)
        if s is not None and s.ended is not None:
            return ""
        done = {n for n, other in self.streams.items() if other.ended is not None}
        reasons = []
        if s is not None:
            held = sorted(category_name for category_name, count in s.held.items() if count > 0)
            if held:
                reasons.append(f"the {' and '.join(held)} rate budget ({now - s.held_since:.0f} s so far)")
            if s.jobs_running:
                reasons.append(f"{s.jobs_running} report job(s) running at Pinterest (created, polled until ready)")
            if s.jobs_waiting:
                reasons.append(f"a report slot for {s.jobs_waiting} job(s) (max_concurrent_reports are running)")
        own_activity = s is not None and (s.requests or s.records or s.jobs_done)
        if s is not None and s.begun and not own_activity and not reasons and self.parents.get(name):
            # Its partitions come from its parents: the direct ones, and any ancestor being listed now.
            listing = set(self.parents[name]) | {
                a for a in self.ancestors[name] if a in self.streams and self.streams[a].requests and a not in done
            }
            counts = [f"{p} {self.streams[p].requests if p in self.streams else 0:,} requests" for p in sorted(listing)]
            reasons.append(f"its parent listing ({', '.join(counts)})")
        return "; ".join(reasons)

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
        return summary_table(rows)


def _ancestors(name: str, direct: Mapping[str, frozenset[str]]) -> frozenset[str]:
    found: set[str] = set()
    pending = list(direct.get(name, ()))
    while pending:
        parent = pending.pop()
        if parent not in found and parent != name:
            found.add(parent)
            pending.extend(direct.get(parent, ()))
    return frozenset(found)


class Ticker:
    """Calls `emit([progress.overall(), *progress.lines()])` every `interval` seconds on a daemon thread until
    `stop()`."""

    def __init__(self, progress: SyncProgress, emit: Callable[[list[str]], None], interval: float) -> None:
        self._progress, self._emit, self._interval = progress, emit, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync-progress", daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._emit([self._progress.overall(), *self._progress.lines()])

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


# ------------------------------------------------------------------------------------------------ hooks
def report_job(progress: SyncProgress | None, stream: str, change: str) -> None:
    """Report runners say what their jobs do (no-op outside a tracked read: `progress` None)."""
    if progress is not None and stream:
        progress.job(stream, change)


@contextmanager
def job_running(progress: SyncProgress | None, stream: str) -> Iterator[None]:
    """A report job holding its slot: running until the block ends (file downloaded, or given up)."""
    report_job(progress, stream, "started")
    try:
        yield
    finally:
        report_job(progress, stream, "done")
