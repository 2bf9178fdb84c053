"""The ads analytics engine behind the sync endpoints, async reports and the ground truth.

Rows are built by summing ads' daily (or hourly) counters into (entity, period) buckets. Rules:
- Data exist from the scenario's history start through today; today holds only the hours before clock.NOW_HOUR.
- A conversion (metrics.Event) counts when its lag is within the attribution window of its kind (click,
  engagement, view; window N admits lags 0..N) and it has been reported, i.e. action day + lag <= yesterday.
  TIME_OF_AD_ACTION dates it on the action day (so the last weeks keep growing), TIME_OF_CONVERSION on the
  conversion day. HOUR granularity has no conversion data (as the spec says).
- DATE: DAY 'YYYY-MM-DD'; WEEK the Monday and MONTH the 1st of the calendar period (so the first and last
  buckets may cover only part of their period); HOUR 'YYYY-MM-DDTHH:00:00' (UTC); TOTAL rows have no DATE.
- reporting_timezone=AD_ACCOUNT_TIME_ZONE (Query.account_zone) dates everything in the ad account's zone
  (World.utc_offset): a local day sums the UTC hours it covers, and a conversion takes the local day of its
  action's (or conversion's) hour. Which conversions are reported so far still follows the UTC clock.
- Rows whose requested metrics are all zero or absent are omitted; absent values are left out (sparse rows).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from operator import add
from typing import Any

from source_pinterest import facts

from .clock import NOW_HOUR, iso_date
from .columns import Column, column
from .metrics import FLAG_INDEXES, MAX_LAG, NB, NC, ZERO, Event, ad_day, ad_hours, ad_partial_day, conv_index
from .rowbuilder import row_builder
from .world import AdNode, World

LEVELS = tuple(facts.LEVELS)  # AD_ACCOUNT, CAMPAIGN, AD_GROUP, AD
ID_COLUMN = {name: level.id_column for name, level in facts.LEVELS.items()}
Period = tuple[int, int] | int | None  # (day, hour) | day ordinal of the period start | None for TOTAL
Row = dict[str, Any]


@dataclass(frozen=True)
class Attribution:
    click_window_days: int = facts.ATTRIBUTION_DEFAULTS["click_window_days"]
    engagement_window_days: int = facts.ATTRIBUTION_DEFAULTS["engagement_window_days"]
    view_window_days: int = facts.ATTRIBUTION_DEFAULTS["view_window_days"]
    conversion_report_time: str = facts.DEFAULT_CONVERSION_REPORT_TIME

    def windows(self) -> tuple[int, int, int]:
        return self.click_window_days, self.engagement_window_days, self.view_window_days


@dataclass(frozen=True)
class Query:
    level: str
    entity_ids: Sequence[str]  # entities of `level` to report on
    start: date
    end: date
    columns: Sequence[str]
    granularity: str = "DAY"
    attribution: Attribution = Attribution()
    aggregate: bool = False  # aggregate_report_rows: one row per period for all entities, without the id column
    account_zone: bool = False  # reporting_timezone=AD_ACCOUNT_TIME_ZONE: dates in each ad account's time zone


def utc_offset(world: World, ad: AdNode, q: Query) -> int:
    """Hours to add to UTC for the dates of `ad`'s rows."""
    return world.utc_offset(world.account_of(ad)) if q.account_zone else 0


def period_of(ordinal: int, granularity: str) -> int | None:
    if granularity == "TOTAL":
        return None
    if granularity == "WEEK":
        return ordinal - (ordinal - 1) % 7  # ordinal 1 (0001-01-01) is a Monday
    if granularity == "MONTH":
        return ordinal - date.fromordinal(ordinal).day + 1
    return ordinal


def date_label(period: Period) -> str | None:
    if period is None:
        return None
    if isinstance(period, tuple):
        return f"{iso_date(period[0])}T{period[1]:02d}:00:00"
    return iso_date(period)


def live_days(world: World, ad: AdNode, first: int, last: int) -> Iterator[int]:
    for start, end in world.effective_live(ad):
        stop = last if end is None else min(last, end - 1)
        yield from range(max(first, start), stop + 1)


def deliveries(
    world: World, ad: AdNode, first: int, last: int, hourly: bool, offset: int = 0
) -> Iterator[tuple[Period, Sequence[int]]]:
    """(day or (day, hour), counters) of an ad between two ordinals, today counting only up to NOW_HOUR; days and
    hours of a zone `offset` hours east of UTC when it is not 0."""
    if offset:
        yield from _zoned_deliveries(world, ad, first, last, hourly, offset)
        return
    today = world.today.toordinal()
    profile = ad.profile
    for day in live_days(world, ad, max(first, world.history_start), min(last, today)):
        if hourly:
            hours = ad_hours(profile, day)
            if hours is not None:
                for hour, vec in enumerate(hours[:NOW_HOUR] if day == today else hours):
                    yield (day, hour), vec
            continue
        if day == today:
            partial = ad_partial_day(profile, day)
            if partial is not None:
                yield day, partial
        else:
            full = ad_day(profile, day)
            if full is not None:
                yield day, full[0]


def _zoned_deliveries(
    world: World, ad: AdNode, first: int, last: int, hourly: bool, offset: int
) -> Iterator[tuple[Period, Sequence[int]]]:
    """Local day L holds the UTC hours [24 L - offset, 24 L + 24 - offset): each UTC day feeds two local days."""
    today = world.today.toordinal()
    cut = 24 - offset if offset > 0 else -offset  # the UTC hour at which the local date changes
    before, after = (0, 1) if offset > 0 else (-1, 0)  # local day of the hours before / from `cut`
    for day in live_days(world, ad, max(first - 1, world.history_start), min(last + 1, today)):
        hours = ad_hours(ad.profile, day)
        if hours is None:
            continue
        upto = NOW_HOUR if day == today else 24
        if hourly:
            for hour in range(upto):
                local_day, local_hour = divmod(day * 24 + hour + offset, 24)
                if first <= local_day <= last:
                    yield (local_day, local_hour), hours[hour]
            continue
        for local_day, lo, hi in ((day + before, 0, min(cut, upto)), (day + after, cut, upto)):
            if lo < hi and first <= local_day <= last:
                yield local_day, _sum_hours(hours[lo:hi])


def _sum_hours(hours: Sequence[Sequence[int]]) -> list[int]:
    total = [sum(column) for column in zip(*hours, strict=True)]
    for i in FLAG_INDEXES:  # presence flags of the ad-day, not counters
        total[i] = hours[0][i]
    return total


def event_hour(ad: AdNode, day: int, position: int) -> int:
    """The UTC hour of a conversion's ad action (and of the conversion, `lag` days later)."""
    return (ad.profile.key + day * 7 + position * 5) % 24


def conversions(
    world: World, ad: AdNode, first: int, last: int, attribution: Attribution, offset: int = 0
) -> Iterator[tuple[int, int, Event]]:
    """(reporting day, event number, event) of the conversions known today that fall on days first..last, dated in
    the zone `offset` hours east of UTC.

    The event number (action day * 64 + position) identifies an event, for whole-event splits (targeting)."""
    reported_through = world.today.toordinal() - 1
    windows = attribution.windows()
    by_action = attribution.conversion_report_time == "TIME_OF_AD_ACTION"
    earliest_action = (first if by_action else first - MAX_LAG) - (1 if offset else 0)
    latest = min(last + (1 if offset else 0), reported_through)
    for day in live_days(world, ad, max(earliest_action, world.history_start), latest):
        full = ad_day(ad.profile, day)
        if full is None:
            continue
        for position, event in enumerate(full[1]):
            lag = event[3]
            if lag > windows[event[1]] or day + lag > reported_through:
                continue
            when = day if by_action else day + lag
            if offset:
                when = (when * 24 + event_hour(ad, day, position) + offset) // 24
            if first <= when <= last:
                yield when, day * 64 + position, event


def add_event(vector: list[int], event: Event) -> None:
    i = conv_index(event[0], event[1], event[2], 0)
    vector[i] += event[4]
    vector[i + 1] += event[5]
    vector[i + 2] += event[6]


def run(world: World, q: Query) -> list[Row]:
    """Rows exactly as the sync analytics endpoint answers for `q` (limits are checked by the caller)."""
    first, last = q.start.toordinal(), q.end.toordinal()
    columns = [column(name) for name in dict.fromkeys(q.columns)]
    hourly = q.granularity == "HOUR"
    with_conversions = not hourly and any(c.conversion for c in columns)
    base: dict[tuple[str, Period], list[int]] = {}
    conv: dict[tuple[str, Period], list[int]] = {}
    for entity_id in q.entity_ids:
        bucket_entity = "" if q.aggregate else entity_id
        for ad in world.ads_under(entity_id):
            offset = utc_offset(world, ad, q)
            for when, vec in deliveries(world, ad, first, last, hourly, offset):
                key = (bucket_entity, when if hourly else period_of(when, q.granularity))  # type: ignore[arg-type]
                acc = base.get(key)
                base[key] = list(vec) if acc is None else list(map(add, acc, vec))
            if with_conversions:
                for when, _, event in conversions(world, ad, first, last, q.attribution, offset):
                    key = (bucket_entity, period_of(when, q.granularity))
                    add_event(conv.setdefault(key, [0] * NC), event)
    rows = []
    attrs: dict[str, dict[str, Any]] = {}
    for key in sorted(set(base) | set(conv), key=_sort_key):
        v, c = base.get(key, ZERO), conv.get(key) if with_conversions else None
        row = build_row(world, q, columns, key, v, c, attrs)
        if row is not None:
            rows.append(row)
    return rows


def _sort_key(key: tuple[str, Period]) -> tuple[int, Any]:
    entity, period = key
    return (int(entity) if entity else 0, period if period is not None else 0)


def build_row(
    world: World,
    q: Query,
    columns: list[Column],
    key: tuple[str, Period],
    v: Sequence[int],
    c: Sequence[int] | None,
    cache: dict[str, dict[str, Any]],
) -> Row | None:
    """One response row, or None when all its metrics are zero or absent. `cache` keeps entity attributes."""
    entity, period = key
    row: Row = {}
    if not q.aggregate:
        row[ID_COLUMN[q.level]] = entity
    label = date_label(period)
    if label is not None:
        row["DATE"] = label
    builder = row_builder(tuple(col.name for col in columns))
    attrs: dict[str, Any] = {}
    if builder.needs_attributes and not q.aggregate:
        attrs = cache.get(entity) or cache.setdefault(entity, attributes(world, q.level, entity))
    measured = builder.fill(row, v, c, attrs)
    if not builder.has_metrics:  # only attributes asked for: keep rows that delivered
        measured = any(v[:NB]) or bool(c and any(c))
    return row if measured else None


def attributes(world: World, level: str, entity_id: str) -> dict[str, Any]:
    """Entity columns of a row at `level`, from the records as they are now."""
    out: dict[str, Any] = {}
    if level == "AD":
        ad = world.ads[entity_id].record
        out.update(
            AD_ID=ad["id"],
            AD_NAME=ad["name"],
            AD_STATUS=ad["status"],
            PIN_ID=ad["pin_id"],
            PIN_PROMOTION_ID=ad["id"],
            PIN_PROMOTION_NAME=ad["name"],
            PIN_PROMOTION_STATUS=ad["summary_status"],
        )
        pin = world.pins.get(ad["pin_id"])
        if pin and pin["media"].get("duration"):
            out["VIDEO_LENGTH"] = pin["media"]["duration"] // 1000
        entity_id, level = str(ad["ad_group_id"]), "AD_GROUP"
    if level == "AD_GROUP":
        group = world.ad_groups[entity_id].record
        budget = group["budget_in_micro_currency"]
        out.update(
            AD_GROUP_ID=group["id"],
            AD_GROUP_NAME=group["name"],
            AD_GROUP_ENTITY_STATUS=group["status"],
            AD_GROUP_STATUS=group["summary_status"],
            AD_GROUP_BUDGET_TYPE=group["budget_type"],
            AD_GROUP_BUDGET_IN_LOCAL_CURRENCY=None if budget is None else budget / 1_000_000,
            AD_GROUP_BID_MULTIPLIER=group["bid_multiplier"],
            AD_GROUP_OPTIMIZATION=group["billable_event"],
            PROMO_ID=group["promotion_id"],
        )
        entity_id, level = str(group["campaign_id"]), "CAMPAIGN"
    if level == "CAMPAIGN":
        camp = world.campaigns[entity_id].record
        out.update(
            CAMPAIGN_ID=camp["id"],
            CAMPAIGN_NAME=camp["name"],
            CAMPAIGN_ENTITY_STATUS=camp["status"],
            CAMPAIGN_STATUS=camp["summary_status"],
            CAMPAIGN_OBJECTIVE_TYPE=camp["objective_type"],
            CAMPAIGN_LIFETIME_SPEND_CAP=camp["lifetime_spend_cap"],
            CAMPAIGN_DAILY_SPEND_CAP=camp["daily_spend_cap"],
            CAMPAIGN_BUDGET_OPTIMIZATION=camp["is_campaign_budget_optimization"],
            IS_PREMIERE_CAMPAIGN=False,
            ORDER_LINE_ID=camp["order_line_id"],
        )
        entity_id = str(camp["ad_account_id"])
    out.update(AD_ACCOUNT_ID=entity_id, ADVERTISER_ID=entity_id)
    return out


def entity_ids(world: World, level: str, account_ids: Sequence[str] | None = None) -> list[str]:
    """Every entity of a level (every status) in the given accounts (default: all accounts)."""
    accounts = list(world.ad_accounts) if account_ids is None else list(account_ids)
    if level == "AD_ACCOUNT":
        return accounts
    nodes = {"CAMPAIGN": world.campaigns_in, "AD_GROUP": world.ad_groups_in, "AD": world.ads_in}[level]
    return [node.id for account in accounts for node in nodes(account)]
