"""Organic (unpaid) pin and user-account analytics.

Each pin has daily counters per app type (MOBILE, TABLET, WEB) that decay with the pin's age. User-account
analytics are the sum over the user's pins, day by day. Recent days are not final, as on Pinterest:
today is PROCESSING (the part of the day so far), the two days before are ESTIMATE (90% of the final value, floored),
older days are READY. So values of the last three days change when the clock advances.

Response maps (`PinAnalyticsResponse`, `AnalyticsResponse`) are keyed "all" without a split; with
split_field=APP_TYPE by "MOBILE", "TABLET", "WEB"; user analytics with PIN_FORMAT by "ORGANIC_IMAGE" and
"ORGANIC_VIDEO"; OWNED_CONTENT puts everything under "CLAIMED" and SOURCE under "YOUR_PINS".
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from .clock import NOW_HOUR, iso_date, ordinal_of_ts
from .world import World

APPS: tuple[str, ...] = ("MOBILE", "TABLET", "WEB")
PIN_FIELDS: tuple[str, ...] = (
    "IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE", "TOTAL_COMMENTS", "TOTAL_REACTIONS", "USER_FOLLOW",
    "PROFILE_VISIT", "VIDEO_MRC_VIEW", "VIDEO_10S_VIEW", "QUARTILE_95_PERCENT_VIEW", "VIDEO_V50_WATCH_TIME",
    "VIDEO_START",
)  # fmt: skip
P = {name: i for i, name in enumerate(PIN_FIELDS)}
_STANDARD_ONLY = frozenset({"USER_FOLLOW", "PROFILE_VISIT"})
_VIDEO_ONLY = frozenset({"VIDEO_MRC_VIEW", "VIDEO_10S_VIEW", "QUARTILE_95_PERCENT_VIEW", "VIDEO_V50_WATCH_TIME",
                         "VIDEO_START", "VIDEO_AVG_WATCH_TIME"})  # fmt: skip
ESTIMATE_DAYS = 2

Counters = tuple[int, ...]


@dataclass(eq=False, frozen=True)
class PinProfile:
    key: int
    video: bool
    created: int  # ordinal
    launch: float  # impressions on the first day
    half_life: float  # days
    floor: float  # long-tail impressions per day
    click_rate: float
    outbound_rate: float
    save_rate: float
    app_weights: tuple[int, int, int]


def make_pin_profile(seed: int, pin_id: str, video: bool, created_ts: int) -> PinProfile:
    rng = random.Random(f"{seed}|pin|{pin_id}")
    mobile, tablet = rng.randint(55, 80), rng.randint(3, 12)
    return PinProfile(
        key=seed * 1_000_003 + int(pin_id) % 10**15,
        video=video,
        created=ordinal_of_ts(created_ts),
        launch=rng.lognormvariate(5.5, 1.0),
        half_life=rng.uniform(3, 40),
        floor=rng.uniform(0, 25),
        click_rate=rng.uniform(0.005, 0.04),
        outbound_rate=rng.uniform(0.002, 0.02),
        save_rate=rng.uniform(0.002, 0.03),
        app_weights=(mobile, tablet, 100 - mobile - tablet),
    )


@lru_cache(maxsize=65_536)
def pin_day(p: PinProfile, ordinal: int) -> tuple[Counters, Counters, Counters] | None:
    """Final counters of one pin on one day, per app type (MOBILE, TABLET, WEB); None before the pin existed."""
    age = ordinal - p.created
    if age < 0:
        return None
    r = random.Random(p.key * 1_000_033 + ordinal).random
    imp = int((p.launch * 0.5 ** (age / p.half_life) + p.floor) * (0.5 + r()))
    v = [0] * len(PIN_FIELDS)
    v[P["IMPRESSION"]] = imp
    v[P["PIN_CLICK"]] = int(imp * p.click_rate * (0.5 + r()))
    v[P["OUTBOUND_CLICK"]] = int(imp * p.outbound_rate * (0.5 + r()))
    v[P["SAVE"]] = int(imp * p.save_rate * (0.5 + r()))
    v[P["TOTAL_COMMENTS"]] = int(imp * 0.001 * r())
    v[P["TOTAL_REACTIONS"]] = int(imp * 0.004 * r())
    if p.video:
        starts = int(imp * (0.3 + 0.3 * r()))
        v[P["VIDEO_START"]], v[P["VIDEO_MRC_VIEW"]] = starts, int(starts * 0.6)
        v[P["VIDEO_10S_VIEW"]], v[P["QUARTILE_95_PERCENT_VIEW"]] = int(starts * 0.3), int(starts * 0.12)
        v[P["VIDEO_V50_WATCH_TIME"]] = int(starts * (1500 + 4000 * r()))  # milliseconds
    else:
        v[P["USER_FOLLOW"]] = int(imp * 0.0008 * r())
        v[P["PROFILE_VISIT"]] = int(imp * 0.003 * r())
    _, tablet_weight, web_weight = p.app_weights
    total = sum(p.app_weights)
    tablet = tuple(x * tablet_weight // total for x in v)
    web = tuple(x * web_weight // total for x in v)
    mobile = tuple(x - t - w for x, t, w in zip(v, tablet, web, strict=True))  # MOBILE takes the remainder
    return mobile, tablet, web


def data_status(ordinal: int, today: int) -> str:
    if ordinal >= today:
        return "PROCESSING"
    return "ESTIMATE" if ordinal >= today - ESTIMATE_DAYS else "READY"


def reported(counters: Counters, ordinal: int, today: int) -> Counters:
    """What the API shows today for a day's final counters."""
    if ordinal >= today:
        return tuple(x * NOW_HOUR // 24 for x in counters)
    if ordinal >= today - ESTIMATE_DAYS:
        return tuple(x * 9 // 10 for x in counters)
    return counters


def _add(a: Sequence[int], b: Sequence[int]) -> list[int]:
    return [x + y for x, y in zip(a, b, strict=True)]


def metric_values(counters: Sequence[int], names: Iterable[str], video: bool | None) -> dict[str, int | float]:
    """Requested metric values from summed counters; `video` None (user analytics) allows every metric."""
    out: dict[str, int | float] = {}
    imp = counters[P["IMPRESSION"]]
    engagement = sum(
        counters[P[n]] for n in ("PIN_CLICK", "OUTBOUND_CLICK", "SAVE", "TOTAL_COMMENTS", "TOTAL_REACTIONS")
    )
    for name in names:
        if video is True and name in _STANDARD_ONLY or video is False and name in _VIDEO_ONLY:
            continue
        if name in P:
            out[name] = counters[P[name]]
        elif name == "SAVE_RATE":
            out[name] = counters[P["SAVE"]] / imp if imp else 0
        elif name == "VIDEO_AVG_WATCH_TIME":
            starts = counters[P["VIDEO_START"]]
            out[name] = counters[P["VIDEO_V50_WATCH_TIME"]] / starts if starts else 0
        elif name == "ENGAGEMENT":
            out[name] = engagement
        elif name in ("ENGAGEMENT_RATE", "OUTBOUND_CLICK_RATE", "PIN_CLICK_RATE"):
            numerator = engagement if name == "ENGAGEMENT_RATE" else counters[P[name[: -len("_RATE")]]]
            out[name] = numerator / imp if imp else 0
    return out


def _block(days: list[tuple[int, Counters | None]], names: Sequence[str], video: bool | None, today: int) -> dict:
    daily, total = [], [0] * len(PIN_FIELDS)
    for ordinal, counters in days:
        if counters is None:
            daily.append({"date": iso_date(ordinal), "data_status": "BEFORE_PIN_CREATED", "metrics": {}})
            continue
        total = _add(total, counters)
        daily.append(
            {
                "date": iso_date(ordinal),
                "data_status": data_status(ordinal, today),
                "metrics": metric_values(counters, names, video),
            }
        )
    return {"daily_metrics": daily, "summary_metrics": metric_values(total, names, video)}


def _days(start: date, end: date, today: int) -> range:
    return range(start.toordinal(), min(end.toordinal(), today) + 1)


def pin_analytics(
    world: World, pin_id: str, start: date, end: date, metric_types: Sequence[str], app_types: str, split_field: str
) -> dict[str, Any]:
    """PinAnalyticsResponse for one pin."""
    profile = world.pin_profiles[pin_id]
    today = world.today.toordinal()
    apps = [a for a in range(len(APPS)) if app_types in ("ALL", APPS[a])]
    keys = [(APPS[a], [a]) for a in apps] if split_field == "APP_TYPE" else [("all", apps)]
    out: dict[str, Any] = {}
    for key, selected in keys:
        days: list[tuple[int, Counters | None]] = []
        for ordinal in _days(start, end, today):
            per_app = pin_day(profile, ordinal)
            if per_app is None:
                days.append((ordinal, None))
                continue
            # Rounding happens per app type, so that "all" is exactly the sum of the app types.
            shown = [reported(per_app[a], ordinal, today) for a in selected]
            days.append((ordinal, tuple(sum(col) for col in zip(*shown, strict=True))))
        block = _block(days, metric_types, profile.video, today)
        block["lifetime_metrics"] = lifetime_metrics(profile, today)
        out[key] = block
    return out


def lifetime_metrics(p: PinProfile, today: int) -> dict[str, int]:
    """Closed-form lifetime totals (the integral of the decay curve), not a sum of the daily values."""
    age = max(0, today - p.created)
    impressions = p.launch * p.half_life / 0.693 * (1 - 0.5 ** (age / p.half_life)) + p.floor * age
    return {"TOTAL_COMMENTS": int(impressions * 0.0005), "TOTAL_REACTIONS": int(impressions * 0.002)}


def pin_metrics_field(world: World, pin_id: str) -> dict[str, Any]:
    """The `pin_metrics` object of a pin listed with pin_metrics=true: last 90 days and lifetime."""
    profile = world.pin_profiles[pin_id]
    today = world.today.toordinal()
    total = [0] * len(PIN_FIELDS)
    for ordinal in range(today - 90, today):
        per_app = pin_day(profile, ordinal)
        if per_app is not None:
            for counters in per_app:
                total = _add(total, reported(counters, ordinal, today))
    recent = {
        "impression": total[P["IMPRESSION"]],
        "pin_click": total[P["PIN_CLICK"]],
        "clickthrough": total[P["OUTBOUND_CLICK"]],
        "save": total[P["SAVE"]],
    }
    lifetime = lifetime_metrics(profile, today)
    return {
        "90d": recent,
        "lifetime_metrics": {
            **{k: max(v, recent[k]) for k, v in recent.items()},
            "reaction": lifetime["TOTAL_REACTIONS"],
            "comment": lifetime["TOTAL_COMMENTS"],
        },
    }


def _user_day(world: World, ordinal: int, pin_format: str) -> tuple[Counters, ...]:
    """Per-app sums of what the user's pins of one format show for a day (cached until the world changes)."""
    key = ("user_day", ordinal, pin_format)
    if key not in world.cache:
        sums = [[0] * len(PIN_FIELDS) for _ in APPS]
        for pin_id, profile in world.pin_profiles.items():
            if pin_id not in world.pins or not _format_matches(profile, pin_format):
                continue
            per_app = pin_day(profile, ordinal)
            if per_app is not None:
                for a in range(len(APPS)):
                    sums[a] = _add(sums[a], reported(per_app[a], ordinal, world.today.toordinal()))
        world.cache[key] = tuple(tuple(s) for s in sums)
    return world.cache[key]  # type: ignore[no-any-return]


def _format_matches(profile: PinProfile, pin_format: str) -> bool:
    return pin_format == "ALL" or pin_format == ("ORGANIC_VIDEO" if profile.video else "ORGANIC_IMAGE")


def user_account_analytics(
    world: World,
    start: date,
    end: date,
    metric_types: Sequence[str],
    app_types: str = "ALL",
    split_field: str = "NO_SPLIT",
    pin_format: str = "ALL",
    content_type: str = "ALL",
    source: str = "ALL",
) -> dict[str, Any]:
    """AnalyticsResponse: organic metrics of all the user's pins (no paid data: PAID and OTHER_PINS are empty)."""
    today = world.today.toordinal()
    apps = [a for a in range(len(APPS)) if app_types in ("ALL", APPS[a])]
    empty = content_type == "PAID" or source == "OTHER_PINS"
    if split_field == "APP_TYPE":
        keys = [(APPS[a], pin_format, [a]) for a in apps]
    elif split_field == "PIN_FORMAT":
        keys = [(f, f, apps) for f in ("ORGANIC_IMAGE", "ORGANIC_VIDEO") if pin_format in ("ALL", f)]
    else:
        keys = [({"OWNED_CONTENT": "CLAIMED", "SOURCE": "YOUR_PINS"}.get(split_field, "all"), pin_format, apps)]
    out: dict[str, Any] = {}
    for key, fmt, selected in keys:
        days: list[tuple[int, Counters | None]] = []
        for ordinal in _days(start, end, today):
            per_app = _user_day(world, ordinal, fmt)
            summed = tuple(0 if empty else sum(per_app[a][i] for a in selected) for i in range(len(PIN_FIELDS)))
            days.append((ordinal, summed))
        out[key] = _block(days, metric_types, None, today)
    return out
