"""Deterministic raw delivery of one ad on one day, and its split into hours.

Each (ad, day) gets a vector of additive counters (BASE_FIELDS) and a handful of conversion events. Everything
reported by the analytics endpoints is a sum of these over ads and days, so ads, ad groups, campaigns and accounts
always add up. Values depend only on (seed, ad id, day): never on the order in which they are asked for.

A conversion event is (type, kind, lag, count, value): `lag` days after the ad action the conversion happens, and it
is reported from the day after that (see analytics.py), so recent days keep changing as conversions arrive.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from functools import lru_cache

from .clock import NOW_HOUR

BASE_FIELDS: tuple[str, ...] = (
    # paid (_1) and earned (_2) delivery
    "IMP1", "IMP1_GROSS", "IMP2", "CLK1", "CLK1_GROSS", "CLK2", "OUT1", "OUT2", "SAVE1", "SAVE2",
    "ENG1", "ENG2", "SPEND", "USERS", "SESS1", "SESS2",
    # video ads only
    "V3S1", "V3S2", "V15U1", "V15U2", "VMRC1", "VMRC2",
    "VP0_1", "VP25_1", "VP50_1", "VP75_1", "VP95_1", "VP100_1",
    "VP0_2", "VP25_2", "VP50_2", "VP75_2", "VP95_2", "VP100_2", "VWATCH", "VSPEND",
    # idea, lead, quiz and showcase ads only
    "IDEA1", "IDEA2", "LEADS", "QUIZ_DONE", "QUIZ_OPEN",
    "SC_PIN_CLK", "SC_SUBPAGE_CLK", "SC_SUBPIN_CLK", "SC_SUBPAGE_IMP", "SC_SUBPIN_IMP",
    "SC_SUBPAGE_SWL", "SC_SUBPAGE_SWR", "SC_SUBPIN_SWL", "SC_SUBPIN_SWR", "SC_SUBPAGE_REPIN", "SC_SUBPIN_REPIN",
    "SC_SUBPAGE_CLOSEUP", "SC_THUMB_FWD", "SC_THUMB_BACK", "SC_SESSIONS",
    # how many ad-days of each creative family a sum covers: a family's columns are absent when it is zero
    "N_VIDEO", "N_IDEA", "N_LEAD", "N_QUIZ", "N_SHOWCASE",
)  # fmt: skip
F: dict[str, int] = {name: i for i, name in enumerate(BASE_FIELDS)}
NB = len(BASE_FIELDS)
FLAG_INDEXES = frozenset(F[n] for n in ("N_VIDEO", "N_IDEA", "N_LEAD", "N_QUIZ", "N_SHOWCASE"))
ZERO: tuple[int, ...] = (0,) * NB

CONVERSION_TYPES: tuple[str, ...] = (
    "CHECKOUT", "ADD_TO_CART", "SIGNUP", "LEAD", "PAGE_VISIT", "CUSTOM", "VIEW_CATEGORY", "SEARCH", "WATCH_VIDEO",
    "UNKNOWN", "ADD_TO_WISHLIST", "SUBSCRIBE", "APP_INSTALL",
)  # fmt: skip
CT: dict[str, int] = {name: i for i, name in enumerate(CONVERSION_TYPES)}
KINDS: tuple[str, ...] = ("CLICK", "ENGAGEMENT", "VIEW")  # the ad action the conversion is attributed to
CHANNELS: tuple[str, ...] = ("WEB", "INAPP", "OFFLINE")  # where the conversion happened
MEASURES: tuple[str, ...] = ("COUNT", "VALUE", "QUANTITY")
NC = len(CONVERSION_TYPES) * len(KINDS) * len(CHANNELS) * len(MEASURES)
_TYPE_WEIGHTS = (10, 14, 5, 4, 40, 4, 8, 5, 2, 1, 2, 1, 2)
_VALUED = frozenset(CT[t] for t in ("CHECKOUT", "ADD_TO_CART", "SIGNUP", "CUSTOM", "SUBSCRIBE"))

# (type, kind, channel, lag days, count, value in micro-currency, quantity of items)
Event = tuple[int, int, int, int, int, int, int]
MAX_LAG = 60


def conv_index(type_index: int, kind: int, channel: int, measure: int) -> int:
    """Position of one (type, kind, channel, measure) total in a conversion vector of length NC."""
    return ((type_index * 3 + kind) * 3 + channel) * 3 + measure


_WEEKDAY = (0.92, 1.0, 1.02, 1.04, 1.0, 0.97, 0.9)  # Sunday-first shape of a week: a little lower at weekends
_HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 8, 8, 7, 7, 7, 8, 9, 10, 10, 8, 6, 4)


@dataclass(eq=False, frozen=True)
class AdProfile:
    """Per-ad constants behind its daily numbers (identity-hashed so it can key caches cheaply)."""

    key: int
    imp_mean: float
    earned_ratio: float
    ctr: float
    out_ratio: float
    save_rate: float
    cpm_micro: float
    user_ratio: float
    video: bool
    idea: bool
    lead: bool
    quiz: bool
    showcase: bool
    conv_per_click: float
    conv_per_imp: float
    type_cumulative: tuple[float, ...]
    value_mean: float


def make_profile(seed: int, ad_id: str, creative_type: str, has_lead_form: bool, daily_impressions: int) -> AdProfile:
    rng = random.Random(f"{seed}|profile|{ad_id}")
    weights = [w * (0.3 + rng.random() * 1.4) for w in _TYPE_WEIGHTS]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return AdProfile(
        key=seed * 1_000_003 + int(ad_id),
        imp_mean=daily_impressions * rng.lognormvariate(0, 0.8),
        earned_ratio=0.05 + rng.random() * 0.35,
        ctr=0.004 + rng.random() * 0.02,
        out_ratio=0.3 + rng.random() * 0.4,
        save_rate=0.002 + rng.random() * 0.01,
        cpm_micro=(2 + rng.random() * 14) * 1_000_000,
        user_ratio=0.55 + rng.random() * 0.35,
        video=creative_type in ("VIDEO", "MAX_VIDEO"),
        idea=creative_type == "IDEA",
        lead=has_lead_form,
        quiz=creative_type == "QUIZ",
        showcase=creative_type == "SHOWCASE",
        conv_per_click=0.02 + rng.random() * 0.12,
        conv_per_imp=rng.random() * 0.0006,
        type_cumulative=tuple(cumulative),
        value_mean=15 + rng.random() * 120,
    )


_VIDEO_SHARES = (0.7, 0.25, 0.55)  # 3-second, 15-second unique and MRC views per video start
_QUARTILES = (1.0, 0.7, 0.5, 0.36, 0.24, 0.2)  # P0..P100 per video start
_SHOWCASE_SHARES = (0.01, 0.006, 0.004, 0.3, 0.2, 0.05, 0.06, 0.03, 0.035, 0.002, 0.0015, 0.02, 0.04, 0.01, 0.012)
_NO_VIDEO = (0,) * 20
_NO_SHOWCASE = (0,) * 15
_LAG_STEPS = ((0.45, 0, 1), (0.72, 1, 3), (0.9, 4, 11), (0.98, 15, 16), (1.01, 31, 30))  # (below, first lag, span)
_APP_INSTALL = CT["APP_INSTALL"]


@lru_cache(maxsize=131_072)  # ~1.3 KB each: a 90-day pass over the large scenario fits
def ad_day(profile: AdProfile, ordinal: int) -> tuple[tuple[int, ...], tuple[Event, ...]] | None:
    """A full day of delivery, or None when the ad did not deliver that day (about 1 day in 25).

    Hot path: values are laid out positionally in BASE_FIELDS order (checked by _check_layout at import)."""
    rng = random.Random(profile.key * 1_000_033 + ordinal)
    r = rng.random
    if r() < 0.04:
        return None
    p = profile
    imp1 = int(p.imp_mean * _WEEKDAY[ordinal % 7] * (0.55 + 0.9 * r()))
    if imp1 == 0:
        return None
    imp2 = int(imp1 * p.earned_ratio * (0.5 + r()))
    clk1 = int(imp1 * p.ctr * (0.6 + 0.8 * r()))
    clk2 = int(imp2 * p.ctr * (0.4 + 0.8 * r()))
    out1 = int(clk1 * p.out_ratio * (0.7 + 0.6 * r()))
    out2 = int(clk2 * p.out_ratio * (0.7 + 0.6 * r()))
    save1 = int(imp1 * p.save_rate * (0.5 + r()))
    save2 = int(imp2 * p.save_rate * (0.5 + r()))
    closeups = int(imp1 * 0.01 * (0.5 + r()))
    spend = int(imp1 * p.cpm_micro * (0.85 + 0.3 * r()) / 1000)
    x = r()
    core = (
        imp1, imp1 + int(imp1 * 0.04 * x), imp2, clk1, clk1 + int(clk1 * 0.06 * x), clk2, out1, out2, save1, save2,
        clk1 + save1 + closeups, clk2 + save2 + int(closeups * p.earned_ratio), spend,
        max(1, int((imp1 + imp2) * p.user_ratio)), int(out1 * (0.6 + 0.3 * x)), int(out2 * (0.6 + 0.3 * x)),
    )  # fmt: skip
    video = _video(imp1, imp2, spend, x) if p.video else _NO_VIDEO
    done = int(imp1 * 0.012 * (0.5 + x)) if p.quiz else 0
    extras = (
        int(clk1 * 0.3 * x) if p.idea else 0,
        int(clk2 * 0.3 * x) if p.idea else 0,
        int(clk1 * 0.08 * (0.3 + x)) if p.lead else 0,
        done,
        int(done * 0.6),
    )
    showcase = tuple(int(imp1 * share * (0.6 + 0.8 * x)) for share in _SHOWCASE_SHARES) if p.showcase else _NO_SHOWCASE
    flags = (int(p.video), int(p.idea), int(p.lead), int(p.quiz), int(p.showcase))
    events = _events(p, clk1 + clk2 + out1, imp1, rng)
    return core + video + extras + showcase + flags, events


def _video(imp1: int, imp2: int, spend: int, x: float) -> tuple[int, ...]:
    starts1, starts2 = int(imp1 * (0.3 + 0.2 * x)), int(imp2 * (0.3 + 0.2 * x))
    views1 = [int(starts1 * s) for s in _VIDEO_SHARES]
    views2 = [int(starts2 * s) for s in _VIDEO_SHARES]
    quartiles1 = tuple(int(starts1 * q) for q in _QUARTILES)
    quartiles2 = tuple(int(starts2 * q) for q in _QUARTILES)
    watch = int((quartiles1[0] + quartiles2[0]) * (2 + 6 * x))
    interleaved = (views1[0], views2[0], views1[1], views2[1], views1[2], views2[2])
    return interleaved + quartiles1 + quartiles2 + (watch, spend)


def _events(p: AdProfile, clicks: int, imp1: int, rng: random.Random) -> tuple[Event, ...]:
    expected = (clicks * p.conv_per_click + imp1 * p.conv_per_imp) * (0.4 + 1.2 * rng.random())
    n = min(6, int(expected))  # at most 6 events a day; busy days get bigger counts instead
    scale = max(1, round(expected / 6)) if n == 6 else 1
    total = p.type_cumulative[-1]
    last_type = len(CONVERSION_TYPES) - 1
    events = []
    for _ in range(n):
        bits = rng.getrandbits(64)  # one draw sliced into the event's independent choices
        type_index = bisect(p.type_cumulative, (bits & 0xFFFF) / 65536 * total)
        type_index = type_index if type_index < last_type else last_type
        kind_draw, channel_draw, count_draw = (bits >> 16) & 0xFF, (bits >> 24) & 0xFF, (bits >> 32) & 0xFF
        lag_draw, lag_pos = ((bits >> 40) & 0xFFFF) / 65536, (bits >> 56) & 0xFF
        kind = 0 if kind_draw < 159 else (1 if kind_draw < 190 else 2)  # 62% click, 12% engagement, 26% view
        # Most conversions follow the action within days; a tail arrives weeks later (beyond 30 days: 60-day windows).
        for below, first_lag, span in _LAG_STEPS:
            if lag_draw < below:
                lag = first_lag + lag_pos % span
                break
        count = (1 if count_draw < 180 else (2 if count_draw < 235 else 3)) * scale
        value, quantity = 0, count
        if type_index in _VALUED:
            value = int(count * p.value_mean * (0.4 + 1.2 * rng.random()) * 100) * 10_000
            quantity = count * (1 + lag_pos % 3)
        channel = 0 if channel_draw < 205 else (1 if channel_draw < 243 else 2)  # 80% web, 15% in-app, 5% offline
        if type_index == _APP_INSTALL:
            channel = 1
        events.append((type_index, kind, channel, lag, count, value, quantity))
    return tuple(events)


def _check_layout() -> None:
    """The positional layout of ad_day must follow BASE_FIELDS."""
    expected = ["IMP1", "IMP1_GROSS", "IMP2", "CLK1", "CLK1_GROSS", "CLK2", "OUT1", "OUT2", "SAVE1", "SAVE2"]
    expected += ["ENG1", "ENG2", "SPEND", "USERS", "SESS1", "SESS2", "V3S1", "V3S2", "V15U1", "V15U2", "VMRC1", "VMRC2"]
    expected += [f"VP{q}_{s}" for s in "12" for q in ("0", "25", "50", "75", "95", "100")] + ["VWATCH", "VSPEND"]
    expected += ["IDEA1", "IDEA2", "LEADS", "QUIZ_DONE", "QUIZ_OPEN"]
    assert list(BASE_FIELDS[: len(expected)]) == expected
    assert len(_SHOWCASE_SHARES) == len(_NO_SHOWCASE) == 15 and len(_NO_VIDEO) == 20
    assert BASE_FIELDS[len(expected) + 15 :] == ("N_VIDEO", "N_IDEA", "N_LEAD", "N_QUIZ", "N_SHOWCASE")


_check_layout()


def _hour_plan(profile: AdProfile, ordinal: int) -> tuple[list[int], list[int], int]:
    shift = (profile.key + ordinal) % 5 - 2
    weights = [_HOUR_WEIGHTS[(h - shift) % 24] for h in range(24)]
    order = sorted(range(24), key=lambda h: (-weights[h], h))
    return weights, order, sum(weights)


def _split(x: int, weights: list[int], order: list[int], total: int) -> list[int]:
    parts = [x * w // total for w in weights]
    for h in order[: x - sum(parts)]:
        parts[h] += 1
    return parts


@lru_cache(maxsize=4_096)  # 24 vectors each
def ad_hours(profile: AdProfile, ordinal: int) -> tuple[tuple[int, ...], ...] | None:
    """The day's counters split into 24 hourly vectors that add up to the day exactly (flags are copied)."""
    day = ad_day(profile, ordinal)
    if day is None:
        return None
    weights, order, total = _hour_plan(profile, ordinal)
    columns = []
    for i, x in enumerate(day[0]):
        columns.append([x] * 24 if i in FLAG_INDEXES else _split(x, weights, order, total))
    return tuple(zip(*columns, strict=True))


@lru_cache(maxsize=16_384)
def ad_partial_day(profile: AdProfile, ordinal: int) -> tuple[int, ...] | None:
    """Today so far: the sum of the hours before NOW_HOUR."""
    hours = ad_hours(profile, ordinal)
    if hours is None:
        return None
    return tuple(sum(col) for col in zip(*hours[:NOW_HOUR], strict=True))
