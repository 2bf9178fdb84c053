"""Date arithmetic for analytics: how far back each API reaches and how a range is cut into requests.

Pure functions of dates, so the limits are tested in one place (unit_tests/test_analytics_windows.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple

from source_pinterest.facts import sync_date_limits

DAY = dt.timedelta(days=1)
LATEST_ZONE = dt.timedelta(hours=-12)  # the zone that finishes a day last (UTC-12)


class Reach(NamedTuple):
    """How far back an API serves (days before today), the longest range one request may span (days, inclusive),
    and how many whole weeks / months fit in one request."""

    days_back: int
    range_days: int
    weeks: int
    months: int

    @classmethod
    def within(cls, limits: tuple[int, int]) -> Reach:
        """The reach of an API serving (days back, days per range): "N days before today" is read as today-(N-1),
        which the API always accepts (the edge day is refused intermittently, pinterest-api-notes §3.1); a range
        holds as many whole weeks and months as always fit (a 31-day month at most)."""
        days_back, range_days = limits
        return cls(days_back - 1, range_days, weeks=range_days // 7, months=range_days // 31)


# Sync analytics: 90 days back and 90-day ranges (89, 90, 12 weeks, 2 months); HOUR: 8 days back, 3-day ranges.
SYNC = Reach.within(sync_date_limits("DAY"))
SYNC_HOUR = Reach.within(sync_date_limits("HOUR"))


def last_finished_day(now: dt.datetime) -> dt.date:
    """The last day every time zone has finished at `now` (UTC): an account's day, whatever its zone, is complete.

    At 05:00 UTC on the 1st it is the 29th: it is 17:00 on the 30th at UTC-12 (21:00 at UTC-8)."""
    return (now.astimezone(dt.timezone.utc) + LATEST_ZONE).date() - DAY


def sync_reach(granularity: str) -> Reach:
    return SYNC_HOUR if granularity == "HOUR" else SYNC


def oldest_sync_day(granularity: str, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=sync_reach(granularity).days_back)


def _add_months(day: dt.date, months: int) -> dt.date:
    years, month = divmod(day.month - 1 + months, 12)
    return day.replace(year=day.year + years, month=month + 1, day=1)


def _period_start(day: dt.date, granularity: str) -> dt.date:
    return day - dt.timedelta(days=day.weekday()) if granularity == "WEEK" else day.replace(day=1)


def _next_period(start: dt.date, granularity: str) -> dt.date:
    return start + dt.timedelta(days=7) if granularity == "WEEK" else _add_months(start, 1)


def first_whole_day(granularity: str, today: dt.date, api: Reach | None = None) -> dt.date:
    """The first day an API serves whole rows for: its oldest day, or for WEEK/MONTH the first period inside it."""
    oldest = today - dt.timedelta(days=(api or sync_reach(granularity)).days_back)
    if granularity not in ("WEEK", "MONTH"):
        return oldest
    period = _period_start(oldest, granularity)
    return period if period == oldest else _next_period(period, granularity)


def request_windows(
    start: dt.date, end: dt.date, granularity: str, today: dt.date, api: Reach | None = None
) -> Iterator[tuple[dt.date, dt.date]]:
    """Inclusive (start, end) date pairs covering [start, end] in the fewest requests `api` (by default the sync
    analytics endpoints) accepts.

    WEEK and MONTH rows total a whole calendar period (Monday-based weeks, months), so whole periods are requested:
    a period cut by a window edge would come back as a partial row under the same primary key. A slice takes the
    periods that end inside it (the one holding its start included), and the last slice also the running period,
    so consecutive slices never request a period twice. A period starting before the oldest day the API serves is
    skipped rather than returned partial.
    """
    limits = api or sync_reach(granularity)
    end = min(end, today)
    if granularity in ("WEEK", "MONTH"):
        periods = []
        period = max(_period_start(start, granularity), first_whole_day(granularity, today, limits))
        while period <= end:
            following = _next_period(period, granularity)
            if following - DAY > end and end < today:
                break  # ends after this slice: the next slice takes it
            periods.append((period, min(following - DAY, today)))
            period = following
        per_request = limits.weeks if granularity == "WEEK" else limits.months
        for i in range(0, len(periods), per_request):
            group = periods[i : i + per_request]
            yield group[0][0], group[-1][1]
        return
    start = max(start, today - dt.timedelta(days=limits.days_back))
    span = dt.timedelta(days=limits.range_days)
    while start <= end:
        stop = min(start + span - DAY, end)
        yield start, stop
        start = stop + DAY
