"""Window and batch arithmetic of the analytics streams: the API's limits at their edges."""

from __future__ import annotations

import datetime as dt

import pytest

from source_pinterest.components.entities import Entity, Lineage
from source_pinterest.components.partitions import batched
from source_pinterest.components.windows import request_windows

TODAY = dt.date(2026, 11, 29)  # a Sunday


def days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


@pytest.mark.parametrize("n, expected", [(0, []), (1, [1]), (250, [250]), (251, [250, 1]), (501, [250, 250, 1])])
def test_ids_are_batched_up_to_250(n: int, expected: list[int]) -> None:
    assert [len(b) for b in batched([str(i) for i in range(n)], 250)] == expected


@pytest.mark.parametrize("length, first_day_back", [(1, 0), (89, 88), (90, 89), (91, 89)])
def test_up_to_90_days_take_one_request_and_older_days_are_out_of_reach(length: int, first_day_back: int) -> None:
    start = TODAY - dt.timedelta(days=length - 1)
    assert list(request_windows(start, TODAY, "DAY", TODAY)) == [(TODAY - dt.timedelta(days=first_day_back), TODAY)]


def test_day_windows_never_reach_further_back_than_the_api() -> None:
    windows = list(request_windows(TODAY - dt.timedelta(days=400), TODAY, "DAY", TODAY))
    assert windows == [(TODAY - dt.timedelta(days=89), TODAY)]  # 90 days: today and the 89 before


def test_hour_windows_are_3_days_within_8_days() -> None:
    windows = list(request_windows(TODAY - dt.timedelta(days=30), TODAY, "HOUR", TODAY))
    assert windows[0][0] == TODAY - dt.timedelta(days=7)
    assert [days(a, b) for a, b in windows] == [3, 3, 2]
    assert windows[-1][1] == TODAY


def test_week_windows_hold_whole_monday_weeks() -> None:
    start = dt.date(2026, 10, 1)  # a Thursday: its week starts Monday 2026-09-28
    windows = list(request_windows(start, TODAY, "WEEK", TODAY))
    assert windows[0][0] == dt.date(2026, 9, 28)
    assert all(a.weekday() == 0 for a, _ in windows)
    assert windows[-1][1] == TODAY and all(days(a, b) <= 90 for a, b in windows)


def test_week_straddling_two_slices_is_requested_once() -> None:
    first = list(request_windows(dt.date(2026, 10, 5), dt.date(2026, 10, 8), "WEEK", TODAY))  # Mon..Thu
    second = list(request_windows(dt.date(2026, 10, 9), dt.date(2026, 10, 20), "WEEK", TODAY))
    assert first == []  # the week ends after the slice: the next slice takes it whole
    assert second == [(dt.date(2026, 10, 5), dt.date(2026, 10, 18))]


def test_month_windows_skip_a_month_the_api_cannot_serve_whole() -> None:
    windows = list(request_windows(dt.date(2026, 7, 15), TODAY, "MONTH", TODAY))
    # 89 days back is 2026-09-01: September is the first whole month; two months a request.
    assert windows == [(dt.date(2026, 9, 1), dt.date(2026, 10, 31)), (dt.date(2026, 11, 1), TODAY)]


def test_an_empty_or_future_range_makes_no_request() -> None:
    assert list(request_windows(TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=5), "DAY", TODAY)) == []


@pytest.mark.parametrize(
    "entity, late_days, expected",
    [
        (Entity("1", dt.date(2026, 1, 1), "ACTIVE", dt.date(2026, 1, 1)), 0, True),
        (Entity("2", dt.date(2026, 1, 1), "DRAFT", None), 0, False),
        (Entity("3", dt.date(2026, 1, 1), "DELETED_DRAFT", None), 0, False),
        (Entity("4", dt.date(2026, 12, 1), "ACTIVE", None), 0, False),  # created after the window
        (Entity("5", dt.date(2026, 1, 1), "ARCHIVED", dt.date(2026, 9, 30)), 0, False),  # archived before it
        (Entity("6", dt.date(2026, 1, 1), "ARCHIVED", dt.date(2026, 10, 1)), 0, True),  # archived on its first day
        (Entity("7", dt.date(2026, 1, 1), "ARCHIVED", dt.date(2026, 9, 1)), 30, True),  # late conversions
        (Entity("8", dt.date(2026, 1, 1), "PAUSED", dt.date(2026, 2, 1)), 0, False),  # paused since before it
        (Entity("8b", dt.date(2026, 1, 1), "PAUSED", dt.date(2026, 10, 5)), 0, True),  # paused inside it
        (Entity("9", None, None, None), 0, True),  # unknown: ask
        # ACTIVE but scheduled to end before the window (COMPLETED): nothing delivers after end_time
        (Entity("10", dt.date(2026, 1, 1), "ACTIVE", dt.date(2026, 11, 20), ends=dt.date(2026, 9, 30)), 0, False),
        (Entity("10b", dt.date(2026, 1, 1), "ACTIVE", None, ends=dt.date(2026, 10, 1)), 0, True),  # ends inside it
        (Entity("10c", dt.date(2026, 1, 1), "ACTIVE", None, ends=dt.date(2026, 9, 1)), 30, True),  # late conversions
    ],
)
def test_only_entities_that_can_have_rows_are_asked_for(entity: Entity, late_days: int, expected: bool) -> None:
    assert entity.may_have_data(dt.date(2026, 10, 1), dt.date(2026, 11, 29), late_days) is expected


def test_an_ad_is_skipped_when_its_campaign_stopped_before_the_window() -> None:
    ad = Entity("a", dt.date(2026, 1, 1), "ACTIVE", dt.date(2026, 1, 1), ("c", "g"))
    live_group = Entity("g", dt.date(2026, 1, 1), "ACTIVE", dt.date(2026, 1, 1))
    archived_campaign = Entity("c", dt.date(2026, 1, 1), "ARCHIVED", dt.date(2026, 8, 1))
    window = (dt.date(2026, 10, 1), dt.date(2026, 11, 29), 0)
    assert Lineage(ad, (live_group,)).may_have_data(*window)
    assert not Lineage(ad, (archived_campaign, live_group)).may_have_data(*window)
