"""Provisional days: whether Pinterest has closed the books on a row's day (`GET /resources/metrics_ready_state`).

With `mark_provisional_days`, ads analytics and report rows carry `CONVERSION_METRICS_READY` and
`NON_CONVERSION_METRICS_READY`: false while Pinterest may still revise that kind of metric for the day. Each day is
asked once per sync, whatever the number of rows, streams and threads (ready_states.py). A period
row (WEEK, MONTH, TOTAL) is final when its last day is. If Pinterest will not answer, the flags stay null (unknown)
and one warning says why; the rows themselves are never held back.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any

from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

from source_pinterest.components.ready_states import COLUMNS, FLAG_SCHEMA
from source_pinterest.components.uses_sync import UsesSync
from source_pinterest.facts import DATE_CURSOR

logger = logging.getLogger("airbyte")


def last_covered_day(row_date: str, granularity: str, window_end: str | None, today: dt.date) -> str:
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
        day = last_covered_day(str(record[DATE_CURSOR]), granularity, window_end, self.sync.settings.today)
        record[COLUMNS[0]], record[COLUMNS[1]] = self.sync.ready_states(self.config["api_base_url"]).flags(
            day, self.requester
        )


def schema_properties(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The flag columns, for the analytics and report schemas (none unless `mark_provisional_days`)."""
    return FLAG_SCHEMA if config.get("mark_provisional_days") else {}
