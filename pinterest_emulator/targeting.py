"""Targeting analytics: the ads counters broken down by targeting type and value.

Every ad-day (or ad-hour) is split across the values of each requested targeting type with integer weights taken
from its ad group's targeting (largest share first gets the remainder), so the values of one type add up exactly
to the entity's totals, and every level adds up. Conversion events go whole to one value. A type with no values
for an ad group (no keywords, no audiences...) yields no rows for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from operator import add
from typing import Any

from .analytics import ZERO, Period, Query, add_event, build_row, conversions, deliveries, period_of, utc_offset
from .columns import column
from .metrics import FLAG_INDEXES, NB, NC
from .world import AdNode, World

Value = str | int
_PLACEMENTS = ("SEARCH", "BROWSE", "OTHER")
# Interests Pinterest inferred for the pinners reached (top-level interest ids, named by /resources/targeting/INTEREST).
PINNER_INTERESTS = ("935005558402", "935005558404", "935005558406", "935005558408")
_ZIPS = {"US": "94102", "CA": "M5V", "GB": "SW1A", "DE": "10115", "FR": "75001", "AU": "2000"}
_REGIONS = {"US": "US-CA", "CA": "CA-ON", "GB": "GB-ENG", "DE": "DE-BE", "FR": "FR-IDF", "AU": "AU-NSW"}


def values_for(world: World, ad: AdNode, targeting_type: str) -> list[Value]:
    group = world.ad_groups[str(ad.record["ad_group_id"])].record
    spec: dict[str, Any] = group.get("targeting_spec") or {}
    geo = spec.get("GEO") or ["US"]
    ages = spec.get("AGE_BUCKET") or ["25-34"]
    genders = spec.get("GENDER") or ["unknown"]
    found: dict[str, list[Value]] = {
        "KEYWORD": sorted({world.keywords[k]["value"] for k in world.keywords_of.get(group["id"], [])}),
        "APPTYPE": list(spec.get("APPTYPE") or []),
        "GENDER": list(genders),
        "LOCATION": [int(x) for x in spec.get("LOCATION") or []],
        "PLACEMENT": list(_PLACEMENTS),
        "COUNTRY": list(geo),
        "TARGETED_INTEREST": [str(x) for x in spec.get("INTEREST") or []],  # interest ids, named by /resources
        "PINNER_INTEREST": list(PINNER_INTERESTS),
        "AUDIENCE_INCLUDE": [int(x) for x in spec.get("AUDIENCE_INCLUDE") or []],
        "GEO": [f"{c}:{_ZIPS.get(c, '00000')}" for c in geo],
        "AGE_BUCKET": list(ages),
        "REGION": [_REGIONS.get(c, c) for c in geo],
        "AGE_BUCKET_AND_GENDER": [f"{a}:{g}" for a in ages for g in genders],
        "CREATIVE_TYPE": [ad.record["creative_type"]],
        "AUDIENCE_MULTIPLIER": ["NO_MULTIPLIER"],
        "CREATIVE_ENHANCEMENTS": ["NONE"],
        "QUIZ_RESULT": ["RESULT_1", "RESULT_2", "RESULT_3"] if ad.record["creative_type"] == "QUIZ" else [],
    }
    return found.get(targeting_type, [])


def _weight(*parts: object) -> int:
    return 1 + hashlib.sha256("|".join(map(str, parts)).encode()).digest()[0] % 100


@lru_cache(maxsize=4096)
def fields_of(name: str) -> frozenset[int]:
    """Counter positions a metric column reads, found by perturbing each (so splits only touch what is needed)."""
    col = column(name)
    if col.fn is None:
        return frozenset()
    probe = [10 + i for i in range(NB)]
    conv = [3] * NC
    reference = col.value(probe, conv)
    needed = set()
    for i in range(NB):
        if i in FLAG_INDEXES:
            continue
        changed = list(probe)
        changed[i] += 7
        if col.value(changed, conv) != reference:
            needed.add(i)
    return frozenset(needed)


def _split(vec: Sequence[int], weights: list[int], fields: Sequence[int]) -> list[list[int]]:
    total = sum(weights)
    parts = [[0] * NB for _ in weights]
    for i in FLAG_INDEXES:
        for part in parts:
            part[i] = vec[i]
    for i in fields:
        x = vec[i]
        if not x:
            continue
        shares = [x * w // total for w in weights]
        shares[0] += x - sum(shares)
        for part, share in zip(parts, shares, strict=True):
            part[i] = share
    return parts


def run_targeting(world: World, q: Query, targeting_types: Sequence[str]) -> list[dict[str, Any]]:
    """`data` items of a targeting_analytics response: {targeting_type, targeting_value, metrics}."""
    first, last = q.start.toordinal(), q.end.toordinal()
    columns = [column(name) for name in dict.fromkeys(q.columns)]
    fields = sorted(set().union(*(fields_of(c.name) for c in columns if not c.attribute)))
    hourly = q.granularity == "HOUR"
    with_conversions = not hourly and any(c.conversion for c in columns)
    out: list[dict[str, Any]] = []
    for targeting_type in dict.fromkeys(targeting_types):
        base: dict[tuple[str, Value, Period], list[int]] = {}
        conv: dict[tuple[str, Value, Period], list[int]] = {}
        for entity_id in q.entity_ids:
            bucket_entity = "" if q.aggregate else entity_id
            for ad in world.ads_under(entity_id):
                values = values_for(world, ad, targeting_type)
                if not values:
                    continue
                weights = sorted(
                    ((_weight(ad.record["ad_group_id"], targeting_type, v), v) for v in values), reverse=True
                )
                ordered = [v for _, v in weights]
                offset = utc_offset(world, ad, q)
                for when, vec in deliveries(world, ad, first, last, hourly, offset):
                    period = when if hourly else period_of(when, q.granularity)  # type: ignore[arg-type]
                    for value, part in zip(ordered, _split(vec, [w for w, _ in weights], fields), strict=True):
                        key = (bucket_entity, value, period)
                        acc = base.get(key)
                        base[key] = part if acc is None else list(map(add, acc, part))
                if with_conversions:
                    for when, number, event in conversions(world, ad, first, last, q.attribution, offset):
                        value = ordered[number % len(ordered)]
                        add_event(
                            conv.setdefault((bucket_entity, value, period_of(when, q.granularity)), [0] * NC), event
                        )
        attrs: dict[str, dict[str, Any]] = {}
        for key in sorted(set(base) | set(conv), key=lambda k: (int(k[0] or 0), str(k[1]), k[2] or 0)):
            entity, value, period = key
            v, c = base.get(key, ZERO), conv.get(key) if with_conversions else None
            row = build_row(world, q, columns, (entity, period), v, c, attrs)
            if row is not None:
                out.append({"targeting_type": targeting_type, "targeting_value": value, "metrics": row})
    return out
