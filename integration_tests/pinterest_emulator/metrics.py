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
from collections.abc import Callable
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


@lru_cache(maxsize=65_536)
def ad_day(profile: AdProfile, ordinal: int) -> tuple[tuple[int, ...], tuple[Event, ...]] | None:
    """A full day of delivery, or None when the ad did not deliver that day (about 1 day in 25)."""
    r = random.Random(profile.key * 1_000_033 + ordinal).random
    if r() < 0.04:
        return None
    p = profile
    imp1 = int(p.imp_mean * _WEEKDAY[ordinal % 7] * (0.55 + 0.9 * r()))
    if imp1 == 0:
        return None
    v = [0] * NB
    imp2 = int(imp1 * p.earned_ratio * (0.5 + r()))
    clk1 = int(imp1 * p.ctr * (0.6 + 0.8 * r()))
    clk2 = int(imp2 * p.ctr * (0.4 + 0.8 * r()))
    out1 = int(clk1 * p.out_ratio * (0.7 + 0.6 * r()))
    out2 = int(clk2 * p.out_ratio * (0.7 + 0.6 * r()))
    save1 = int(imp1 * p.save_rate * (0.5 + r()))
    save2 = int(imp2 * p.save_rate * (0.5 + r()))
    closeups = int(imp1 * 0.01 * (0.5 + r()))
    spend = int(imp1 * p.cpm_micro * (0.85 + 0.3 * r()) / 1000)
    v[F["IMP1"]], v[F["IMP1_GROSS"]], v[F["IMP2"]] = imp1, imp1 + int(imp1 * 0.04 * r()), imp2
    v[F["CLK1"]], v[F["CLK1_GROSS"]], v[F["CLK2"]] = clk1, clk1 + int(clk1 * 0.06 * r()), clk2
    v[F["OUT1"]], v[F["OUT2"]], v[F["SAVE1"]], v[F["SAVE2"]] = out1, out2, save1, save2
    v[F["ENG1"]], v[F["ENG2"]] = clk1 + save1 + closeups, clk2 + save2 + int(closeups * p.earned_ratio)
    v[F["SPEND"]] = spend
    v[F["USERS"]] = max(1, int((imp1 + imp2) * p.user_ratio))
    v[F["SESS1"]], v[F["SESS2"]] = int(out1 * (0.6 + 0.3 * r())), int(out2 * (0.6 + 0.3 * r()))
    if p.video:
        _video(v, imp1, imp2, spend, r())
    if p.idea:
        v[F["IDEA1"]], v[F["IDEA2"]], v[F["N_IDEA"]] = int(clk1 * 0.3 * r()), int(clk2 * 0.3 * r()), 1
    if p.lead:
        v[F["LEADS"]], v[F["N_LEAD"]] = int(clk1 * 0.08 * (0.3 + r())), 1
    if p.quiz:
        done = int(imp1 * 0.012 * (0.5 + r()))
        v[F["QUIZ_DONE"]], v[F["QUIZ_OPEN"]], v[F["N_QUIZ"]] = done, int(done * 0.6), 1
    if p.showcase:
        _showcase(v, imp1, r())
    events = _events(p, clk1 + clk2 + out1, imp1, r)
    return tuple(v), events


def _video(v: list[int], imp1: int, imp2: int, spend: int, x: float) -> None:
    for suffix, imp in (("1", imp1), ("2", imp2)):
        starts = int(imp * (0.3 + 0.2 * x))
        v[F["V3S" + suffix]] = int(starts * 0.7)
        v[F["V15U" + suffix]] = int(starts * 0.25)
        v[F["VMRC" + suffix]] = int(starts * 0.55)
        for quartile, share in (("0", 1.0), ("25", 0.7), ("50", 0.5), ("75", 0.36), ("95", 0.24), ("100", 0.2)):
            v[F[f"VP{quartile}_{suffix}"]] = int(starts * share)
    v[F["VWATCH"]] = int((v[F["VP0_1"]] + v[F["VP0_2"]]) * (2 + 6 * x))
    v[F["VSPEND"]] = spend
    v[F["N_VIDEO"]] = 1


def _showcase(v: list[int], imp1: int, x: float) -> None:
    shares = {
        "SC_PIN_CLK": 0.01, "SC_SUBPAGE_CLK": 0.006, "SC_SUBPIN_CLK": 0.004, "SC_SUBPAGE_IMP": 0.3,
        "SC_SUBPIN_IMP": 0.2, "SC_SUBPAGE_SWL": 0.05, "SC_SUBPAGE_SWR": 0.06, "SC_SUBPIN_SWL": 0.03,
        "SC_SUBPIN_SWR": 0.035, "SC_SUBPAGE_REPIN": 0.002, "SC_SUBPIN_REPIN": 0.0015, "SC_SUBPAGE_CLOSEUP": 0.02,
        "SC_THUMB_FWD": 0.04, "SC_THUMB_BACK": 0.01, "SC_SESSIONS": 0.012,
    }  # fmt: skip
    for name, share in shares.items():
        v[F[name]] = int(imp1 * share * (0.6 + 0.8 * x))
    v[F["N_SHOWCASE"]] = 1


def _events(p: AdProfile, clicks: int, imp1: int, rand: Callable[[], float]) -> tuple[Event, ...]:
    n = min(12, int((clicks * p.conv_per_click + imp1 * p.conv_per_imp) * (0.4 + 1.2 * rand())))
    total = p.type_cumulative[-1]
    events = []
    for _ in range(n):
        kind_draw, lag_draw = rand(), rand()
        type_index = min(bisect(p.type_cumulative, rand() * total), len(CONVERSION_TYPES) - 1)
        kind = 0 if kind_draw < 0.62 else (1 if kind_draw < 0.74 else 2)
        # Most conversions follow the action within days; a tail arrives weeks later (beyond 30 days: 60-day windows).
        if lag_draw < 0.45:
            lag = 0
        elif lag_draw < 0.72:
            lag = 1 + int(rand() * 3)
        elif lag_draw < 0.9:
            lag = 4 + int(rand() * 11)
        elif lag_draw < 0.98:
            lag = 15 + int(rand() * 16)
        else:
            lag = 31 + int(rand() * 30)
        count = 1 + int(rand() * rand() * 3)
        value, quantity = 0, count
        if type_index in _VALUED:
            value = int(count * p.value_mean * (0.4 + 1.2 * rand()) * 100) * 10_000
            quantity = count * (1 + int(rand() * 3))
        channel_draw = rand()
        channel = 0 if channel_draw < 0.8 else (1 if channel_draw < 0.95 else 2)
        if type_index == CT["APP_INSTALL"]:
            channel = 1
        events.append((type_index, kind, channel, lag, count, value, quantity))
    return tuple(events)


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


@lru_cache(maxsize=16_384)
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
