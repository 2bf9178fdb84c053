"""Statuses of campaigns, ad groups and ads, and the delivery history behind them.

A status fixes which days an entity could deliver: ACTIVE from its start onwards (until its end_time, if any),
PAUSED and ARCHIVED from start until the day they stopped, DRAFT and DELETED_DRAFT never. Summary statuses are
derived from status, schedule and review, as the API reports them.
"""

from __future__ import annotations

import random

from .clock import DAY_SECONDS, day_start_ts, now_ts
from .world import AdNode, Interval, Record, World

STATUSES = ("ACTIVE", "PAUSED", "ARCHIVED", "DRAFT", "DELETED_DRAFT")
DRAFTS = ("DRAFT", "DELETED_DRAFT")
_WEIGHTS = (50, 18, 22, 7, 3)
_UNDER_ACTIVE = (72, 12, 9, 5, 2)  # children of running parents mostly run too


class StatusPicker:
    """Weighted statuses, after a forced prefix that guarantees every status appears in small worlds."""

    def __init__(self, forced: list[str]) -> None:
        self.forced = list(forced)

    def pick(self, rng: random.Random, parent_status: str | None = None) -> str:
        if parent_status in DRAFTS:  # nothing under a draft campaign has ever launched
            return parent_status if rng.random() < 0.5 else "DRAFT"
        if self.forced:
            return self.forced.pop(0)
        return rng.choices(STATUSES, weights=_UNDER_ACTIVE if parent_status == "ACTIVE" else _WEIGHTS)[0]


def ts_in_day(rng: random.Random, ordinal: int, world: World) -> int:
    """A random second of a day, never after the emulator's now."""
    return min(day_start_ts(ordinal) + rng.randint(0, DAY_SECONDS - 1), now_ts(world.today))


def last_live_day(node: AdNode, today: int) -> int:
    ends = [e for _, e in node.live]
    if not node.live or None in ends:
        return today
    return max(int(e) for e in ends if e is not None) - 1


def plan_live(
    rng: random.Random, status: str, first_day: int, today: int, end: int | None = None
) -> tuple[list[Interval], int]:
    """Delivery intervals for a status (end: first day past an ACTIVE schedule) and the day it last changed state."""
    if status in DRAFTS or first_day > today:
        return [], min(first_day, today)
    if status == "ACTIVE":
        return ([[first_day, end]] if end is not None else [[first_day, None]]), first_day
    if first_day >= today:
        return [], today
    stopped = rng.randint(first_day + 1, today)
    if status == "ARCHIVED":
        stopped = min(stopped, first_day + rng.randint(5, 150))
    return [[first_day, stopped]], stopped


def summary_status(kind: str, record: Record, world: World) -> str:
    status = record["status"]
    if kind == "ad":
        if status != "ACTIVE":
            return status
        return {"APPROVED": "APPROVED", "REJECTED": "REJECTED"}.get(record.get("review_status", ""), "PENDING")
    if status != "ACTIVE":
        return status
    now = now_ts(world.today)
    if record.get("start_time") and record["start_time"] > now:
        return "NOT_STARTED"
    if record.get("end_time") and record["end_time"] < now:
        return "COMPLETED"
    return "RUNNING"


def stop(node: AdNode, ordinal: int) -> None:
    """Close the open delivery interval so that the entity does not deliver from `ordinal` on."""
    for interval in node.live:
        if interval[1] is None:
            interval[1] = ordinal
    node.live = [i for i in node.live if i[1] is None or int(i[0]) < int(i[1])]


def resume(node: AdNode, ordinal: int) -> None:
    if not any(i[1] is None for i in node.live):
        node.live.append([ordinal, None])
