"""Every Pinterest fact and config default the connector relies on, each stated once: here.

Facts the vendored OpenAPI states (levels, columns, targeting types and their BETA markers, the most types per
request, date limits, attribution defaults) are read from `schemas/analytics_facts.json`, which
`tools/generate_schemas.py` generates from the spec. The few the spec cannot give in a usable form (which id column a
level's rows carry, which report level matches a sync level, the connector's own defaults) are written below, and
unit_tests/test_facts.py checks each against the spec where it states one.

This module imports nothing of the connector, so any module may import it (the bottom of the import graph).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

ANALYTICS_FACTS_PATH = Path(__file__).resolve().parent / "schemas" / "analytics_facts.json"
ANALYTICS_FACTS: Mapping[str, Any] = MappingProxyType(json.loads(ANALYTICS_FACTS_PATH.read_text()))  # 43 kB, < 1 ms


def analytics_facts() -> Mapping[str, Any]:
    """The analytics facts generated from the OpenAPI (columns, levels, targeting types, limits), read-only."""
    return ANALYTICS_FACTS


# ------------------------------------------------------------------------------------------ the API: hosts, levels
PRODUCTION_URL = "https://api.pinterest.com/v5/"
SANDBOX_URL = "https://api-sandbox.pinterest.com/v5/"
# OAuth (components.securitySchemes.pinterest_oauth2): the consent page, and the scopes a full read-only sync needs.
# The *_secret scopes let boards, sections and pins on secret boards through.
CONSENT_URL = "https://www.pinterest.com/oauth/"
OAUTH_SCOPES = (
    "ads:read",
    "boards:read",
    "boards:read_secret",
    "catalogs:read",
    "pins:read",
    "pins:read_secret",
    "user_accounts:read",
)

ENTITY_STATUSES = ("ACTIVE", "PAUSED", "ARCHIVED", "DRAFT", "DELETED_DRAFT")  # campaigns, ad groups, ads
PIN_APP_TYPES = ("ALL", "MOBILE", "TABLET", "WEB")  # ALL is Pinterest's total, the others its split
MAX_IDS_PER_REQUEST = 250  # campaign_ids / ad_group_ids / ad_ids of the sync analytics endpoints (maxItems)
MAX_PAGE_SIZE = 250  # every list endpoint's `page_size` maximum
MAX_PINS_PER_REQUEST = 100  # pin_ids of /pins/analytics (maxItems)


class Level(NamedTuple):
    """A sync ads analytics level: the id column of its rows, the query parameter naming its ids (None: the
    endpoint reports on the ad account itself), its key in the analytics facts' targeting tables, and the async report
    level that reports on the same objects."""

    id_column: str
    ids_parameter: str | None
    targeting_key: str
    report_level: str


LEVELS: Mapping[str, Level] = MappingProxyType(
    {
        "AD_ACCOUNT": Level("AD_ACCOUNT_ID", None, "ad_account", "ADVERTISER"),
        "CAMPAIGN": Level("CAMPAIGN_ID", "campaign_ids", "campaign", "CAMPAIGN"),
        "AD_GROUP": Level("AD_GROUP_ID", "ad_group_ids", "ad_group", "AD_GROUP"),
        "AD": Level("AD_ID", "ad_ids", "ad", "PIN_PROMOTION"),
    }
)
TARGETING_LEVELS = tuple(level.targeting_key for level in LEVELS.values())  # keys of config['targeting_types']


# ------------------------------------------------------------------------------------------ rate limits
class RateLimit(NamedTuple):
    """A rate-limit category (each operation's `x-ratelimit-category`): Pinterest's quota of requests a minute per
    user and app, and the URL paths of its operations (regexes searched in the path, so any api_base_url works)."""

    per_minute: int
    paths: tuple[str, ...]


# Ads analytics (sync, targeting) and report jobs of one ad account: the requests of date windows.
AD_ACCOUNT_WINDOW_PATH = r"/ad_accounts/[^/]+/(.+/)?(analytics|targeting_analytics|reports)$"
# The first category whose path matches is the request's (analytics before the broader read paths); a request that
# matches none (a report file download) is in no category.
RATE_LIMITS: Mapping[str, RateLimit] = MappingProxyType(
    {
        "ads_analytics": RateLimit(300, (AD_ACCOUNT_WINDOW_PATH, r"/resources/metrics_ready_state$")),
        "org_analytics": RateLimit(60, (r"/(pins/[^/]+/analytics|pins/analytics|user_account/analytics(/[^/]+)?)$",)),
        "ads_read": RateLimit(1000, (r"/ad_accounts(/[^/]+(/.*)?)?$", r"/resources/targeting/.+$")),
        "org_read": RateLimit(1000, (r"/(boards(/.*)?|pins(/[^/]+)?|user_account|oauth/token)$",)),  # token refresh too
        "catalogs_read": RateLimit(100, (r"/catalogs(/.*)?$",)),
    }
)
RATE_BUDGET_PERCENT = 95  # the connector's pace, of each quota: every concurrent worker is paced before a 429


def paced_per_minute(category: str) -> int:
    """The requests a minute the connector's api_budget lets through in `category`."""
    return RATE_LIMITS[category].per_minute * RATE_BUDGET_PERCENT // 100


# ------------------------------------------------------------------------------------------ targeting
TARGETING_TYPES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {key: tuple(types) for key, types in ANALYTICS_FACTS["targeting_types"].items()}
)
TARGETING_BETA_TYPES: Mapping[str, frozenset[str]] = MappingProxyType(
    {key: frozenset(types) for key, types in ANALYTICS_FACTS["targeting_beta_types"].items()}
)
MAX_TARGETING_TYPES: Mapping[str, int] = MappingProxyType(dict(ANALYTICS_FACTS["targeting_max_types"]))  # per request


def default_targeting_types(targeting_key: str) -> list[str]:
    """A level's every non-BETA targeting type: what Pinterest serves to any account."""
    return [t for t in TARGETING_TYPES[targeting_key] if t not in TARGETING_BETA_TYPES[targeting_key]]


# ------------------------------------------------------------------------------------------ async reports
REPORT_LEVELS: tuple[str, ...] = tuple(ANALYTICS_FACTS["async_levels"])
REPORT_TARGETING_TYPES: tuple[str, ...] = tuple(ANALYTICS_FACTS["async_targeting_types"])
# The id column a report file carries for each base level (the `*_TARGETING` levels use their base's).
REPORT_ID_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "ADVERTISER": "ADVERTISER_ID",
        "CAMPAIGN": "CAMPAIGN_ID",
        "AD_GROUP": "AD_GROUP_ID",
        "PIN_PROMOTION": "PIN_PROMOTION_ID",
        "KEYWORD": "KEYWORD_ID",
        "PRODUCT_GROUP": "PRODUCT_GROUP_ID",
        "PRODUCT_ITEM": "PRODUCT_ITEM_ID",
    }
)
# Targeting reports default to the targeting types the matching sync endpoint documents for that level.
REPORT_TARGETING_SOURCE: Mapping[str, str] = MappingProxyType(
    {
        "ADVERTISER": "ad_account",
        "CAMPAIGN": "campaign",
        "AD_GROUP": "ad_group",
        "PIN_PROMOTION": "ad",
        "PRODUCT_GROUP": "ad_group",
        "PRODUCT_ITEM": "ad_group",
    }
)
MAX_REPORT_TARGETING_TYPES = 5  # the report body's `targeting_types` maxItems (a level offers up to 14)
RUN_STATUSES = ("RUNNING", "PAUSED", "NOT_STARTED", "COMPLETED", "ADVERTISER_DISABLED", "ARCHIVED", "DRAFT",
                "DELETED_DRAFT")  # fmt: skip
AD_STATUSES = ("APPROVED", "PAUSED", "PENDING", "REJECTED", "ADVERTISER_DISABLED", "ARCHIVED", "DRAFT",
               "DELETED_DRAFT")  # fmt: skip
MAX_REPORT_STATUSES = 6  # each status filter's maxItems (8 values exist; Pinterest refuses 7 or 8)
ATTRIBUTION_TYPES = ("INDIVIDUAL", "HOUSEHOLD")
REPORT_FORMATS = ("JSON", "CSV")


def base_level(level: str) -> str:
    return level.removesuffix("_TARGETING")


def is_targeting(level: str) -> bool:
    return level.endswith("_TARGETING")


def report_id_column(level: str) -> str:
    return REPORT_ID_COLUMNS[base_level(level)]


def date_limits(level: str, granularity: str) -> tuple[int, int]:
    """(max days back from today, max days between start_date and end_date) of one report request: 914/186,
    92/31 for PRODUCT_ITEM, 8/3 for HOUR, as the spec's descriptions say."""
    limits = ANALYTICS_FACTS["date_limits"]
    if base_level(level) == "PRODUCT_ITEM":
        chosen = limits["async_product_item"]
    elif granularity == "HOUR":
        chosen = limits["async_hour"]
    else:
        chosen = limits["async"]
    return int(chosen["max_days_back"]), int(chosen["max_range_days"])


def sync_date_limits(granularity: str) -> tuple[int, int]:
    """(max days back from today, max days in one range) of the sync analytics endpoints: 90/90, 8/3 for HOUR."""
    chosen = ANALYTICS_FACTS["date_limits"]["sync_hour" if granularity == "HOUR" else "sync"]
    return int(chosen["max_days_back"]), int(chosen["max_range_days"])


# ------------------------------------------------------------------------------------------ attribution
ATTRIBUTION_WINDOW_KEYS = ("click_window_days", "engagement_window_days", "view_window_days")
ATTRIBUTION_DEFAULTS: Mapping[str, int] = MappingProxyType(
    {key: int(ANALYTICS_FACTS["attribution_windows"][key]["default"]) for key in ATTRIBUTION_WINDOW_KEYS}
)  # 30 / 30 / 1
ATTRIBUTION_DAYS: tuple[int, ...] = tuple(ANALYTICS_FACTS["attribution_windows"]["click_window_days"]["values"])
CONVERSION_REPORT_TIMES: tuple[str, ...] = tuple(ANALYTICS_FACTS["conversion_report_time"]["values"])
DEFAULT_CONVERSION_REPORT_TIME: str = ANALYTICS_FACTS["conversion_report_time"]["default"]  # TIME_OF_AD_ACTION

DATE_CURSOR = "DATE"  # the day column of analytics and report rows: their streams' cursor field and state key
REPORTING_TIMEZONES: tuple[str, ...] = tuple(ANALYTICS_FACTS["reporting_timezone"]["values"])  # a beta
DEFAULT_REPORTING_TIMEZONE = "PINTEREST_TIME_ZONE"  # UTC: what Pinterest uses without the parameter

# ------------------------------------------------------------------------------------------ config defaults
GRANULARITIES = ("DAY", "HOUR", "WEEK", "MONTH", "TOTAL")  # the spec's, in the order messages offer them
DEFAULT_GRANULARITY = "DAY"
DEFAULT_START_DAYS_AGO = 30  # start_date left empty: analytics and reports from 30 days ago
DEFAULT_LOOKBACK_DAYS = 30  # covers Pinterest's usual revisions of late conversions
MAX_LOOKBACK_DAYS = int(ANALYTICS_FACTS["date_limits"]["sync"]["max_days_back"]) - 1  # 89: the sync endpoints reach 90
DEFAULT_WORKERS = 4
MAX_WORKERS = 20
DEFAULT_MAX_CONCURRENT_REPORTS = 4
MAX_CONCURRENT_REPORTS = 10
DEFAULT_TOP_PINS_SORT_BY = "IMPRESSION"
DEFAULT_PROGRESS_INTERVAL_SECONDS = 30.0
# Spend, delivery, engagement, conversions and their values: what most ads dashboards start from.
DEFAULT_ANALYTICS_COLUMNS = (
    "SPEND_IN_DOLLAR",
    "SPEND_IN_MICRO_DOLLAR",
    "PAID_IMPRESSION",
    "TOTAL_IMPRESSION",
    "IMPRESSION_1",
    "IMPRESSION_2",
    "CLICKTHROUGH_1",
    "CLICKTHROUGH_2",
    "TOTAL_CLICKTHROUGH",
    "OUTBOUND_CLICK_1",
    "OUTBOUND_CLICK_2",
    "TOTAL_ENGAGEMENT",
    "ENGAGEMENT_1",
    "ENGAGEMENT_2",
    "CTR",
    "ECTR",
    "CPC_IN_MICRO_DOLLAR",
    "ECPC_IN_DOLLAR",
    "CPM_IN_DOLLAR",
    "ECPM_IN_MICRO_DOLLAR",
    "REPIN_1",
    "REPIN_2",
    "TOTAL_CONVERSIONS",
    "TOTAL_CHECKOUT",
    "TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR",
    "TOTAL_SIGNUP",
    "TOTAL_SIGNUP_VALUE_IN_MICRO_DOLLAR",
    "TOTAL_LEAD",
    "TOTAL_PAGE_VISIT",
    "TOTAL_CUSTOM",
    "TOTAL_CUSTOM_VALUE_IN_MICRO_DOLLAR",
    "TOTAL_CLICK_CHECKOUT",
    "TOTAL_CLICK_CHECKOUT_VALUE_IN_MICRO_DOLLAR",
    "TOTAL_VIEW_CHECKOUT",
    "TOTAL_VIEW_CHECKOUT_VALUE_IN_MICRO_DOLLAR",
    "TOTAL_ENGAGEMENT_CHECKOUT",
    "TOTAL_ENGAGEMENT_CHECKOUT_VALUE_IN_MICRO_DOLLAR",
    "TOTAL_WEB_SESSIONS",
    "TOTAL_VIDEO_3SEC_VIEWS",
    "TOTAL_VIDEO_MRC_VIEWS",
    "TOTAL_VIDEO_P100_COMPLETE",
)
# Organic pin metrics every pin type reports (video-only metrics would fail for image pins).
DEFAULT_PIN_METRIC_TYPES = (
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "PIN_CLICK",
    "SAVE",
    "SAVE_RATE",
    "TOTAL_COMMENTS",
    "TOTAL_REACTIONS",
)
# What a custom report leaves out (the attribution defaults above complete it).
CUSTOM_REPORT_DEFAULTS: Mapping[str, str] = MappingProxyType(
    {"level": "ADVERTISER", "granularity": "DAY", "report_format": "JSON"}
)
CUSTOM_REPORT_GRANULARITIES = ("DAY", "HOUR", "WEEK", "MONTH")  # TOTAL rows have no DATE to be incremental on


# ------------------------------------------------------------------------------------------ the manifest's templates
FACTS = "__facts__"  # the resolved config's key holding `template_facts()` (config_file.saved_view leaves it out):
# settings.apply_defaults puts it into every resolved config, so the manifest's templates read facts, not literals


def template_facts() -> dict[str, Any]:
    """What the manifest's templates read as `config[FACTS]` (plain JSON: the CDK copies the config and writes it).

    `reach` is keyed like the analytics facts' date limits (sync, sync_hour, async, async_hour, async_product_item):
    `days_back` is the oldest day asked, counted back from today (the day after the API's edge, which it refuses
    intermittently), and `step` the longest date range of one request, as an ISO duration.
    """
    return {
        "default_start_days_ago": DEFAULT_START_DAYS_AGO,
        "entity_statuses": list(ENTITY_STATUSES),
        "reach": {
            key: {"days_back": int(limit["max_days_back"]) - 1, "step": f"P{int(limit['max_range_days'])}D"}
            for key, limit in ANALYTICS_FACTS["date_limits"].items()
        },
    }
