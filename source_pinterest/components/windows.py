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


def _next_period(start: dt.date, granularity: str) -> dt.date:
    return start + dt.timedelta(days=7) if granularity == "WEEK" else _add_months(start, 1)


def _period_start(day: dt.date, granularity: str) -> dt.date:
    return _week_start(day) if granularity == "WEEK" else _month_start(day)


def request_windows(
    start: dt.date, end: dt.date, granularity: str, today: dt.date
) -> Iterator[tuple[dt.date, dt.date]]:
    """Inclusive (start, end) date pairs covering [start, end] in the fewest requests the API accepts.

    WEEK and MONTH rows total a whole calendar period (Monday-based weeks, months), so whole periods are requested:
    a period cut by a window edge would come back as a partial row under the same primary key. A slice takes the
    periods that end inside it (the one holding its start included), and the last slice also the running period,
    so consecutive slices never request a period twice. A period starting before the oldest day the API serves is
    skipped rather than returned partial.
    """
    oldest = oldest_sync_day(granularity, today)
    end = min(end, today)
    if granularity in ("WEEK", "MONTH"):
        periods = []
        period = _period_start(start, granularity)
        if period < oldest:
            period = _next_period(_period_start(oldest, granularity), granularity)
            if _period_start(oldest, granularity) == oldest:
                period = oldest
        while period <= end:
            following = _next_period(period, granularity)
            if following - DAY > end and end < today:
                break  # ends after this slice: the next slice takes it
            periods.append((period, min(following - DAY, today)))
            period = following
        per_request = WEEKS_PER_REQUEST if granularity == "WEEK" else MONTHS_PER_REQUEST
        for i in range(0, len(periods), per_request):
            group = periods[i : i + per_request]
            yield group[0][0], group[-1][1]
        return
    start = max(start, oldest)
    span = dt.timedelta(days=SYNC_MAX_RANGE_DAYS.get(granularity, SYNC_DEFAULT_RANGE_DAYS))
    while start <= end:
        stop = min(start + span - DAY, end)
        yield start, stop
        start = stop + DAY
