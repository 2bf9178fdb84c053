"""Streams this read could not read in full (a missing scope, no role on an ad account, a beta Pinterest refused).

Components note each case as it happens; SourcePinterest.read turns the stream's COMPLETE status into INCOMPLETE and
ends the read with a config_error naming every such stream, why, and what to do, instead of a silent success.
One registry per process, which runs one read; `reset()` starts a new one (tests read many times in one process).
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_reasons: dict[str, str] = {}


def note(stream: str, reason: str) -> None:
    """`stream` missed data; `reason` says why and what to do (the first reason per stream is kept)."""
    with _lock:
        _reasons.setdefault(stream, reason)


def reasons() -> dict[str, str]:
    with _lock:
        return dict(_reasons)


def reset() -> None:
    with _lock:
        _reasons.clear()
