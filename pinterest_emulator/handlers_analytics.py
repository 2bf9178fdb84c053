"""Sync analytics endpoints: ads (flat rows), targeting (nested metrics), organic pins and user account.

Date limits, from the spec: start_date at most 90 days before today (UTC, the emulator's today) and end_date at
most 90 days after start_date; for HOUR granularity 8 days back and a 3-day range.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from source_pinterest import facts

from .analytics import Attribution, Query, run
from .context import Ctx
from .organic import pin_analytics, user_account_analytics
from .params import ApiError, Params, bad_request
from .spec_enums import PIN_STANDARD_METRICS, PIN_VIDEO_METRICS, SYNC_COLUMNS, TARGETING_TYPES, USER_ACCOUNT_METRICS
from .targeting import run_targeting

GRANULARITIES = ("TOTAL", "DAY", "HOUR", "WEEK", "MONTH")
WINDOWS = facts.ATTRIBUTION_DAYS
APP_TYPES = facts.PIN_APP_TYPES
_SYNC = frozenset(SYNC_COLUMNS)
PIN_METRICS = tuple(dict.fromkeys(PIN_STANDARD_METRICS + PIN_VIDEO_METRICS))


def check_range(start: date, end: date, today: date, back: int, span: int, what: str = "") -> None:
    if end < start:
        raise bad_request(f"Invalid request: end_date {end} is before start_date {start}.")
    if (today - start).days > back:
        raise bad_request(
            f"Invalid request: start_date {start} is more than {back} days before today ({today}, UTC){what}. "
            f"You can only get data from the last {back} days."
        )
    if (end - start).days > span:
        raise bad_request(f"Invalid request: end_date can not be more than {span} days past start_date{what}.")


def _dates(p: Params, today: date, granularity: str = "DAY") -> tuple[date, date]:
    start, end = p.day("start_date"), p.day("end_date")
    limits = facts.sync_date_limits(granularity)  # 90 days back and wide; HOUR: 8 back, 3 wide
    check_range(start, end, today, *limits, " for HOUR granularity" if granularity == "HOUR" else "")
    return start, end


def _columns(p: Params, allowed: frozenset[str]) -> list[str]:
    columns = p.items("columns")
    if not columns:
        raise bad_request("Invalid request: missing required parameter 'columns'")
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise bad_request(f"Invalid request: unknown columns {unknown}")
    return list(dict.fromkeys(columns))


def _attribution(p: Params) -> Attribution:
    return Attribution(
        **{key: p.integer(key, default, WINDOWS) for key, default in facts.ATTRIBUTION_DEFAULTS.items()},
        conversion_report_time=p.text(
            "conversion_report_time", facts.DEFAULT_CONVERSION_REPORT_TIME, facts.CONVERSION_REPORT_TIMES
        )
        or facts.DEFAULT_CONVERSION_REPORT_TIME,
    )


def _query(ctx: Ctx, level: str) -> Query:
    account = ctx.account()
    p, world = ctx.params, ctx.world
    for name in ("start_date", "end_date", "columns", "granularity"):
        p.required(name)
    columns = _columns(p, _SYNC)
    granularity = p.required("granularity", GRANULARITIES)
    attribution = _attribution(p)
    account_zone = reporting_timezone(ctx, p.text("reporting_timezone", choices=REPORTING_TIME_ZONES), account)
    ids = _entity_ids(ctx, level, account)
    start, end = _dates(p, world.today, granularity)
    aggregate = level in ("CAMPAIGN", "AD_GROUP") and p.boolean("aggregate_report_rows", False)
    return Query(level, ids, start, end, columns, granularity, attribution, aggregate, account_zone)


REPORTING_TIME_ZONES = ("PINTEREST_TIME_ZONE", "AD_ACCOUNT_TIME_ZONE")  # the spec's ReportingTimeZone


def reporting_timezone(ctx: Ctx, zone: str | None, account: str) -> bool:
    """Whether rows are dated in the ad account's zone; 403 when the scenario keeps that beta closed for it."""
    if zone != "AD_ACCOUNT_TIME_ZONE":
        return False
    if not ctx.scenario.beta_open("reporting_timezone", ctx.world.ad_accounts, account):
        raise ApiError(403, 29, "reporting_timezone is in beta and not available to your app.")
    return True


def _entity_ids(ctx: Ctx, level: str, account: str) -> list[str]:
    p, world = ctx.params, ctx.world
    if level == "AD_ACCOUNT":
        return [account]
    if level == "CAMPAIGN":
        return [i for i in p.ids("campaign_ids", 250, required=True) if _in_account(world.campaigns, i, account)]
    if level == "AD_GROUP":
        return [i for i in p.ids("ad_group_ids", 250, required=True) if _in_account(world.ad_groups, i, account)]
    ad_ids = p.ids("ad_ids", 250)
    if ad_ids:
        return [i for i in ad_ids if _in_account(world.ads, i, account)]
    campaign_ids, pin_ids = p.ids("campaign_ids", 250), p.ids("pin_ids", 100)
    if not (campaign_ids and pin_ids):
        raise bad_request("Invalid request: the request must contain either ad_ids or both campaign_ids and pin_ids")
    pins = set(pin_ids)
    return [
        ad.id
        for c in campaign_ids
        if _in_account(world.campaigns, c, account)
        for ad in world.ads_under(c)
        if ad.record["pin_id"] in pins
    ]


def _in_account(nodes: dict[str, Any], node_id: str, account: str) -> bool:
    node = nodes.get(node_id)
    return node is not None and str(node.record["ad_account_id"]) == account


def ads_analytics(level: str) -> Any:
    def handler(ctx: Ctx) -> Any:
        return run(ctx.world, _query(ctx, level))

    return handler


# Targeting types the spec's targeting_types descriptions mark "in BETA and not yet available to all users".
BETA_TARGETING_TYPES = {
    "AD_ACCOUNT": ("AGE_BUCKET_AND_GENDER",),
    "CAMPAIGN": ("AGE_BUCKET_AND_GENDER",),
    "AD_GROUP": ("AGE_BUCKET_AND_GENDER", "CREATIVE_ENHANCEMENTS"),
    "AD": ("AGE_BUCKET_AND_GENDER",),
}


def targeting_analytics(level: str) -> Any:
    allowed = TARGETING_TYPES[level]
    most = 15 if level == "AD_ACCOUNT" else 14

    def handler(ctx: Ctx) -> Any:
        ctx.params.required("targeting_types")
        types = ctx.params.enums("targeting_types", allowed, max_items=most)
        closed = [t for t in types if t in BETA_TARGETING_TYPES[level]]
        account = ctx.account()
        if closed and not ctx.scenario.beta_open("targeting", ctx.world.ad_accounts, account):
            # the first one, as an API that validates one parameter value at a time
            raise bad_request(
                f"Invalid parameters: targeting_types {closed[0]} is in BETA and not yet available to this ad account."
            )
        ctx.params.enums("attribution_types", ("INDIVIDUAL", "HOUSEHOLD"), max_items=2)
        return {"data": run_targeting(ctx.world, _query(ctx, level), types)}

    return handler


# ---------------------------------------------------------------------------------------------------- organic
def _organic_common(ctx: Ctx, metric_types: tuple[str, ...], required: bool) -> tuple[date, date, list[str]]:
    p = ctx.params
    p.required("start_date")
    p.required("end_date")
    if required:
        p.required("metric_types")
    metrics = p.enums("metric_types", metric_types, default=() if required else metric_types)
    start, end = _dates(p, ctx.world.today)
    return start, end, metrics


def _pin(ctx: Ctx, pin_id: str) -> None:
    pin = ctx.world.pins.get(pin_id)
    secret = pin is not None and ctx.world.boards[pin["board_id"]]["privacy"] == "SECRET"
    if pin is None or (secret and not ctx.can_see_secret()):
        raise ApiError(404, 404, "Pin not found.")


def pin_analytics_handler(ctx: Ctx) -> Any:
    pin_id = ctx.path_params["pin_id"]
    _pin(ctx, pin_id)
    start, end, metrics = _organic_common(ctx, PIN_METRICS, required=True)
    app_types = ctx.params.text("app_types", "ALL", APP_TYPES) or "ALL"
    split = ctx.params.text("split_field", "NO_SPLIT", ("NO_SPLIT", "APP_TYPE")) or "NO_SPLIT"
    return pin_analytics(ctx.world, pin_id, start, end, metrics, app_types, split)


def bulk_pin_analytics(ctx: Ctx) -> Any:
    if not ctx.scenario.beta_open("multi_pin", ctx.world.ad_accounts, ctx.params.text("ad_account_id")):
        raise ApiError(403, 29, "This endpoint is in beta and not available to your app.")
    pin_ids = ctx.params.ids("pin_ids", 100, required=True)
    start, end, metrics = _organic_common(ctx, PIN_METRICS, required=True)
    app_types = ctx.params.text("app_types", "ALL", APP_TYPES) or "ALL"
    found = [i for i in pin_ids if i in ctx.world.pins]
    if not found:
        raise ApiError(404, 404, "Pin not found.")
    return {i: pin_analytics(ctx.world, i, start, end, metrics, app_types, "NO_SPLIT") for i in found}


def user_analytics(ctx: Ctx) -> Any:
    start, end, metrics = _organic_common(ctx, USER_ACCOUNT_METRICS, required=False)
    p = ctx.params
    p.text("from_claimed_content", "BOTH", ("OTHER", "CLAIMED", "BOTH"))
    formats = (
        "ALL",
        "ORGANIC_IMAGE",
        "ORGANIC_PRODUCT",
        "ORGANIC_VIDEO",
        "ADS_STANDARD",
        "ADS_PRODUCT",
        "ADS_VIDEO",
        "ADS_IDEA",
    )
    return user_account_analytics(
        ctx.world,
        start,
        end,
        metrics,
        app_types=p.text("app_types", "ALL", APP_TYPES) or "ALL",
        split_field=p.text("split_field", "NO_SPLIT", ("NO_SPLIT", "APP_TYPE", "OWNED_CONTENT", "SOURCE", "PIN_FORMAT"))
        or "NO_SPLIT",
        pin_format=p.text("pin_format", "ALL", formats) or "ALL",
        content_type=p.text("content_type", "ALL", ("ALL", "PAID", "ORGANIC")) or "ALL",
        source=p.text("source", "ALL", ("ALL", "YOUR_PINS", "OTHER_PINS")) or "ALL",
    )
