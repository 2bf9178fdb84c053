"""Pinterest's readiness answers (`GET /resources/metrics_ready_state`): whether it has closed the books on a day,
asked once per day and run (the run's Sync holds one `ReadyStates` per API root); readiness.py flags rows with them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.types import StreamSlice

logger = logging.getLogger("airbyte")

COLUMNS = ("CONVERSION_METRICS_READY", "NON_CONVERSION_METRICS_READY")
FLAG_SCHEMA: Mapping[str, Any] = {column: {"type": ["boolean", "null"]} for column in COLUMNS}
Flags = tuple[bool | None, bool | None]
UNKNOWN: Flags = (None, None)


class ReadyStates:
    """day -> flags, asked once per day; concurrent askers of the same day wait for the one request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._days: dict[str, Flags] = {}
        self._pending: dict[str, threading.Lock] = {}
        self.warned = False

    def flags(self, day: str, requester: Requester) -> Flags:
        with self._lock:
            if day in self._days:
                return self._days[day]
            day_lock = self._pending.setdefault(day, threading.Lock())
        with day_lock:
            with self._lock:
                if day in self._days:
                    return self._days[day]
            flags = self._ask(day, requester)
            with self._lock:
                self._days[day] = flags
                self._pending.pop(day, None)
            return flags

    def _ask(self, day: str, requester: Requester) -> Flags:
        try:
            response = requester.send_request(
                stream_slice=StreamSlice(partition={}, cursor_slice={}), request_params={"date": day}
            )
            body = response.json() if response is not None and response.ok else None
        except Exception as error:  # noqa: BLE001 - flags are an annotation: a failure must not fail the rows
            body, reason = None, str(error)
        else:
            reason = f"HTTP {response.status_code}" if response is not None else "no answer"
        if not isinstance(body, Mapping):
            self._warn(f"Pinterest did not say whether {day} is final ({reason[:300]})")
            return UNKNOWN
        return _bool(body.get("conversion_metrics_ready")), _bool(body.get("non_conversion_metrics_ready"))

    def _warn(self, why: str) -> None:
        with self._lock:
            if self.warned:
                return
            self.warned = True
        logger.warning(
            f"{why}: {', '.join(COLUMNS)} are left null where it does not answer. Fix: make sure the token has "
            "ads:read; the rows themselves are complete either way."
        )


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
