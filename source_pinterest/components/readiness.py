"""Provisional days: whether Pinterest has closed the books on a row's day (`GET /resources/metrics_ready_state`).

With `mark_provisional_days`, ads analytics and report rows carry `CONVERSION_METRICS_READY` and
`NON_CONVERSION_METRICS_READY`: false while Pinterest may still revise that kind of metric for the day. Each day is
asked once per sync, whatever the number of rows, streams and threads (one process-wide answer per day). A period
row (WEEK, MONTH, TOTAL) is final when its last day is. If Pinterest will not answer, the flags stay null (unknown)
and one warning says why; the rows themselves are never held back.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import threading
from collections.abc import Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any

from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

from source_pinterest.facts import DATE_CURSOR
from source_pinterest.settings import settings
from source_pinterest.sync import UsesSync

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


def last_day(row_date: str, granularity: str, window_end: str | None, today: dt.date) -> str:
    """The last day a row covers: its day, or the end of its week / month / TOTAL window (never after today)."""
    start = dt.date.fromisoformat(row_date[:10])
    if granularity == "WEEK":
        end = start + dt.timedelta(days=6)
    elif granularity == "MONTH":
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    elif granularity == "TOTAL" and window_end:
        end = dt.date.fromisoformat(window_end[:10])
    else:
        end = start
    return min(end, today).isoformat()


@dataclass
class ProvisionalDays(UsesSync, RecordTransformation):
    """Adds the two readiness flags of the row's (last) day when `mark_provisional_days` is on."""

    requester: Requester
    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.enabled = bool(self.config.get("mark_provisional_days"))
        self.granularity = str(self.config.get("granularity") or "DAY")

    def transform(
        self,
        record: MutableMapping[str, Any],
        config: Config | None = None,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> None:
        params = stream_slice.extra_fields.get("params", {}) if stream_slice is not None else {}
        self.flag(record, self.granularity, params.get("end_date"))

    def flag(self, record: MutableMapping[str, Any], granularity: str, window_end: str | None = None) -> None:
        """Set the flags on `record` (an analytics or report row of `granularity`)."""
        if not self.enabled or not record.get(DATE_CURSOR):
            return
        day = last_day(str(record[DATE_CURSOR]), granularity, window_end, settings(self.config).today)
        record[COLUMNS[0]], record[COLUMNS[1]] = self.sync.ready_states(self.config["api_base_url"]).flags(
            day, self.requester
        )


def schema_properties(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The flag columns, for the analytics and report schemas (none unless `mark_provisional_days`)."""
    return FLAG_SCHEMA if config.get("mark_provisional_days") else {}
