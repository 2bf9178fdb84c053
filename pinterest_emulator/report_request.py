"""Validation of POST /ad_accounts/{id}/reports bodies (AdsAnalyticsCreateAsyncRequest).

JSON body only (query parameters are not read). Limits from the spec: 914 days back and a 186-day range; HOUR 8
days back and 3 days; level PRODUCT_ITEM 92 days back and 31 days, without ad_ids or ad_statuses; the arrays'
`maxItems` (5 targeting types, 6 of each status filter, 500 ids), each refused with a 400 like Pinterest's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from source_pinterest import facts

from .analytics import Attribution
from .clock import parse_day
from .handlers_analytics import GRANULARITIES, REPORTING_TIME_ZONES, WINDOWS, check_range
from .params import ApiError, bad_request
from .spec_enums import ASYNC_COLUMNS, ASYNC_TARGETING_TYPES, REPORT_LEVELS

_ASYNC = frozenset(ASYNC_COLUMNS)
_RUN_STATUSES = (
    "RUNNING",
    "PAUSED",
    "NOT_STARTED",
    "COMPLETED",
    "ADVERTISER_DISABLED",
    "ARCHIVED",
    "DRAFT",
    "DELETED_DRAFT",
)
_AD_STATUSES = (
    "APPROVED",
    "PAUSED",
    "PENDING",
    "REJECTED",
    "ADVERTISER_DISABLED",
    "ARCHIVED",
    "DRAFT",
    "DELETED_DRAFT",
)
_OBJECTIVES = ("AWARENESS", "CONSIDERATION", "WEB_CONVERSION", "CATALOG_SALES", "VIDEO_COMPLETION", "WEB_SESSIONS")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Targeting types a report job may be refused for when the ad account lacks the beta: AGE_BUCKET_AND_GENDER at every
# level (TargetingTypeFilter), CREATIVE_ENHANCEMENTS where ad groups are reported (as on the ad group endpoints).
_BETA_EVERYWHERE = ("AGE_BUCKET_AND_GENDER",)
_BETA_FOR_AD_GROUPS = ("AGE_BUCKET_AND_GENDER", "CREATIVE_ENHANCEMENTS")
BETA_REPORT_TARGETING = {"AD_GROUP_TARGETING": _BETA_FOR_AD_GROUPS, "PRODUCT_GROUP_TARGETING": _BETA_FOR_AD_GROUPS}


def refuse_closed_betas(spec: ReportSpec, targeting_open: bool, zone_open: bool) -> None:
    """The 400 (or 403) an ad account without a beta gets for a job that asks for it: the first BETA targeting
    type the body names (worded unlike the sync endpoints': clients must not rely on the text), then the zone."""
    if not targeting_open:
        closed = BETA_REPORT_TARGETING.get(spec.level, _BETA_EVERYWHERE)
        for targeting_type in spec.targeting_types:
            if targeting_type in closed:
                raise bad_request(f"Targeting type {targeting_type} is in BETA and not available for this ad account")
    if spec.account_zone and not zone_open:
        raise ApiError(403, 29, "reporting_timezone is in beta and not available to your app.")


@dataclass(frozen=True)
class ReportSpec:
    level: str
    start: date
    end: date
    granularity: str
    columns: tuple[str, ...]
    attribution: Attribution
    report_format: str = "JSON"
    primary_sort: str = "BY_ID"
    targeting_types: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    start_hour: int | None = None
    end_hour: int | None = None
    account_zone: bool = False  # reporting_timezone AD_ACCOUNT_TIME_ZONE


def _enum(body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is not None and value not in allowed:
        raise bad_request(f"Invalid request: '{name}' value {value!r} is not one of {list(allowed)}")
    return value


def _list(body: dict[str, Any], name: str, allowed: Collection[str] | None, most: int) -> tuple[str, ...]:
    value = body.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise bad_request(f"Invalid request: '{name}' must be a non-empty array of strings")
    if len(value) > most:
        raise bad_request(f"Invalid request: '{name}' has {len(value)} items, the maximum is {most}")
    for item in value:
        if allowed is None and not item.isdigit():
            raise bad_request(f"Invalid request: '{name}' value '{item}' must match the pattern: ^\\d+$")
        if allowed is not None and item not in allowed:
            raise bad_request(f"Invalid request: '{name}' value '{item}' is not valid")
    return tuple(value)


def _day(body: dict[str, Any], name: str) -> date:
    text = body[name]
    if not isinstance(text, str) or not _DATE.match(text):
        raise bad_request(f"Invalid request: '{name}' must match the pattern ^(\\d{{4}})-(\\d{{2}})-(\\d{{2}})$")
    try:
        return parse_day(text)
    except ValueError:
        raise bad_request(f"Invalid request: '{name}' value '{text}' is not a valid date") from None


def _window(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if value not in WINDOWS or isinstance(value, bool):
        raise bad_request(f"Invalid request: '{name}' value {value!r} is not one of {list(WINDOWS)}")
    return int(value)


def parse_report_request(raw: bytes, today: date) -> ReportSpec:
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        raise bad_request("Invalid request: the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("Invalid request: this endpoint takes its parameters as a JSON object in the request body")
    for name in ("start_date", "end_date", "granularity", "level", "columns"):
        if name not in body:
            raise bad_request(f"Invalid request: missing required field '{name}'")
    start, end = _day(body, "start_date"), _day(body, "end_date")
    granularity = str(_enum(body, "granularity", GRANULARITIES))
    level = str(_enum(body, "level", REPORT_LEVELS))
    columns = _list(body, "columns", _ASYNC, 1000)
    if not columns:
        raise bad_request("Invalid request: 'columns' must be a non-empty array")
    targeting = _list(body, "targeting_types", ASYNC_TARGETING_TYPES, 5)  # TargetingTypeFilter maxItems
    if targeting and not level.endswith("_TARGETING"):
        raise bad_request("Invalid request: targeting_types requires a level ending in _TARGETING")
    if level.endswith("_TARGETING") and not targeting:
        raise bad_request(f"Invalid request: level {level} requires targeting_types")
    filters = {
        name: _list(body, name, allowed, most)
        for name, allowed, most in (
            ("campaign_ids", None, 500),
            ("ad_group_ids", None, 500),
            ("ad_ids", None, 500),
            ("product_group_ids", None, 500),
            ("product_item_ids", None, 500),
            ("campaign_statuses", _RUN_STATUSES, 6),
            ("ad_group_statuses", _RUN_STATUSES, 6),
            ("ad_statuses", _AD_STATUSES, 6),
            ("campaign_objective_types", _OBJECTIVES, 7),
        )
    }
    _list(body, "attribution_types", ("INDIVIDUAL", "HOUSEHOLD"), 2)
    hours = [body.get("start_hour"), body.get("end_hour")]
    if any(h is not None for h in hours) and granularity != "HOUR":
        raise bad_request("Invalid request: start_hour and end_hour are only allowed for hourly reports")
    for h in hours:
        if h is not None and (not isinstance(h, int) or not 0 <= h <= 23):
            raise bad_request("Invalid request: start_hour and end_hour must be integers from 0 to 23")
    limits = facts.date_limits(level, granularity)
    if level.startswith("PRODUCT_ITEM"):
        if filters["ad_ids"] or filters["ad_statuses"]:
            raise bad_request("Invalid request: ad_ids and ad_statuses are not allowed for PRODUCT_ITEM reports")
        check_range(start, end, today, *limits, " for PRODUCT_ITEM reports")
    elif granularity == "HOUR":
        check_range(start, end, today, *limits, " for HOUR granularity")
    else:
        check_range(start, end, today, *limits)
    attribution = Attribution(
        **{key: _window(body, key, default) for key, default in facts.ATTRIBUTION_DEFAULTS.items()},
        conversion_report_time=str(
            _enum(body, "conversion_report_time", facts.CONVERSION_REPORT_TIMES, facts.DEFAULT_CONVERSION_REPORT_TIME)
        ),
    )
    return ReportSpec(
        level=level,
        start=start,
        end=end,
        granularity=granularity,
        columns=tuple(dict.fromkeys(columns)),
        attribution=attribution,
        report_format=str(_enum(body, "report_format", ("JSON", "CSV"), "JSON")),
        primary_sort=str(_enum(body, "primary_sort", ("BY_ID", "BY_DATE"), "BY_ID")),
        targeting_types=targeting,
        filters={k: v for k, v in filters.items() if v},
        start_hour=hours[0],
        end_hour=hours[1],
        account_zone=_enum(body, "reporting_timezone", REPORTING_TIME_ZONES) == "AD_ACCOUNT_TIME_ZONE",
    )
