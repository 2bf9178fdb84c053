"""Report job bodies and the date windows a range must be cut into (date limits from the facts, via report_columns)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from source_pinterest.components.reports import report_columns
from source_pinterest.components.windows import Reach, request_windows
from source_pinterest.facts import ATTRIBUTION_DEFAULTS, DEFAULT_CONVERSION_REPORT_TIME, MAX_REPORT_TARGETING_TYPES

# Body keys a caller may pass through as they are (filters and options of AdsAnalyticsCreateAsyncRequest).
PASS_THROUGH = (
    "attribution_types",
    "campaign_ids",
    "campaign_statuses",
    "campaign_objective_types",
    "ad_group_ids",
    "ad_group_statuses",
    "ad_ids",
    "ad_statuses",
    "product_group_ids",
    "product_group_statuses",
    "product_item_ids",
    "reporting_timezone",
    "primary_sort",
    "report_format",
)


def _day(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def report_reach(level: str, granularity: str = "DAY") -> Reach:
    """How far back and how wide one report of `level` may reach (the facts' date limits).

    "Up to 914 days before the current date" is read as today-913, as the sync endpoints' 90 days are read as
    today-89 (windows.SYNC): the edge day itself is refused intermittently, so reports ask from the day after it
    (913, 91 for PRODUCT_ITEM, 7 for HOUR).
    """
    return Reach.within(report_columns.date_limits(level, granularity))


def report_windows(
    start: dt.date | str,
    end: dt.date | str,
    level: str = "ADVERTISER",
    granularity: str = "DAY",
    *,
    today: dt.date,
) -> list[tuple[dt.date, dt.date]]:
    """Consecutive inclusive (start, end) windows covering start..end that one report each may ask for.

    A start older than the API safely allows (913 days; 91 for PRODUCT_ITEM; 7 for HOUR: see report_reach) is
    moved up to that day, and an end after today down to today; each window spans at most the allowed range
    (186, 31, 3 days), and WEEK / MONTH windows hold whole periods (see windows.request_windows).
    """
    return list(request_windows(_day(start), _day(end), granularity, today, report_reach(level, granularity)))


def build_report_body(
    level: str,
    start: dt.date | str,
    end: dt.date | str,
    columns: Sequence[str] | None = None,
    granularity: str = "DAY",
    click_window_days: int | None = None,
    engagement_window_days: int | None = None,
    view_window_days: int | None = None,
    conversion_report_time: str | None = None,
    targeting_types: Sequence[str] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """The JSON body of POST /ad_accounts/{id}/reports for one window.

    `columns` defaults to report_columns.default_columns(); targeting levels to their non-BETA targeting types.
    `options` adds filters such as `campaign_statuses`, `ad_group_ids`, `attribution_types` (see PASS_THROUGH);
    unknown keys raise ValueError so a typo cannot silently widen a report.
    """
    unknown = sorted(set(options) - set(PASS_THROUGH))
    if unknown:
        raise ValueError(f"unknown report option(s) {unknown}; allowed: {list(PASS_THROUGH)}")
    windows = {
        "click_window_days": click_window_days,
        "engagement_window_days": engagement_window_days,
        "view_window_days": view_window_days,
    }
    body: dict[str, Any] = {
        "start_date": _day(start).isoformat(),
        "end_date": _day(end).isoformat(),
        "granularity": granularity,
        "level": level,
        "columns": list(columns or report_columns.default_columns()),
        **{name: ATTRIBUTION_DEFAULTS[name] if value is None else int(value) for name, value in windows.items()},
        "conversion_report_time": conversion_report_time or DEFAULT_CONVERSION_REPORT_TIME,
    }
    if report_columns.is_targeting(level):
        # Default: the level's non-BETA types. ReportRunner.rows sends at most 5 a job (TargetingTypeFilter maxItems).
        body["targeting_types"] = list(
            dict.fromkeys(targeting_types or report_columns.default_report_targeting_types(level))
        )
    body.update({k: list(v) if isinstance(v, (list, tuple)) else v for k, v in options.items() if v not in (None, [])})
    return body


def split_targeting_types(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`body` as the jobs Pinterest accepts: one per group of at most 5 targeting types, in the body's order.

    Each type's rows come from exactly one job, so the parts together hold the rows one job would have.
    """
    types = list(body.get("targeting_types") or ())
    if len(types) <= MAX_REPORT_TARGETING_TYPES:
        return [dict(body)]
    return [
        {**body, "targeting_types": types[i : i + MAX_REPORT_TARGETING_TYPES]}
        for i in range(0, len(types), MAX_REPORT_TARGETING_TYPES)
    ]


def body_window(body: Mapping[str, Any]) -> str:
    return f"{body.get('level')} {body.get('start_date')}..{body.get('end_date')}"
