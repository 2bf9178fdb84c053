"""Streams this read could not read in full (a missing scope, no role on an ad account, a beta Pinterest refused).

Components note each case as it happens; SourcePinterest.read turns the stream's COMPLETE status into INCOMPLETE and
ends the read with a config_error naming every such stream, why, and what to do, instead of a silent success.
One registry per process, which runs one read; `reset()` starts a new one (tests read many times in one process).

A router that reads parent listings for its partitions (the campaigns of each ad account, say) does so inside
`listening()`: a listing of one ad account that Pinterest refuses is then reported to it, by account, instead of
failing the whole listing of every account, so the router can leave that account out (its state stays where it
was) while the other accounts are read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_lock = threading.Lock()
_reasons: dict[str, str] = {}
# The refusals heard by the innermost `listening()` block of this thread: ad account -> why and what to do.
_listener: ContextVar[dict[str, str] | None] = ContextVar("refused_listings", default=None)


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


@contextmanager
def listening() -> Iterator[dict[str, str]]:
    """Within this block (which must not yield to other code: the listener belongs to the thread), refused
    listings of one ad account are collected into the dict it gives, {ad account: reason}, first reason kept."""
    heard: dict[str, str] = {}
    token = _listener.set(heard)
    try:
        yield heard
    finally:
        _listener.reset(token)


def refused_listing(account: str, reason: str) -> bool:
    """Report a refused listing of `account` to the listening router; False when none listens (the stream's own
    read), which then has to fail or skip the request itself."""
    heard = _listener.get()
    if heard is None:
        return False
    heard.setdefault(account, reason)
    return True
