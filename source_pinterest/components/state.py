"""Incremental state that never runs past unread data, and continuing from other Pinterest connectors' state.

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
- `ForeignAnalyticsState`: state of Airbyte's source-pinterest 1.x/2.x, folded into ours instead of failing.
- `PinterestComponentFactory`: the CDK's factory, checkpointing `WindowEndState` cursors; it also gives a stream
  that names its `level` its primary key, and a router nested in a custom component its stream's name.

Ads analytics, report and entity streams keep one state entry per ad account: `{"states": [{"partition":
{"ad_account_id": ...}, "cursor": {"DATE": ...}}]}` (entities: `{"updated_time": ...}`). 2.x keyed report,
account-level and entity-stream entries by the account (`{"id": <ad account>, "parent_slice": {}}`), entity
analytics by entity (`{"id": <campaign>, "parent_slice": {"id": <ad account>, ...}}`); older versions kept one flat
`{"DATE": ...}`, and the CDK writes one global `{"use_global_cursor": true, "state": {...}}` once a stream has more
than 10,000 partitions (2.x's per-entity analytics of a big account). Each is folded into ours:

- one entry per account resumes from its cursor;
- several entries per account (one per entity) resume from the earliest of them, but for dates never from before
  the newest minus `lookback_window_days`. An entity's 2.x cursor is the last day it had rows, so an ad that stopped
  delivering years ago would otherwise drag its whole account back to that day; entities within the lookback of
  the newest are all re-read from their own cursor, as the minimum would;
- a flat or global cursor names no account: it becomes the fallback every account without an entry starts from
  (what 2.x did for all of them), and from then on each account keeps its own entry. Left global, the CDK would
  stay in global mode for good, where a new account starts at the others' cursor and empty windows never advance;
- beside entries that name accounts, a global cursor is only the newest of them: it is dropped, so an account
  without an entry starts from `start_date`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from dataclasses import InitVar, dataclass, field
from typing import Any

from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.models import declarative_component_schema as models
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor, CursorField
from airbyte_cdk.sources.streams.concurrent.state_converters.datetime_stream_state_converter import (
    CustomFormatConcurrentStreamStateConverter,
)
from airbyte_cdk.sources.types import Config

from source_pinterest.components import fast_cursor, timezone, windows
from source_pinterest.components.reports import catalogue
from source_pinterest.components.reports.catalogue import TARGETING_COLUMNS
from source_pinterest.components.uses_sync import UsesSync, hand_over
from source_pinterest.facts import CUSTOM_REPORT_DEFAULTS, DATE_CURSOR, LEVELS
from source_pinterest.settings import Settings
from source_pinterest.sync import Sync

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


class FirstDayState(CustomFormatConcurrentStreamStateConverter):
    """The state remembers the first day it covers (`first_day`), so an earlier `start_date` backfills the days
    before it. Set as the `__class__` of a converter the CDK built (DATE cursors only)."""

    def start_at_first_day(self, cursor: ConcurrentCursor) -> None:
        """The CDK takes a sequential state to cover [start, cursor]; it covers [first_day, cursor]. With a start
        before the first day, ConcurrentCursor.stream_slices then reads [start, first_day) before resuming at the
        cursor. Called once the converter has this class: the CDK converts the state while building the cursor."""
        concurrent = cursor._concurrent_state  # private: the one place the converted state lives
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
        if self._is_sequential_state and slices and cursor_field.cursor_field_key in message:
            # The first merged interval is the one the cursor ends (see WindowEndState): it starts at `first_day`.
            message = {**message, FIRST_DAY: self.output_format(self.merge_intervals(slices)[0][self.START_KEY])}
        return message


class WindowEndState(FirstDayState):
    """The state is the end of the windows read without a gap from the start, not the newest row's cursor value.

    The CDK adds a window to the state only when its partition closed (was read to the end), and merges adjacent
    windows; the first merged interval therefore ends where everything before is read. Its newest row can lie
    anywhere inside it, or nowhere when it had no rows. The lookback is applied from this end, as before. It is
    never past `last_final` (set by the factory for the account zone), the last day every zone has finished.
    """

    last_final: dt.datetime | None = None

    def _get_latest_complete_time(self, slices: list[MutableMapping[str, Any]]) -> Any:
        if not slices:
            return super()._get_latest_complete_time(slices)
        end = self.merge_intervals(slices)[0][self.END_KEY]
        return min(end, self.last_final) if self.last_final is not None else end


class PinterestComponentFactory(ModelToComponentFactory):
    """The CDK's component factory, with cursors of `$parameters.checkpoint: window_end` checkpointing window ends,
    keys derived from a stream's level, nested routers named after their stream, and every cursor's per-record
    parsing done once per distinct value (fast_cursor.py). It hands `sync`, the run's decisions, to every custom
    component that uses them; SourcePinterest sets a fresh one for each check, discover and read."""

    sync: Sync  # set by SourcePinterest before it builds anything, anew for each check, discover and read

    def create_custom_component(self, model: Any, config: Config, **kwargs: Any) -> Any:
        component = super().create_custom_component(model, config, **kwargs)
        if isinstance(component, UsesSync):
            component.sync = self.sync
        return component

    def create_parent_stream_config_with_substream_wrapper(self, *args: Any, **kwargs: Any) -> Any:
        parent = super().create_parent_stream_config_with_substream_wrapper(*args, **kwargs)
        hand_over(parent, self.sync)  # the CDK builds parent streams with a plain factory of its own
        return parent

    def create_concurrent_cursor_from_datetime_based_cursor(self, *args: Any, **kwargs: Any) -> ConcurrentCursor:
        cursor = super().create_concurrent_cursor_from_datetime_based_cursor(*args, **kwargs)
        definition = kwargs.get("component_definition") or {}
        parameters = definition.get("$parameters") or definition.get("parameters") or {}
        converter = cursor._connector_state_converter
        if cursor.cursor_field.cursor_field_key == DATE_CURSOR and isinstance(
            converter, CustomFormatConcurrentStreamStateConverter
        ):
            # Same fields, a few methods differ; the CDK builds the converter inline.
            window_end = parameters.get("checkpoint") == WINDOW_END
            converter.__class__ = WindowEndState if window_end else FirstDayState
            if window_end:
                converter.last_final = _last_final(converter, self.sync.settings)
            converter.start_at_first_day(cursor)
        fast_cursor.speed_up(cursor)
        return cursor

    def create_concurrent_cursor_from_perpartition_cursor(self, *args: Any, **kwargs: Any) -> Any:
        cursor = super().create_concurrent_cursor_from_perpartition_cursor(*args, **kwargs)
        fast_cursor.speed_up(cursor)
        return cursor

    def create_default_stream(self, model: models.DeclarativeStream, config: Config, **kwargs: Any) -> Any:
        # Analytics and report streams name their level, which decides their key; a custom report's is in its item.
        written = model.primary_key.__root__ if model.primary_key else None  # the CDK's default is ""
        key = None if written else derived_primary_key(model.name, model.parameters or {}, config)
        if key:
            model = model.copy(update={"primary_key": models.PrimaryKey(__root__=key)})
        return super().create_default_stream(model, config, **kwargs)

    def _create_nested_component(
        self, model: Any, model_field: str, model_value: Any, config: Config, **kwargs: Any
    ) -> Any:
        # A router nested in a custom component takes `stream_name` from its own `$parameters` only; the stream's
        # `$parameters.name` reaches every nested component, so it need not be written twice in the manifest.
        if isinstance(model_value, dict):
            parameters = model_value.get("$parameters") or {}
            if parameters.get("name") and "stream_name" not in parameters:
                model_value = {**model_value, "$parameters": {**parameters, "stream_name": parameters["name"]}}
        return super()._create_nested_component(model, model_field, model_value, config, **kwargs)


def _last_final(converter: CustomFormatConcurrentStreamStateConverter, settings: Settings) -> dt.datetime | None:
    """The newest day a window-end state may name: with the account zone, the last day every zone has finished."""
    if settings.reporting_timezone == timezone.DEFAULT:
        return None  # UTC: the state's day is today, read again by the next sync (the CDK resumes at it)
    day = windows.last_finished_day(settings.now)
    return converter.parse_timestamp(day.isoformat())


def derived_primary_key(stream: str | None, parameters: Mapping[str, Any], config: Config) -> list[str] | None:
    """The key of a stream whose definition writes none: its level's, or its custom report's; None: no such key."""
    return _level_key(parameters) or _custom_report_key(stream, config)


def _level_key(parameters: Mapping[str, Any]) -> list[str] | None:
    """An ads analytics level's id column (the facts.LEVELS names), else a report level's key; None: no level."""
    level = parameters.get("level")
    if level in LEVELS:
        return [LEVELS[level].id_column, DATE_CURSOR] + (list(TARGETING_COLUMNS) if parameters.get("targeting") else [])
    return catalogue.primary_key(level) if level else None


def _custom_report_key(stream: str | None, config: Config) -> list[str] | None:
    for item in config.get("custom_reports") or []:
        if stream == f"custom_{item.get('name')}":
            return catalogue.primary_key(item.get("level") or CUSTOM_REPORT_DEFAULTS["level"])
    return None


def _ad_account(partition: Mapping[str, Any]) -> str | None:
    """The ad account of a partition: named as such, or the root of its parent chain (ad accounts are the roots)."""
    if partition.get("ad_account_id"):
        return str(partition["ad_account_id"])
    parent = partition.get("parent_slice")
    if isinstance(parent, Mapping) and parent:
        return _ad_account(parent)
    return str(partition["id"]) if partition.get("id") else None


def _day(cursor: Any) -> str | None:
    value = cursor.get(DATE_CURSOR) if isinstance(cursor, Mapping) else None
    return str(value)[:10] if value else None  # dates, or date-times from HOUR syncs


def resume_day(days: list[str], lookback_days: int) -> str:
    """Where an account resumes from its entities' cursors (see the module docstring)."""
    newest = dt.date.fromisoformat(max(days))
    return max(min(days), (newest - dt.timedelta(days=lookback_days)).isoformat())


@dataclass
class ForeignAnalyticsState(UsesSync, StateMigration):
    """Other connectors' state folded into one entry per ad account (see the module docstring). `cursor_field` is
    `DATE` (analytics, reports) or `updated_time` (campaigns, ad groups, ads: Unix seconds, kept as strings)."""

    parameters: InitVar[Mapping[str, Any]]
    config: Config = field(default_factory=dict)
    # Streams partitioned by a SubstreamPartitionRouter (reports, entity streams) key their partitions with an empty
    # `parent_slice` as well; the migrated entries must match the stream's own partitions exactly.
    substream_partitions: bool = False
    cursor_field: str = DATE_CURSOR

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def _value(self, cursor: Any) -> str | None:
        if self.cursor_field == DATE_CURSOR:
            return _day(cursor)
        value = cursor.get(self.cursor_field) if isinstance(cursor, Mapping) else None
        return str(int(float(value))) if value not in (None, "") else None

    def _resume(self, values: list[str]) -> str:
        if self.cursor_field == DATE_CURSOR:
            return resume_day(values, int(self.sync.settings.lookback_window_days))
        return min(values, key=int)  # an entity listing is cheap to re-read: no lookback cap needed

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        if not stream_state:
            return False
        if stream_state.get("use_global_cursor") is True:
            return True
        if "states" in stream_state:
            return any("ad_account_id" not in (entry.get("partition") or {}) for entry in stream_state["states"])
        return self._value(stream_state) is not None  # one flat cursor

    def _partition(self, account: str) -> dict[str, Any]:
        return {"ad_account_id": account, **({"parent_slice": {}} if self.substream_partitions else {})}

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        per_account: dict[str, list[str]] = {}
        unplaced: list[str] = []
        for entry in stream_state.get("states", ()):
            value = self._value(entry.get("cursor"))
            account = _ad_account(entry.get("partition") or {})
            if value is None:
                continue
            if account is None:
                unplaced.append(value)
            else:
                per_account.setdefault(account, []).append(value)
        # Beside entries naming accounts, a global `state` is only the CDK's newest cursor over them (what it starts
        # new partitions from, trap 1): an account without an entry starts from start_date, whatever the order of
        # the migrations. A flat or global cursor naming no account is 2.x's cursor for all of them.
        flat = None if per_account else self._value(stream_state.get("state")) or self._value(stream_state)
        fallback = [*unplaced, *([flat] if flat else [])]
        # No `use_global_cursor` (nor the CDK's runtime `lookback_window`): the CDK reads this as per-partition
        # state, and OwnPartitionCursors keeps the fallback (it drops only a global cursor the CDK wrote itself).
        migrated: dict[str, Any] = {
            "states": [
                {"partition": self._partition(account), "cursor": {self.cursor_field: self._resume(values)}}
                for account, values in sorted(per_account.items())
            ]
        }
        if fallback:  # accounts without an entry of their own start here
            migrated["state"] = {self.cursor_field: min(fallback, key=self._order)}
        return migrated

    def _order(self, value: str) -> Any:
        return value if self.cursor_field == DATE_CURSOR else int(value)


@dataclass
class PinBatchState(StateMigration):
    """pin_analytics keeps one entry per batch of 100 pins (`{"pins": "<first>..<last>"}`); before, it kept one
    entry for all pins (`"partition": {}`). Such entries become the global cursor every batch without its own
    entry starts from (the earliest, when there are several), so existing connections continue without a gap."""

    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return any("pins" not in (entry.get("partition") or {}) for entry in stream_state.get("states", ()))

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        batches, older = [], []
        for entry in stream_state["states"]:
            (batches if "pins" in (entry.get("partition") or {}) else older).append(entry)
        days = [d for d in (_day(e.get("cursor")) for e in older) if d]
        global_day = _day(stream_state.get("state"))
        migrated = {**stream_state, "states": batches}
        if days or global_day:
            migrated["state"] = {DATE_CURSOR: min([*days, *([global_day] if global_day else [])])}
        return migrated
