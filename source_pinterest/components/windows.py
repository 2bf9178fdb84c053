"""Date arithmetic for the analytics endpoints: how far back they reach and how a range is cut into requests.

Pure functions of dates, so the limits are tested in one place (unit_tests/test_analytics_windows.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

DAY = dt.timedelta(days=1)

# Sync analytics: "up to 90 days before the current date ... a maximum time range of 90 days"; HOUR: 8 days back,
# 3-day ranges. "90 days before today" is read as today-89 (a 90-day window ending today), which the API always
# accepts; today-90 is refused intermittently (see pinterest-api-notes §3.1).
SYNC_DAYS_BACK = {"HOUR": 7}
SYNC_DEFAULT_DAYS_BACK = 89
SYNC_MAX_RANGE_DAYS = {"HOUR": 3}
SYNC_DEFAULT_RANGE_DAYS = 90
MONTHS_PER_REQUEST = 2  # 3 months can exceed 90 days; 2 never do (62 at most)
WEEKS_PER_REQUEST = 12  # 84 days


def oldest_sync_day(granularity: str, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=SYNC_DAYS_BACK.get(granularity, SYNC_DEFAULT_DAYS_BACK))


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    years, month = divmod(day.month - 1 + months, 12)
    return day.replace(year=day.year + years, month=month + 1, day=1)


def request_windows(
    start: dt.date, end: dt.date, granularity: str, today: dt.date
) -> Iterator[tuple[dt.date, dt.date]]:
    """Inclusive (start, end) date pairs covering [start, end] in the fewest requests the API accepts.

    WEEK and MONTH rows total a whole calendar period (Monday-based weeks, months), so windows are widened to whole
    periods: a period cut by a window edge would come back as a partial row under the same primary key. A period
    starting before the oldest day the API serves is skipped rather than returned partial. The current period ends
    today (it is re-read by the next sync's lookback).
    """
    oldest = oldest_sync_day(granularity, today)
    end = min(end, today)
    if granularity == "WEEK":
        start = _week_start(start)
        if start < oldest:
            start = _week_start(oldest) + (dt.timedelta(days=7) if _week_start(oldest) < oldest else dt.timedelta())
        while start <= end:
            stop = start + dt.timedelta(days=7 * WEEKS_PER_REQUEST) - DAY
            yield start, min(stop, today)
            start = stop + DAY
        return
    if granularity == "MONTH":
        start = _month_start(start)
        if start < oldest:
            start = _month_start(oldest) if _month_start(oldest) == oldest else _add_months(oldest, 1)
        while start <= end:
            stop = _add_months(start, MONTHS_PER_REQUEST) - DAY
            yield start, min(stop, today)
            start = stop + DAY
        return
    start = max(start, oldest)
    span = dt.timedelta(days=SYNC_MAX_RANGE_DAYS.get(granularity, SYNC_DEFAULT_RANGE_DAYS))
    while start <= end:
        stop = min(start + span - DAY, end)
        yield start, stop
        start = stop + DAY
