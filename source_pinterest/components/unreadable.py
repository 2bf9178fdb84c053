"""Streams a read could not read in full (a missing scope, no role on an ad account, a beta Pinterest refused).

Components note each case as it happens (`sync.unreadable.note`); SourcePinterest.read turns the stream's COMPLETE
status into INCOMPLETE and ends the read with a config_error naming every such stream, why, and what to do,
instead of a silent success. One `Unreadable` per run, held by its Sync.

A router that reads parent listings for its partitions (the campaigns of each ad account, say) does so inside
`listening()`: a listing of one ad account that Pinterest refuses is then reported to it, by account, instead of
failing the whole listing of every account, so the router can leave that account out (its state stays where it
was) while the other accounts are read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Unreadable:
    """The streams of one run that missed data, and why (the first reason per stream is kept). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reasons: dict[str, str] = {}
        # Per thread: the refusals heard by its innermost `listening()` block, ad account -> why and what to do.
        self._listeners = threading.local()

    def note(self, stream: str, reason: str) -> None:
        """`stream` missed data; `reason` says why and what to do."""
        with self._lock:
            self._reasons.setdefault(stream, reason)

    def reasons(self) -> dict[str, str]:
        with self._lock:
            return dict(self._reasons)

    def reset(self) -> None:
        with self._lock:
            self._reasons.clear()

    @contextmanager
    def listening(self) -> Iterator[dict[str, str]]:
        """Within this block (which must not yield to other code: the listener belongs to the thread), refused
        listings of one ad account are collected into the dict it gives, {ad account: reason}, first reason kept."""
        heard: dict[str, str] = {}
        outer = getattr(self._listeners, "heard", None)
        self._listeners.heard = heard
        try:
            yield heard
        finally:
            self._listeners.heard = outer

    def refused_listing(self, account: str, reason: str) -> bool:
        """Report a refused listing of `account` to this thread's listening router; False when none listens (the
        stream's own read), which then has to fail or skip the request itself."""
        heard = getattr(self._listeners, "heard", None)
        if heard is None:
            return False
        heard.setdefault(account, reason)
        return True
