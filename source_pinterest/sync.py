"""One `Sync` per check, discover and read: what that run decided, and nothing another run may see.

SourcePinterest makes a fresh one at the start of each; its component factory hands it to every custom component
it builds (components/uses_sync.py), so two reads in one process (the tests, PyAirbyte, an orchestrator) share no
decision. Everything in it is thread-safe: the CDK's concurrent read uses it from every worker.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from source_pinterest.components.betas import BetaDecisions
from source_pinterest.components.deep_paging import CutBoards
from source_pinterest.components.reachability import Reachability
from source_pinterest.components.ready_states import ReadyStates
from source_pinterest.components.unreadable import Unreadable
from source_pinterest.components.verdict import Fatal
from source_pinterest.components.zone import Zone
from source_pinterest.settings import Settings

if TYPE_CHECKING:
    from source_pinterest.components.progress import SyncProgress


class Sync:
    """The decisions of one run.

    - `settings`: the config with every default applied, and the run's clock (`settings.now`);
    - `betas`: per ad account, the BETA targeting types, reporting_timezone and multi-pin answers; `zone` reads them;
    - `unreadable`: the streams it could not read in full, and why;
    - `cut_boards`: the boards whose pins Pinterest refused to page deeper (deep_paging.py);
    - `reachability`: since when each host has refused connections, and the budget for that;
    - `fatal`: the first failure every stream would meet (said once);
    - `report_slots`: the job budget every report stream shares;
    - `progress`: the read's counters (None outside a read);
    - readiness answers per API root (`ready_states`).
    """

    def __init__(self, config: Mapping[str, Any], now: dt.datetime | None = None) -> None:
        self.settings = Settings.from_config(config, now)
        self.betas = BetaDecisions()
        self.zone = Zone(self.settings, self.betas)
        self.unreadable = Unreadable()
        self.cut_boards = CutBoards()
        self.fatal = Fatal()
        self.reachability = Reachability(self.fatal)
        self.progress: SyncProgress | None = None
        self._lock = threading.Lock()
        self._slots: dict[int, threading.BoundedSemaphore] = {}
        self._ready: dict[str, ReadyStates] = {}

    def report_slots(self, limit: int) -> threading.BoundedSemaphore:
        """The run's report job budget: every stream and thread shares one semaphore per limit."""
        with self._lock:
            return self._slots.setdefault(limit, threading.BoundedSemaphore(limit))

    def ready_states(self, api_base_url: str) -> ReadyStates:
        """One readiness answer per day and API root for this run."""
        with self._lock:
            return self._ready.setdefault(api_base_url, ReadyStates())
