"""Top pins, targeting options and metric readiness: the endpoints behind the connector's extra streams and columns.

- `/user_account/analytics/top_pins` and `/top_video_pins`: the user's pins (video pins only for the second) ranked by
  the `sort_by` metric summed over start_date..end_date, best first (ties by pin id), at most `num_of_pins` (10; 50).
- `/resources/targeting/{targeting_type}`: `[{value: name}]` for every value the scenario's targeting uses.
  INTEREST lists only top-level interests (ids whose last digit is even); the others answer
  `/resources/targeting/interests/{id}`.
  AUDIENCE_INCLUDE / AUDIENCE_EXCLUDE name the audiences of `ad_account_id`.
- `/resources/metrics_ready_state?date=`: non-conversion metrics are final once the day is over plus one day,
  conversion metrics once no conversion can still be attributed to it (the longest attribution window, 60 days,
  has passed).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from .clock import day_start_ts
from .context import Ctx
from .handlers_analytics import _dates  # the same 90-day rules as user account analytics
from .organic import APPS, PIN_FIELDS, data_status, metric_values, pin_day, reported
from .params import ApiError, bad_request
from .spec_enums import PIN_VIDEO_METRICS, USER_ACCOUNT_METRICS
from .targeting import PINNER_INTERESTS
from .world import World

TOP_PIN_SORTS = ("ENGAGEMENT", "IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE")
TOP_VIDEO_SORTS = (
    "IMPRESSION", "SAVE", "OUTBOUND_CLICK", "VIDEO_MRC_VIEW", "VIDEO_AVG_WATCH_TIME", "VIDEO_V50_WATCH_TIME",
    "QUARTILE_95_PERCENT_VIEW", "VIDEO_10S_VIEW", "VIDEO_START",
)  # fmt: skip
TOP_VIDEO_METRICS = tuple(m for m in PIN_VIDEO_METRICS if m in TOP_VIDEO_SORTS)
TARGETING_RESOURCE_TYPES = (
    "APPTYPE", "GENDER", "LOCALE", "AGE_BUCKET", "LOCATION", "GEO", "INTEREST", "KEYWORD", "AUDIENCE_INCLUDE",
    "AUDIENCE_EXCLUDE",
)  # fmt: skip
CONVERSION_FINAL_AFTER_DAYS = 60
NON_CONVERSION_FINAL_AFTER_DAYS = 1
_APPTYPES = {
    "iphone": "iPhone", "ipad": "iPad", "android_mobile": "Android phone", "android_tablet": "Android tablet",
    "web": "Desktop web", "web_mobile": "Mobile web",
}  # fmt: skip
_GENDERS = {"female": "Female", "male": "Male", "unknown": "Unspecified"}
_AGES = ("18-24", "25-34", "35-44", "45-49", "50-54", "55-64", "65+")
_COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany", "FR": "France",
              "AU": "Australia"}  # fmt: skip
_ZIPS = {"US": "94102", "CA": "M5V", "GB": "SW1A", "DE": "10115", "FR": "75001", "AU": "2000"}
_WORDS = ("Cozy", "Rustic", "Modern", "Vintage", "Bold", "Minimal", "Boho", "Classic", "Coastal", "Urban")
_TOPICS = ("living rooms", "cakes", "sneakers", "gardens", "weddings", "road trips", "skincare", "knitting")


# ------------------------------------------------------------------------------------------------------ top pins
def top_pins(world: World, start: date, end: date, sort_by: str, metrics: list[str], count: int, video: bool) -> Any:
    today = world.today.toordinal()
    last = min(end.toordinal(), today)
    names = list(dict.fromkeys([*metrics, sort_by]))
    ranked = []
    for pin_id in world.pins:
        profile = world.pin_profiles[pin_id]
        if video and not profile.video:
            continue
        total, statuses = [0] * len(PIN_FIELDS), {}
        for ordinal in range(start.toordinal(), last + 1):
            per_app = pin_day(profile, ordinal)
            if per_app is None:
                continue
            for a in range(len(APPS)):
                total = [x + y for x, y in zip(total, reported(per_app[a], ordinal, today), strict=True)]
            statuses[date.fromordinal(ordinal).isoformat()] = data_status(ordinal, today)
        if not statuses:
            continue
        values = metric_values(total, names, profile.video)
        ranked.append((-values.get(sort_by, 0), int(pin_id), pin_id, values, statuses))
    ranked.sort()
    pins = [
        {"pin_id": pin_id, "metrics": {m: values[m] for m in metrics if m in values}, "data_status": statuses}
        for _, _, pin_id, values, statuses in ranked[:count]
    ]
    latest = (day_start_ts(today) - 1) * 1000  # the end of yesterday (UTC), in milliseconds
    return {"date_availability": {"is_realtime": False, "latest_available_timestamp": latest}, "pins": pins,
            "sort_by": sort_by}  # fmt: skip


def _top_handler(video: bool) -> Any:
    sorts = TOP_VIDEO_SORTS if video else TOP_PIN_SORTS
    allowed = TOP_VIDEO_METRICS if video else USER_ACCOUNT_METRICS

    def handler(ctx: Ctx) -> Any:
        p = ctx.params
        p.required("start_date")
        p.required("end_date")
        sort_by = p.required("sort_by", sorts)
        metrics = p.enums("metric_types", allowed, default=allowed)
        count = p.integer("num_of_pins", 10)
        if not 1 <= count <= 50:
            raise bad_request("Invalid request: num_of_pins must be between 1 and 50.")
        start, end = _dates(p, ctx.world.today)
        return top_pins(ctx.world, start, end, sort_by, list(metrics), count, video)

    return handler


top_pins_handler = _top_handler(video=False)
top_video_pins_handler = _top_handler(video=True)


# ------------------------------------------------------------------------------------------- targeting options
def _digest(value: str) -> int:
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big")


def interest_name(interest_id: str) -> str:
    n = _digest(interest_id)
    return f"{_WORDS[n % len(_WORDS)]} {_TOPICS[n // 7 % len(_TOPICS)]}"


def is_top_level_interest(interest_id: str) -> bool:
    return int(interest_id[-1]) % 2 == 0


def _specs(world: World) -> list[dict[str, Any]]:
    return [g.record.get("targeting_spec") or {} for g in world.ad_groups.values()]


def targeting_options(world: World, targeting_type: str, ad_account_id: str | None) -> dict[str, str]:
    """value -> readable name of one targeting type, for the values the world's ad groups use."""
    specs = _specs(world)
    if targeting_type == "APPTYPE":
        return dict(_APPTYPES)
    if targeting_type == "GENDER":
        return dict(_GENDERS)
    if targeting_type == "AGE_BUCKET":
        return {age: f"Ages {age}" for age in _AGES}
    if targeting_type == "LOCALE":
        return {"en-US": "English (US)", "en-GB": "English (UK)", "de-DE": "German", "fr-FR": "French"}
    if targeting_type == "LOCATION":
        ids = sorted({int(x) for s in specs for x in s.get("LOCATION") or []} | {811})
        return {str(i): "U.S.: Reno" if i == 811 else f"U.S.: Metro area {i}" for i in ids}
    if targeting_type == "GEO":
        return {f"{c}:{_ZIPS[c]}": f"{name}: {_ZIPS[c]}" for c, name in _COUNTRIES.items()} | dict(_COUNTRIES)
    if targeting_type == "INTEREST":
        targeted = {x for s in specs for x in s.get("INTEREST") or [] if is_top_level_interest(x)}
        ids = sorted(targeted | set(PINNER_INTERESTS))
        return {i: interest_name(i) for i in ids}
    if targeting_type == "KEYWORD":
        return {k["value"]: k["value"] for k in world.keywords.values()}
    if not ad_account_id:  # AUDIENCE_INCLUDE / AUDIENCE_EXCLUDE name an account's audiences
        return {}
    audiences = world.audiences.get(ad_account_id, []) + world.received_audiences.get(ad_account_id, [])
    return {str(a["id"]): str(a["name"]) for a in audiences}


def targeting_options_handler(ctx: Ctx) -> Any:
    targeting_type = ctx.path_params["targeting_type"]
    if targeting_type not in TARGETING_RESOURCE_TYPES:
        raise bad_request(f"Invalid targeting type: {targeting_type}.")
    account = ctx.params.text("ad_account_id")
    if account is not None and account not in ctx.world.ad_accounts:
        raise ApiError(404, 2, "AdAccount not found.")
    return [targeting_options(ctx.world, targeting_type, account)]


def interest_handler(ctx: Ctx) -> Any:
    interest_id = ctx.path_params["interest_id"]
    known = {x for s in _specs(ctx.world) for x in s.get("INTEREST") or []}
    if not interest_id.isdigit() or interest_id not in known:
        raise ApiError(404, 404, "Interest not found.")
    top = is_top_level_interest(interest_id)
    return {"id": interest_id, "name": interest_name(interest_id), "level": 1 if top else 2, "child_interests": []}


# --------------------------------------------------------------------------------------------- metric readiness
def metrics_ready_state(world: World, day: date) -> dict[str, bool]:
    age = world.today.toordinal() - day.toordinal()
    return {
        "conversion_metrics_ready": age > CONVERSION_FINAL_AFTER_DAYS,
        "non_conversion_metrics_ready": age > NON_CONVERSION_FINAL_AFTER_DAYS,
    }


def metrics_ready_state_handler(ctx: Ctx) -> Any:
    ctx.params.required("date")
    return metrics_ready_state(ctx.world, ctx.params.day("date"))
