"""One `Sync` per check, discover and read: what that run decides, and nothing another run may see.

SourcePinterest makes a fresh one at the start of each; its component factory hands it to every custom component
it builds (`UsesSync`), so two reads in one process (the tests, PyAirbyte, an orchestrator) share no decision.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from source_pinterest.components.betas import BetaDecisions

if TYPE_CHECKING:
    from source_pinterest.components.readiness import ReadyStates


class Unreadable:
    """Streams this run could not read in full, and why (the first reason per stream is kept). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reasons: dict[str, str] = {}

    def note(self, stream: str, reason: str) -> None:
        with self._lock:
            self._reasons.setdefault(stream, reason)

    def reasons(self) -> dict[str, str]:
        with self._lock:
            return dict(self._reasons)

    def reset(self) -> None:
        with self._lock:
            self._reasons.clear()


class Sync:
    """The decisions of one run: per ad account BETA types, reporting_timezone and multi-pin (betas), the streams
    it could not read in full (unreadable), and Pinterest's readiness answers per API root. Thread-safe: the CDK's
    concurrent read uses it from every worker."""

    def __init__(self) -> None:
        self.betas = BetaDecisions()
        self.unreadable = Unreadable()
        self._ready: dict[str, Any] = {}  # API root -> readiness.ReadyStates
        self._ready_lock = threading.Lock()

    def ready_states(self, api_base_url: str) -> ReadyStates:
        """One readiness answer per day and API root for this run."""
        from source_pinterest.components.readiness import ReadyStates  # readiness's components use this module

        with self._ready_lock:
            return self._ready.setdefault(api_base_url, ReadyStates())


class UsesSync:
    """A custom component that reads or records the run's decisions. The component factory sets `sync` on it; one
    built by hand (a unit test) gets a Sync of its own, shared with nothing."""

    def __getattr__(self, name: str) -> Any:
        if name != "sync":
            raise AttributeError(name)
        self.__dict__["sync"] = made = Sync()
        return made
