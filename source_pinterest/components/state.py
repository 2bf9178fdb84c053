"""Incremental state that never runs past unread data, and continuing from other Pinterest connectors' state.

- `OwnPartitionCursors`: a partition without a state entry of its own (an ad account added to `account_ids`, newly
  shared, or created since the last sync) starts from `start_date`. The CDK would start it from the global cursor,
  the newest value over all other accounts (`ConcurrentPerPartitionCursor`), and never read its history.
- `WindowEndState`: for date-windowed streams (ads analytics, reports) a window read completely moves the state to
  its end, rows or not, so empty and dormant accounts do not re-read (and re-create report jobs for) their whole
  range on every sync. Only closed windows count, so a failed window keeps the state before it.
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
  stay in global mode for good, where a new account starts at the others' cursor and empty windows never advance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from dataclasses import InitVar, dataclass, field
from typing import Any

from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.models import declarative_component_schema as models
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor
from airbyte_cdk.sources.streams.concurrent.state_converters.datetime_stream_state_converter import (
    CustomFormatConcurrentStreamStateConverter,
)
from airbyte_cdk.sources.types import Config

from source_pinterest.components import fast_cursor
from source_pinterest.components.reports import catalogue
from source_pinterest.components.reports.catalogue import TARGETING_COLUMNS
from source_pinterest.facts import CUSTOM_REPORT_DEFAULTS, DATE_CURSOR, LEVELS
from source_pinterest.settings import settings

WINDOW_END = "window_end"  # `$parameters.checkpoint` of a DatetimeBasedCursor that checkpoints its windows' ends


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


class WindowEndState(CustomFormatConcurrentStreamStateConverter):
    """The state is the end of the windows read without a gap from the start, not the newest row's cursor value.

    The CDK adds a window to the state only when its partition closed (was read to the end), and merges adjacent
    windows; the first merged interval therefore ends where everything before is read. Its newest row can lie
    anywhere inside it, or nowhere when it had no rows. The lookback is applied from this end, as before.
    """

    def _get_latest_complete_time(self, slices: list[MutableMapping[str, Any]]) -> Any:
        if not slices:
            return super()._get_latest_complete_time(slices)
        return self.merge_intervals(slices)[0][self.END_KEY]


class PinterestComponentFactory(ModelToComponentFactory):
    """The CDK's component factory, with cursors of `$parameters.checkpoint: window_end` checkpointing window ends,
    keys derived from a stream's level, nested routers named after their stream, and every cursor's per-record
    parsing done once per distinct value (fast_cursor.py)."""

    def create_concurrent_cursor_from_datetime_based_cursor(self, *args: Any, **kwargs: Any) -> ConcurrentCursor:
        cursor = super().create_concurrent_cursor_from_datetime_based_cursor(*args, **kwargs)
        definition = kwargs.get("component_definition") or {}
        parameters = definition.get("$parameters") or definition.get("parameters") or {}
        converter = cursor._connector_state_converter
        if parameters.get("checkpoint") == WINDOW_END and isinstance(
            converter, CustomFormatConcurrentStreamStateConverter
        ):
            converter.__class__ = WindowEndState  # same fields, one method differs; the CDK builds it inline
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


def derived_primary_key(stream: str | None, parameters: Mapping[str, Any], config: Config) -> list[str] | None:
    """The key of a stream whose definition writes none: its level's, or its custom report's; None: no such key."""
    return _level_key(parameters) or _custom_report_key(stream, config)


def _level_key(parameters: Mapping[str, Any]) -> list[str] | None:
    """An ads analytics level's id column (the analytics.LEVELS names), else a report level's key; None: no level."""
    level = parameters.get("level")
    if level in LEVELS:
        return [LEVELS[level].id_column, "DATE"] + (list(TARGETING_COLUMNS) if parameters.get("targeting") else [])
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
class ForeignAnalyticsState(StateMigration):
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
            return resume_day(values, int(settings(self.config).lookback_window_days))
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
        flat = self._value(stream_state.get("state")) or self._value(stream_state)
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
