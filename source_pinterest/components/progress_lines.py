"""The texts of a sync's progress: the start line, the overall and per-stream lines, and the summary table.

SyncProgress (progress.py) counts and decides what each stream waits for; this module only words it. The
prefixes let the demo (scripts/demo.py) pick these lines out of the log (`is_progress`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

LINE_PREFIX = "Progress "
START_PREFIX = "Starting the sync: "
SUMMARY_TITLE = "Sync summary:"
NAMES_SHOWN = 6  # a start line names this many streams (accounts) before "and N more"
STATES = ("done", "running", "waiting", "not started")  # the overall line counts the selected streams in each


class StreamCounts(Protocol):
    """What a stream's line shows of its counters (progress.StreamProgress; no import back: progress imports this)."""

    started: float
    records: int
    requests: int
    jobs_waiting: int
    jobs_running: int
    jobs_done: int
    waited: dict[str, float]


def stream_line(name: str, s: StreamCounts, now: float, waiting_for: str = "") -> str:
    parts = [f"{s.records:,} records", f"{s.requests:,} requests", f"{now - s.started:.0f} s"]
    if s.jobs_waiting or s.jobs_running or s.jobs_done:
        parts.append(f"report jobs {s.jobs_waiting} waiting / {s.jobs_running} running / {s.jobs_done} done")
    for category_name, seconds in sorted(s.waited.items()):
        if seconds >= 0.05:
            parts.append(f"{seconds:.1f} s waiting for the {category_name} rate budget")
    if waiting_for:
        parts.append(f"waiting for {waiting_for}")
    return f"{LINE_PREFIX}{name}: " + ", ".join(parts)


def overall_line(
    records: int, requests: int, seconds: float, selected: int, states: Sequence[str], warming: Sequence[str]
) -> str:
    """`states`: the state of each selected stream; `warming`: the shared parents being listed before any stream."""
    counts = ", ".join(f"{states.count(state)} {state}" for state in STATES)
    line = (
        f"{LINE_PREFIX}overall: {records:,} records, {requests:,} requests, {seconds:.0f} s; "
        f"{selected} streams: {counts}"
    )
    return line + (f"; first listing the parents streams share ({', '.join(warming)})" if warming else "")


def summary_table(rows: Sequence[tuple[str, str, str, str, str]]) -> str:
    """`rows`: stream, records, requests, seconds, outcome (already formatted)."""
    header = ("stream", "records", "requests", "seconds", "outcome")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:{'<' if i in (0, 4) else '>'}{w}}}" for i, w in enumerate(widths))
    return "\n".join([SUMMARY_TITLE, *(fmt.format(*row).rstrip() for row in [header, *rows])])


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


def start_line_of(settings: Any, streams: Sequence[str], state: Sequence[Any] | None) -> str:
    """The start line of a read with these Settings (source_pinterest.settings), catalog streams and state."""
    return start_line(settings.account_ids, settings.start_date, settings.today, streams, bool(state))


def start_line(
    account_ids: Sequence[str], start: dt.date, today: dt.date, streams: Sequence[str], resumed: bool
) -> str:
    """What this read covers: the ad accounts, the days (UTC), and the selected streams."""
    accounts = (
        f"ad account{'s' if len(account_ids) > 1 else ''} {_names(list(account_ids))}"
        if account_ids
        else "all ad accounts the token sees (account_ids not set)"
    )
    days = f"{start.isoformat()} -> {today.isoformat()} (UTC"
    days += "; incremental streams resume from their state)" if resumed else ")"
    names = sorted(streams)
    return f"{START_PREFIX}{accounts}; days {days}; {len(names)} stream(s): {_names(names)}"


def is_progress(message: Mapping[str, Any]) -> bool:
    """Whether a serialised Airbyte message is one of these progress lines or the summary (for the demo)."""
    text = str((message.get("log") or {}).get("message", "")) if message.get("type") == "LOG" else ""
    return text.startswith((LINE_PREFIX, START_PREFIX, SUMMARY_TITLE))
