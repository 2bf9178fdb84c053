"""Continuing from other Pinterest connectors' state: Airbyte's source-pinterest 1.x/2.x and this connector's own
older shapes, folded into ours instead of failing.

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
from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field
from typing import Any

from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.types import Config

from source_pinterest.components.uses_sync import UsesSync
from source_pinterest.facts import DATE_CURSOR


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
        # Beside entries naming accounts, a global `state` is only the CDK's newest cursor over them (the CDK starts
        # new partitions from it): an account without an entry starts from start_date, whatever the order of
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
