"""The analytics window pipeline on every day of two calendar years, for every granularity.

For each "today" of 2027 and 2028 (month ends, 1 January, 29 February 2028 and every Monday among them) the cursor's
slices are cut the way the analytics streams cut them: the part older than the sync endpoints reach goes to async
reports, the rest to the sync endpoints. Whatever the day, the requests must cover the range once, never twice,
within each API's limits, and WEEK/MONTH rows must total whole periods.
"""

from __future__ import annotations

import datetime as dt

import pytest

from source_pinterest.components.reports.job_body import report_reach
from source_pinterest.components.windows import Reach, first_whole_day, request_windows, sync_reach

DAY = dt.timedelta(days=1)
TODAYS = [dt.date(2027, 1, 1) + dt.timedelta(days=n) for n in range(731)]  # 2027-01-01 .. 2028-12-31
STARTS_BACK = [0, 1, 6, 29, 88, 89, 90, 91, 185, 186, 400, 913, 2000]  # start_date = today - n days
# The cursor's step and oldest start in days (manifest: analytics_cursor.step and start_datetime.min_datetime).
STEP = {"HOUR": 3}  # 186 otherwise
CURSOR_DAYS_BACK = {"HOUR": 7}  # 914 otherwise


def cursor_slices(start: dt.date, today: dt.date, granularity: str) -> list[tuple[dt.date, dt.date]]:
    step = dt.timedelta(days=STEP.get(granularity, 186))
    start = max(start, today - dt.timedelta(days=CURSOR_DAYS_BACK.get(granularity, 914)))
    slices = []
    while start <= today:
        slices.append((start, min(start + step - DAY, today)))
        start += step
    return slices


def requests_for(start: dt.date, today: dt.date, granularity: str) -> list[tuple[str, dt.date, dt.date]]:
    """('report' | 'sync', first day, last day) of every request a first sync from `start` makes."""
    seam = first_whole_day(granularity, today)
    reports = report_reach("ADVERTISER", granularity)
    made = []
    for slice_start, slice_end in cursor_slices(start, today, granularity):
        if slice_start < seam:
            report_end = min(slice_end, seam - DAY)
            made += [("report", a, b) for a, b in request_windows(slice_start, report_end, granularity, today, reports)]
            slice_start = seam
        made += [("sync", a, b) for a, b in request_windows(slice_start, slice_end, granularity, today)]
    return made


def _oldest(today: dt.date, granularity: str) -> dt.date:
    """The oldest day a sync can ask for: the cursor's clamp, or the reports' reach if that is shorter."""
    days_back = min(CURSOR_DAYS_BACK.get(granularity, 914), report_reach("ADVERTISER", granularity).days_back)
    return today - dt.timedelta(days=days_back)


def _within(api: Reach, today: dt.date, first: dt.date, last: dt.date) -> bool:
    return today - dt.timedelta(days=api.days_back) <= first <= last <= today and (last - first).days < api.range_days


def _period_start(day: dt.date, granularity: str) -> dt.date:
    return day - dt.timedelta(days=day.weekday()) if granularity == "WEEK" else day.replace(day=1)


def _period_end(first: dt.date, granularity: str) -> dt.date:
    if granularity == "WEEK":
        return first + dt.timedelta(days=6)
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - DAY


def _contiguous(made: list[tuple[str, dt.date, dt.date]], first: dt.date, last: dt.date) -> bool:
    """The requests, in the order made, cover first..last day by day: no gap, no day twice."""
    day = first
    for _, a, b in made:
        if a != day or b < a:
            return False
        day = b + DAY
    return day == last + DAY


@pytest.mark.parametrize("granularity", ["DAY", "TOTAL", "HOUR"])
def test_day_ranges_are_covered_once_within_the_limits(granularity: str) -> None:
    for today in TODAYS:
        seam = first_whole_day(granularity, today)
        oldest = _oldest(today, granularity)
        for back in STARTS_BACK:
            start = today - dt.timedelta(days=back)
            made = requests_for(start, today, granularity)
            assert _contiguous(made, max(start, oldest), today), (today, back, granularity, made)
            for source, a, b in made:
                api = report_reach("ADVERTISER", granularity) if source == "report" else sync_reach(granularity)
                assert _within(api, today, a, b), (today, back, source, a, b)
                assert (b < seam) if source == "report" else (a >= seam), (today, back, source, a, b, seam)


@pytest.mark.parametrize("granularity", ["WEEK", "MONTH"])
def test_week_and_month_rows_total_whole_periods_each_asked_once(granularity: str) -> None:
    for today in TODAYS:
        oldest = _oldest(today, granularity)
        for back in STARTS_BACK:
            start = today - dt.timedelta(days=back)
            made = requests_for(start, today, granularity)
            for source, a, b in made:
                api = report_reach("ADVERTISER", granularity) if source == "report" else sync_reach(granularity)
                assert _within(api, today, a, b), (today, back, source, a, b)
                assert a == _period_start(a, granularity), (today, back, a)
                assert b in (_period_end(_period_start(b, granularity), granularity), today), (today, back, b)
            # Every period from the one holding start_date (if the reports reach its first day) up to today's.
            first = _period_start(start, granularity)
            while first < oldest:
                first = _period_end(first, granularity) + DAY
            # Contiguous whole periods, in order: none skipped, none asked twice.
            assert _contiguous(made, first, today), (today, back, granularity, made)


def test_the_days_chosen_include_the_calendar_edges() -> None:
    edges = {dt.date(2027, 1, 1), dt.date(2027, 2, 28), dt.date(2028, 1, 1), dt.date(2028, 2, 29)}
    assert edges <= set(TODAYS)
    assert sum(1 for d in TODAYS if d.weekday() == 0) >= 104  # every Monday of both years
