"""What each reporting column means, as a function of summed counters.

A row's metric columns are computed from the sum of its ads' counters (metrics.BASE_FIELDS) and conversion totals,
never averaged, so rates stay exact at every level. A column evaluates to None ("no value": the API leaves it out of
the row) when its creative family is absent from the row (video, idea, lead, quiz, showcase metrics), when a ratio
has a zero denominator, or, for conversion columns, when the row has no such conversion. Conversion columns are
named by a grammar (TOTAL_[WEB|INAPP|OFFLINE_][CLICK|ENGAGEMENT|VIEW_]<TYPE>[_VALUE_IN_MICRO_DOLLAR|_QUANTITY],
[<CHANNEL>_]<TYPE>_COST_PER_ACTION|_ROAS, TOTAL_[<CHANNEL>_]<TYPE>_CONVERSION_RATE) that covers the sync list and
most of the async one; async columns outside it resolve to "no value".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from .metrics import CHANNELS, CONVERSION_TYPES, CT, KINDS, F, conv_index

Vec = Sequence[int]
Value = int | float | None
MetricFn = Callable[[Vec, Vec | None], Value]

# Columns describing the row's entity rather than measuring it; analytics.py fills them from the current records.
ATTRIBUTES: frozenset[str] = frozenset(
    {
        "AD_ACCOUNT_ID", "ADVERTISER_ID", "CAMPAIGN_ID", "CAMPAIGN_NAME", "CAMPAIGN_ENTITY_STATUS", "CAMPAIGN_STATUS",
        "CAMPAIGN_MANAGED_STATUS", "CAMPAIGN_OBJECTIVE_TYPE", "CAMPAIGN_LIFETIME_SPEND_CAP", "CAMPAIGN_DAILY_SPEND_CAP",
        "CAMPAIGN_BUDGET_OPTIMIZATION", "CAMPAIGN_BRAND_LABEL", "CAMPAIGN_CUSTOM_LABELS", "IS_PREMIERE_CAMPAIGN",
        "ORDER_LINE_ID", "ORDER_LINE_NAME", "AD_GROUP_ID", "AD_GROUP_NAME", "AD_GROUP_ENTITY_STATUS", "AD_GROUP_STATUS",
        "AD_GROUP_BUDGET_TYPE", "AD_GROUP_BUDGET_IN_LOCAL_CURRENCY", "AD_GROUP_BID_MULTIPLIER", "AD_GROUP_OPTIMIZATION",
        "PROMO_ID", "PROMO_NAME", "AD_ID", "AD_NAME", "AD_STATUS", "PIN_ID", "PIN_PROMOTION_ID", "PIN_PROMOTION_NAME",
        "PIN_PROMOTION_STATUS", "VIDEO_LENGTH", "PRODUCT_GROUP_AD_IMAGE_TAG", "PRODUCT_GROUP_AD_VIDEO_TAG",
        "PRODUCT_GROUP_ID", "PRODUCT_GROUP_STATUS", "STANDARD_AD_FEED_ITEM_ID",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    name: str
    attribute: bool = False
    conversion: bool = False  # needs conversion data (none for HOUR granularity)
    fn: MetricFn | None = None

    def value(self, v: Vec, c: Vec | None) -> Value:
        return self.fn(v, c) if self.fn else None


class FieldColumn:
    """A column that is one counter: callable like any metric, and exposing `index` so hot loops can skip the call."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, v: Vec, c: Vec | None) -> Value:
        return v[self.index]


def _f(name: str) -> MetricFn:
    return FieldColumn(F[name])


def _add(*names: str) -> MetricFn:
    i, j = (F[n] for n in names)
    return lambda v, c: v[i] + v[j]


def _ratio(num: MetricFn, den: MetricFn, scale: float = 1.0) -> MetricFn:
    if isinstance(num, FieldColumn) and isinstance(den, FieldColumn):  # the common case, in one call
        i, j = num.index, den.index
        return lambda v, c: v[i] * scale / v[j] if v[j] else None

    def fn(v: Vec, c: Vec | None) -> Value:
        d = den(v, c)
        n = num(v, c)
        return None if not d or n is None else n * scale / d

    return fn


def _family(flag: str, fn: MetricFn) -> MetricFn:
    i = F["N_" + flag]
    if isinstance(fn, FieldColumn):
        j = fn.index
        return lambda v, c: v[j] if v[i] else None
    return lambda v, c: fn(v, c) if v[i] else None


def _dollars(fn: MetricFn) -> MetricFn:
    if isinstance(fn, FieldColumn):
        i = fn.index
        return lambda v, c: v[i] / 1_000_000

    def dollars(v: Vec, c: Vec | None) -> Value:
        x = fn(v, c)
        return None if x is None else x / 1_000_000

    return dollars


SPEND = _f("SPEND")
TOTAL_IMP = _add("IMP1", "IMP2")
TOTAL_CLK = _add("CLK1", "CLK2")
TOTAL_ENG = _add("ENG1", "ENG2")
TOTAL_OUT = _add("OUT1", "OUT2")


def _video(fn: MetricFn) -> MetricFn:
    return _family("VIDEO", fn)


def _showcase(name: str) -> MetricFn:
    return _family("SHOWCASE", _f(name))


_METRICS: dict[str, MetricFn] = {
    "SPEND_IN_MICRO_DOLLAR": SPEND,
    "SPEND_IN_DOLLAR": _dollars(SPEND),
    "PAID_IMPRESSION": _f("IMP1"),
    "IMPRESSION_1": _f("IMP1"),
    "IMPRESSION_1_GROSS": _f("IMP1_GROSS"),
    "IMPRESSION_2": _f("IMP2"),
    "TOTAL_IMPRESSION": TOTAL_IMP,
    "TOTAL_IMPRESSION_USER": _f("USERS"),
    "TOTAL_IMPRESSION_FREQUENCY": _ratio(TOTAL_IMP, _f("USERS")),
    "CLICKTHROUGH_1": _f("CLK1"),
    "CLICKTHROUGH_1_GROSS": _f("CLK1_GROSS"),
    "CLICKTHROUGH_2": _f("CLK2"),
    "TOTAL_CLICKTHROUGH": TOTAL_CLK,
    "OUTBOUND_CLICK_1": _f("OUT1"),
    "OUTBOUND_CLICK_2": _f("OUT2"),
    "REPIN_1": _f("SAVE1"),
    "REPIN_2": _f("SAVE2"),
    "ENGAGEMENT_1": _f("ENG1"),
    "ENGAGEMENT_2": _f("ENG2"),
    "TOTAL_ENGAGEMENT": TOTAL_ENG,
    "WEB_SESSIONS_1": _f("SESS1"),
    "WEB_SESSIONS_2": _f("SESS2"),
    "TOTAL_WEB_SESSIONS": _add("SESS1", "SESS2"),
    "CTR": _ratio(_f("CLK1"), _f("IMP1")),
    "CTR_2": _ratio(_f("CLK2"), _f("IMP2")),
    "ECTR": _ratio(TOTAL_CLK, TOTAL_IMP),
    "OUTBOUND_CTR_1": _ratio(_f("OUT1"), _f("IMP1")),
    "OUTBOUND_CTR": _ratio(TOTAL_OUT, TOTAL_IMP),
    "ENGAGEMENT_RATE": _ratio(_f("ENG1"), _f("IMP1")),
    "EENGAGEMENT_RATE": _ratio(TOTAL_ENG, TOTAL_IMP),
    "REPIN_RATE": _ratio(_f("SAVE1"), _f("IMP1")),
    "TOTAL_REPIN_RATE": _ratio(_add("SAVE1", "SAVE2"), TOTAL_IMP),
    "CPC_IN_MICRO_DOLLAR": _ratio(SPEND, _f("CLK1")),
    "ECPC_IN_MICRO_DOLLAR": _ratio(SPEND, TOTAL_CLK),
    "ECPC_IN_DOLLAR": _ratio(SPEND, TOTAL_CLK, 1e-6),
    "CPM_IN_MICRO_DOLLAR": _ratio(SPEND, _f("IMP1"), 1000.0),
    "CPM_IN_DOLLAR": _ratio(SPEND, _f("IMP1"), 1e-3),
    "ECPM_IN_MICRO_DOLLAR": _ratio(SPEND, TOTAL_IMP, 1000.0),
    "ECPE_IN_DOLLAR": _ratio(SPEND, TOTAL_ENG, 1e-6),
    "COST_PER_OUTBOUND_CLICK_IN_DOLLAR": _ratio(SPEND, TOTAL_OUT, 1e-6),
    "COST_PER_OUTBOUND_CLICK_IN_DOLLAR_1": _ratio(SPEND, _f("OUT1"), 1e-6),
    "COST_PER_OUTBOUND_CLICK": _ratio(SPEND, TOTAL_OUT),
    # video
    "VIDEO_3SEC_VIEWS_1": _video(_f("V3S1")),
    "VIDEO_3SEC_VIEWS_2": _video(_f("V3S2")),
    "TOTAL_VIDEO_3SEC_VIEWS": _video(_add("V3S1", "V3S2")),
    "VIDEO_15SEC_UNIQUE_VIEWS_1": _video(_f("V15U1")),
    "VIDEO_15SEC_UNIQUE_VIEWS_2": _video(_f("V15U2")),
    "TOTAL_VIDEO_15SEC_UNIQUE_VIEWS": _video(_add("V15U1", "V15U2")),
    "VIDEO_MRC_VIEWS_1": _video(_f("VMRC1")),
    "VIDEO_MRC_VIEWS_2": _video(_f("VMRC2")),
    "TOTAL_VIDEO_MRC_VIEWS": _video(_add("VMRC1", "VMRC2")),
    "VIDEO_P100_COMPLETE_1": _video(_f("VP100_1")),
    "VIDEO_P100_COMPLETE_2": _video(_f("VP100_2")),
    "TOTAL_VIDEO_P100_COMPLETE": _video(_add("VP100_1", "VP100_2")),
    "PAID_VIDEO_VIEWABLE_RATE": _video(_ratio(_f("VMRC1"), _f("IMP1"))),
    "VIDEO_SPEND_IN_DOLLAR": _video(_dollars(_f("VSPEND"))),
    "ECPV_IN_DOLLAR": _video(_ratio(_f("VSPEND"), _f("V3S1"), 1e-6)),
    "ECPCV_IN_DOLLAR": _video(_ratio(_f("VSPEND"), _f("VP100_1"), 1e-6)),
    "ECPCV_P95_IN_DOLLAR": _video(_ratio(_f("VSPEND"), _f("VP95_1"), 1e-6)),
    "CPV_IN_MICRO_DOLLAR": _video(_ratio(_f("VSPEND"), _f("V3S1"))),
    "CPCV_IN_MICRO_DOLLAR": _video(_ratio(_f("VSPEND"), _f("VP100_1"))),
    "CPCV_P95_IN_MICRO_DOLLAR": _video(_ratio(_f("VSPEND"), _f("VP95_1"))),
    "TOTAL_VIDEO_AVG_WATCHTIME_IN_SECOND": _video(_ratio(_f("VWATCH"), _add("VP0_1", "VP0_2"))),
    # idea, lead, quiz
    "IDEA_PIN_PRODUCT_TAG_VISIT_1": _family("IDEA", _f("IDEA1")),
    "IDEA_PIN_PRODUCT_TAG_VISIT_2": _family("IDEA", _f("IDEA2")),
    "TOTAL_IDEA_PIN_PRODUCT_TAG_VISIT": _family("IDEA", _add("IDEA1", "IDEA2")),
    "LEADS": _family("LEAD", _f("LEADS")),
    "COST_PER_LEAD": _family("LEAD", _ratio(SPEND, _f("LEADS"), 1e-6)),
    "QUIZ_COMPLETED": _family("QUIZ", _f("QUIZ_DONE")),
    "QUIZ_PIN_RESULT_OPEN": _family("QUIZ", _f("QUIZ_OPEN")),
    "QUIZ_COMPLETION_RATE": _family("QUIZ", _ratio(_f("QUIZ_DONE"), _f("IMP1"))),
    # showcase
    "SHOWCASE_PIN_CLICKTHROUGH": _showcase("SC_PIN_CLK"),
    "SHOWCASE_SUBPAGE_CLICKTHROUGH": _showcase("SC_SUBPAGE_CLK"),
    "SHOWCASE_SUBPIN_CLICKTHROUGH": _showcase("SC_SUBPIN_CLK"),
    "SHOWCASE_SUBPAGE_IMPRESSION": _showcase("SC_SUBPAGE_IMP"),
    "SHOWCASE_SUBPIN_IMPRESSION": _showcase("SC_SUBPIN_IMP"),
    "SHOWCASE_SUBPAGE_SWIPE_LEFT": _showcase("SC_SUBPAGE_SWL"),
    "SHOWCASE_SUBPAGE_SWIPE_RIGHT": _showcase("SC_SUBPAGE_SWR"),
    "SHOWCASE_SUBPIN_SWIPE_LEFT": _showcase("SC_SUBPIN_SWL"),
    "SHOWCASE_SUBPIN_SWIPE_RIGHT": _showcase("SC_SUBPIN_SWR"),
    "SHOWCASE_SUBPAGE_REPIN": _showcase("SC_SUBPAGE_REPIN"),
    "SHOWCASE_SUBPIN_REPIN": _showcase("SC_SUBPIN_REPIN"),
    "SHOWCASE_SUBPAGE_CLOSEUP": _showcase("SC_SUBPAGE_CLOSEUP"),
    "SHOWCASE_CARD_THUMBNAIL_SWIPE_FORWARD": _showcase("SC_THUMB_FWD"),
    "SHOWCASE_CARD_THUMBNAIL_SWIPE_BACKWARD": _showcase("SC_THUMB_BACK"),
    "SHOWCASE_AVERAGE_SUBPAGE_CLOSEUP_PER_SESSION": _family(
        "SHOWCASE", _ratio(_f("SC_SUBPAGE_CLOSEUP"), _f("SC_SESSIONS"))
    ),
}
for _q in ("0", "25", "50", "75", "95"):
    _METRICS[f"VIDEO_P{_q}_COMBINED_1"] = _video(_f(f"VP{_q}_1"))
    _METRICS[f"VIDEO_P{_q}_COMBINED_2"] = _video(_f(f"VP{_q}_2"))
    _METRICS[f"TOTAL_VIDEO_P{_q}_COMBINED"] = _video(_add(f"VP{_q}_1", f"VP{_q}_2"))

_SUFFIX_MEASURE = (("_VALUE_IN_MICRO_DOLLAR", 1), ("_QUANTITY", 2))


def _selection(types: Sequence[int], kinds: Sequence[int], channels: Sequence[int], measure: int) -> tuple[int, ...]:
    return tuple(conv_index(t, k, ch, measure) for t in types for k in kinds for ch in channels)


def _parse_scope(text: str, allow_kind: bool) -> tuple[list[int], list[int], list[int]] | None:
    """'[CHANNEL_][KIND_]TYPE' -> (types, kinds, channels); None when the text is not of that shape."""
    for channel in (None, *CHANNELS):
        after_channel = text if channel is None else _strip_prefix(text, channel + "_")
        if after_channel is None:
            continue
        for kind in (None, *KINDS) if allow_kind else (None,):
            rest = after_channel if kind is None else _strip_prefix(after_channel, kind + "_")
            if rest in CT or (rest == "CONVERSIONS" and channel is None and kind is None):
                types = [CT[rest]] if rest in CT else list(range(len(CONVERSION_TYPES)))
                kinds = [KINDS.index(kind)] if kind else [0, 1, 2]
                channels = [CHANNELS.index(channel)] if channel else [0, 1, 2]
                return types, kinds, channels
    return None


def _strip_prefix(text: str, prefix: str) -> str | None:
    return text[len(prefix) :] if text.startswith(prefix) else None


def _conversion_metric(name: str) -> MetricFn | None:
    for suffix, build in (("_COST_PER_ACTION", "cpa"), ("_ROAS", "roas"), ("_CONVERSION_RATE", "rate")):
        if name.endswith(suffix):
            body = name[: -len(suffix)]
            body = body[len("TOTAL_") :] if build == "rate" and body.startswith("TOTAL_") else body
            scope = _parse_scope(body, allow_kind=False)
            return None if scope is None else _derived(scope, build)
    if not name.startswith("TOTAL_"):
        return None
    body, measure = name[len("TOTAL_") :], 0
    for suffix, m in _SUFFIX_MEASURE:
        if body.endswith(suffix):
            body, measure = body[: -len(suffix)], m
    scope = _parse_scope(body, allow_kind=True)
    if scope is None:
        return None
    wanted = _picker(_selection(*scope, measure))
    return _gated(_selection(*scope, 0), lambda v, c, n: wanted(c))


def _derived(scope: tuple[list[int], list[int], list[int]], build: str) -> MetricFn:
    """Cost per action (account currency), return on ad spend, or conversions per click."""
    count, value = _selection(*scope, 0), _picker(_selection(*scope, 1))
    spend, clicks = F["SPEND"], (F["CLK1"], F["CLK2"])
    if build == "cpa":
        return _gated(count, lambda v, c, n: v[spend] / 1_000_000 / n)
    if build == "roas":
        return _gated(count, lambda v, c, n: value(c) / v[spend] if v[spend] else None)
    return _gated(count, lambda v, c, n: n / t if (t := v[clicks[0]] + v[clicks[1]]) else None)


def _picker(indexes: tuple[int, ...]) -> Callable[[Vec], int]:
    """Sum of some positions of a vector, at C speed (conversion selections span up to 117 positions)."""
    if len(indexes) == 1:
        only = indexes[0]
        return lambda c: c[only]
    get = itemgetter(*indexes)
    return lambda c: sum(get(c))


class ConversionColumn:
    """A conversion column: no value when the row holds no matching conversion; `inner(v, c, count)` otherwise.

    The count selection is exposed so compiled row builders compute each distinct count once per row."""

    __slots__ = ("count", "count_idx", "inner")

    def __init__(self, count_idx: tuple[int, ...], inner: Callable[[Vec, Vec, int], Value]) -> None:
        self.count_idx = count_idx
        self.count = _picker(count_idx)
        self.inner = inner

    def __call__(self, v: Vec, c: Vec | None) -> Value:
        if c is None:
            return None
        n = self.count(c)
        return self.inner(v, c, n) if n else None


def _gated(count_idx: tuple[int, ...], fn: Callable[[Vec, Vec, int], Value]) -> MetricFn:
    return ConversionColumn(count_idx, fn)


@lru_cache(maxsize=2048)
def column(name: str) -> Column:
    if name in ATTRIBUTES:
        return Column(name, attribute=True)
    if name in _METRICS:
        return Column(name, fn=_METRICS[name])
    conversion = _conversion_metric(name)
    if conversion is not None:
        return Column(name, conversion=True, fn=conversion)
    return Column(name)  # valid but not modelled: never has a value
