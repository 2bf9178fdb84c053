"""Continue from the state of other Pinterest connectors (Airbyte's source-pinterest 1.x/2.x) instead of failing.

Ads analytics keep one state entry per ad account: `{"states": [{"partition": {"ad_account_id": ...},
"cursor": {"DATE": ...}}]}`. Older connectors keyed their entries by entity (`{"id": <campaign>, "parent_slice":
{"id": <ad account>, ...}}`) or kept one flat `{"DATE": ...}`. Either is folded into ours, each account resuming
from the *earliest* date any of its entries reached, so a migration can re-read a few days but never skips one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from typing import Any

from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration

CURSOR = "DATE"


def _ad_account(partition: Mapping[str, Any]) -> str | None:
    """The ad account of a partition: named as such, or the root of its parent chain (ad accounts are the roots)."""
    if partition.get("ad_account_id"):
        return str(partition["ad_account_id"])
    parent = partition.get("parent_slice")
    if isinstance(parent, Mapping) and parent:
        return _ad_account(parent)
    return str(partition["id"]) if partition.get("id") else None


def _day(cursor: Any) -> str | None:
    value = cursor.get(CURSOR) if isinstance(cursor, Mapping) else None
    return str(value)[:10] if value else None  # dates, or date-times from HOUR syncs


@dataclass
class ForeignAnalyticsState(StateMigration):
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        if not stream_state:
            return False
        if "states" in stream_state:
            return any("ad_account_id" not in (entry.get("partition") or {}) for entry in stream_state["states"])
        return _day(stream_state) is not None  # one flat cursor

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        earliest: dict[str, str] = {}
        unplaced: list[str] = []
        for entry in stream_state.get("states", ()):
            day = _day(entry.get("cursor"))
            account = _ad_account(entry.get("partition") or {})
            if day is None:
                continue
            if account is None:
                unplaced.append(day)
            elif account not in earliest or day < earliest[account]:
                earliest[account] = day
        flat = _day(stream_state.get("state")) or _day(stream_state)
        fallback = min([*unplaced, *([flat] if flat else [])], default=None)
        migrated: dict[str, Any] = {
            "states": [{"partition": {"ad_account_id": a}, "cursor": {CURSOR: d}} for a, d in sorted(earliest.items())]
        }
        if fallback:  # accounts without an entry of their own start here
            migrated["state"] = {CURSOR: fallback}
        return migrated


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
            migrated["state"] = {CURSOR: min([*days, *([global_day] if global_day else [])])}
        return migrated
