"""Incremental state that never runs past unread data.

- `OwnPartitionCursors`: a partition without a state entry of its own (an ad account added to `account_ids`, newly
  shared, or created since the last sync) starts from `start_date`. The CDK would start it from the global cursor,
  the newest value over all other accounts (`ConcurrentPerPartitionCursor`), and never read its history.
- `FirstDayState`: a date cursor's state (analytics, reports) also remembers the first day it covers (`first_day`,
  beside `DATE`), so moving `start_date` earlier reads exactly the days between the new start and that day (the
  CDK backfills from the start to its first interval), and moving it later changes nothing already read. A state
  without `first_day` (written before it existed, by 2.x, or a fallback cursor) is taken to cover the configured
  start onward: nothing is backfilled for it, as before, rather than re-reading a whole history on upgrade; the
  next checkpoint records that start.
- `WindowEndState`: for date-windowed streams (ads analytics, reports) a window read completely moves the state to
  its end, rows or not, so empty and dormant accounts do not re-read (and re-create report jobs for) their whole
  range on every sync. Only closed windows count, so a failed window keeps the state before it. With
  `reporting_timezone: AD_ACCOUNT_TIME_ZONE` the state never passes the last day every zone has finished
  (windows.last_finished_day): with `lookback_window_days: 0` a day some zone has not finished is read again.
- `last_final`: the newest day a window-end state may name. Foreign (2.x) state: foreign_state.py; the factory
  that builds these converters: factory.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any

from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor, CursorField
from airbyte_cdk.sources.streams.concurrent.state_converters.datetime_stream_state_converter import (
    CustomFormatConcurrentStreamStateConverter,
)

from source_pinterest.components import cdk_internals, timezone, windows
from source_pinterest.components.fast_cursor import CachedDates
from source_pinterest.settings import Settings

WINDOW_END = "window_end"  # `$parameters.checkpoint` of a DatetimeBasedCursor that checkpoints its windows' ends
FIRST_DAY = "first_day"  # beside the DATE cursor: the first day the state covers


@dataclass
class OwnPartitionCursors(StateMigration):
    """Drops the global cursor from a per-partition state, so partitions without an entry start from the start."""

    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        # Only a state the CDK wrote (it always says `use_global_cursor`; with true, over 10,000 partitions, the
        # global cursor is the only state there is). ForeignAnalyticsState's fallback for 2.x states has no such
        # key and must survive: migrations run again on the migrated state.
        return stream_state.get("use_global_cursor") is False and "state" in stream_state

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        return {key: value for key, value in stream_state.items() if key != "state"}


class FirstDayState(CachedDates):
    """The state remembers the first day it covers (`first_day`), so an earlier `start_date` backfills the days
    before it. The converter of DATE cursors: the factory makes it in place of the CDK's, with the same arguments
    (always a sequential state), and caches dates as CachedDates does."""

    def start_at_first_day(self, cursor: ConcurrentCursor) -> None:
        """The CDK takes a sequential state to cover [start, cursor]; it covers [first_day, cursor]. With a start
        before the first day, ConcurrentCursor.stream_slices then reads [start, first_day) before resuming at the
        cursor. Called once the cursor is built: it converts the incoming state in its __init__."""
        concurrent = cdk_internals.converted_state(cursor)
        legacy, slices = concurrent.get("legacy"), concurrent.get("slices")
        first = self._recorded_first_day(cursor.cursor_field, legacy, cursor.start) if legacy and slices else None
        if first is not None:
            slices[0][self.START_KEY] = first

    def _recorded_first_day(
        self, cursor_field: CursorField, stream_state: Mapping[str, Any], sync_start: Any
    ) -> dt.datetime | None:
        """The recorded first day, when it and the cursor describe one covered interval reaching the sync's start
        (the later of the cursor and the configured start)."""
        first, cursor = stream_state.get(FIRST_DAY), stream_state.get(cursor_field.cursor_field_key)
        if not first or not cursor:
            return None
        try:
            first_day, cursor_day = self.parse_timestamp(first), self.parse_timestamp(cursor)
        except (ValueError, TypeError):
            return None  # unreadable: as a state without it
        if first_day > cursor_day or cursor_day < sync_start:
            return None  # a start moved past the cursor: the days between were never read
        return first_day

    def convert_to_state_message(
        self, cursor_field: CursorField, stream_state: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        message = super().convert_to_state_message(cursor_field, stream_state)
        slices = stream_state.get("slices")
        # A sequential state carries the cursor value (the other kind, `slices` and `state_type`, does not).
        if slices and cursor_field.cursor_field_key in message:
            # The first merged interval is the one the cursor ends (see WindowEndState): it starts at `first_day`.
            first = self.merge_intervals(slices)[0]
            message = {**message, FIRST_DAY: self.output_format(first[self.START_KEY])}
            message.update(self._cursor_of(cursor_field, first))
        return message

    def _cursor_of(self, cursor_field: CursorField, first: Mapping[str, Any]) -> dict[str, Any]:
        """The cursor value to write instead of the CDK's, from the first merged interval; none: the CDK's."""
        return {}


class WindowEndState(FirstDayState):
    """The state is the end of the windows read without a gap from the start, not the newest row's cursor value.

    The CDK adds a window to the state only when its partition closed (was read to the end), and merges adjacent
    windows; the first merged interval therefore ends where everything before is read. Its newest row can lie
    anywhere inside it, or nowhere when it had no rows. The lookback is applied from this end, as before. It is
    never past `last_final` (set by the factory for the account zone), the last day every zone has finished.
    """

    last_final: dt.datetime | None = None

    def _cursor_of(self, cursor_field: CursorField, first: Mapping[str, Any]) -> dict[str, Any]:
        # The CDK writes the first merged interval's newest row (or its start); this writes its end instead.
        end = min(first[self.END_KEY], self.last_final) if self.last_final is not None else first[self.END_KEY]
        return {cursor_field.cursor_field_key: self.output_format(end)}


def last_final(converter: CustomFormatConcurrentStreamStateConverter, settings: Settings) -> dt.datetime | None:
    """The newest day a window-end state may name: with the account zone, the last day every zone has finished."""
    if settings.reporting_timezone == timezone.DEFAULT:
        return None  # UTC: the state's day is today, read again by the next sync (the CDK resumes at it)
    day = windows.last_finished_day(settings.now)
    return converter.parse_timestamp(day.isoformat())
