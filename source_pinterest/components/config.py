"""The one place that knows the config: legacy keys, defaults and validation.

Migration (persisted by the CDK) turns a source-pinterest 2.x config into this connector's shape.
Defaults are applied on every run but never include anything time-dependent (such as "30 days ago"),
because the OAuth token rotation persists the whole config and would freeze such a value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.transformations.config_transformations.config_transformation import (
    ConfigTransformation,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

ENTITY_STATUSES = ["ACTIVE", "PAUSED", "ARCHIVED", "DRAFT", "DELETED_DRAFT"]
PRODUCTION_URL = "https://api.pinterest.com/v5/"
_ALLOWED_BASE_URL = re.compile(
    r"^(https://api(-sandbox)?\.pinterest\.com/v5/|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/[^?#]*)?/)$"
)
MAX_WORKERS = 20
DEFAULT_WORKERS = 4
DEFAULT_MAX_CONCURRENT_REPORTS = 4
MAX_CONCURRENT_REPORTS = 10

# Spend, delivery, engagement, conversions and their values: what most ads dashboards start from.
DEFAULT_ANALYTICS_COLUMNS = [
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
]
GRANULARITIES = ["DAY", "HOUR", "WEEK", "MONTH", "TOTAL"]
ATTRIBUTION_DAYS = [0, 1, 7, 14, 30, 60]
CONVERSION_REPORT_TIMES = ["TIME_OF_AD_ACTION", "TIME_OF_CONVERSION"]
MAX_LOOKBACK_DAYS = 89  # the sync endpoints reach 90 days back
# Organic pin metrics every pin type reports (video-only metrics would fail for image pins).
DEFAULT_PIN_METRIC_TYPES = [
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "PIN_CLICK",
    "SAVE",
    "SAVE_RATE",
    "TOTAL_COMMENTS",
    "TOTAL_REACTIONS",
]
ANALYTICS_DEFAULTS: dict[str, Any] = {
    "granularity": "DAY",
    "click_window_days": 30,
    "engagement_window_days": 30,
    "view_window_days": 1,
    "conversion_report_time": "TIME_OF_AD_ACTION",
    "lookback_window_days": 30,
    "top_pins_sort_by": "IMPRESSION",
    "top_video_pins_sort_by": "IMPRESSION",
}


def config_error(field: str, problem: str, fix: str) -> AirbyteTracedException:
    """A config_error trace that names the field, what is wrong and how to fix it."""
    message = f"Config field '{field}': {problem} Fix: {fix}"
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


def migrate_legacy(config: MutableMapping[str, Any]) -> None:
    """Map source-pinterest 2.x keys onto ours; newer keys win when both are present."""
    status = config.pop("status", None)
    if status and "entity_statuses" not in config:
        config["entity_statuses"] = list(status)
    account_id = config.pop("account_id", None)
    if account_id and not config.get("account_ids"):
        config["account_ids"] = [str(account_id)]
    threads = config.pop("num_threads", None)
    if threads and "num_workers" not in config:
        config["num_workers"] = threads


def apply_defaults(config: MutableMapping[str, Any]) -> None:
    base_url = str(config.get("api_base_url") or PRODUCTION_URL)
    config["api_base_url"] = base_url if base_url.endswith("/") else base_url + "/"
    account_ids = config.get("account_ids") or []
    config["account_ids"] = [str(a) for a in account_ids] if isinstance(account_ids, list) else [str(account_ids)]
    config["entity_statuses"] = list(config.get("entity_statuses") or ENTITY_STATUSES)
    config.setdefault("num_workers", DEFAULT_WORKERS)
    for key, value in ANALYTICS_DEFAULTS.items():
        if config.get(key) is None:
            config[key] = value
    config["analytics_columns"] = list(config.get("analytics_columns") or DEFAULT_ANALYTICS_COLUMNS)
    config["pin_metric_types"] = list(config.get("pin_metric_types") or DEFAULT_PIN_METRIC_TYPES)
    config.setdefault("max_concurrent_reports", DEFAULT_MAX_CONCURRENT_REPORTS)


def validate(config: Mapping[str, Any], today: dt.date | None = None) -> None:
    """Raise a config_error naming the first bad field; `config` has defaults applied."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    _validate_credentials(config.get("credentials"))

    start = config.get("start_date")
    if start:
        try:
            start_day = dt.date.fromisoformat(str(start))
        except ValueError:
            raise config_error(
                "start_date", f"'{start}' is not a date.", "write it as YYYY-MM-DD, e.g. 2025-01-31."
            ) from None
        if start_day > today:
            raise config_error(
                "start_date", f"{start} is in the future.", f"use a date on or before {today.isoformat()}."
            )

    for account_id in config["account_ids"]:
        if not account_id.isdigit():
            raise config_error(
                "account_ids", f"'{account_id}' is not an ad account id.", "use the numeric ids shown in Ads Manager."
            )

    unknown = sorted(set(config["entity_statuses"]) - set(ENTITY_STATUSES))
    if unknown:
        raise config_error("entity_statuses", f"unknown status {unknown}.", f"choose from {ENTITY_STATUSES}.")

    if not _ALLOWED_BASE_URL.match(config["api_base_url"]):
        raise config_error(
            "api_base_url",
            f"'{config['api_base_url']}' is not a Pinterest API host.",
            f"leave it empty for {PRODUCTION_URL}, or use https://api-sandbox.pinterest.com/v5/ or a loopback URL.",
        )

    _validate_analytics(config)

    workers = config["num_workers"]
    if not _is_int(workers) or not 1 <= workers <= MAX_WORKERS:
        raise config_error(
            "num_workers", f"{workers!r} is out of range.", f"use a whole number from 1 to {MAX_WORKERS}."
        )

    reports = config.get("max_concurrent_reports", DEFAULT_MAX_CONCURRENT_REPORTS)
    _validate_whole_number("max_concurrent_reports", reports, 1, MAX_CONCURRENT_REPORTS)
    _validate_custom_reports(config.get("custom_reports"), today)


def _validate_whole_number(field: str, value: Any, low: int, high: int) -> None:
    if not _is_int(value) or not low <= value <= high:
        raise config_error(field, f"{value!r} is out of range.", f"use a whole number from {low} to {high}.")


def _validate_custom_reports(reports: Any, today: dt.date) -> None:
    # Imported here: the reports package reads the catalogue, which plain config handling does not need.
    from source_pinterest.components.reports import custom

    if reports is None:
        return
    defaulted = []
    for report in reports if isinstance(reports, list) else []:
        report = dict(report) if isinstance(report, Mapping) else report
        if isinstance(report, dict):
            custom.apply_defaults(report)
        defaulted.append(report)
    custom.validate(defaulted if isinstance(reports, list) else reports, today)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_analytics(config: Mapping[str, Any]) -> None:
    from source_pinterest.components.analytics import catalogue  # the catalogue is a schema file, loaded on demand

    known = catalogue()["sync_columns"]
    unknown = [c for c in config["analytics_columns"] if c not in known]
    if unknown:
        raise config_error(
            "analytics_columns",
            f"unknown column(s) {unknown}.",
            "use the column names of Pinterest's ads analytics API (e.g. SPEND_IN_DOLLAR, TOTAL_CLICKTHROUGH).",
        )
    if config["granularity"] not in GRANULARITIES:
        raise config_error(
            "granularity", f"'{config['granularity']}' is not supported.", f"choose one of {GRANULARITIES}."
        )
    for key in ("click_window_days", "engagement_window_days", "view_window_days"):
        if config[key] not in ATTRIBUTION_DAYS:
            raise config_error(
                key, f"{config[key]!r} is not an attribution window.", f"choose one of {ATTRIBUTION_DAYS}."
            )
    if config["conversion_report_time"] not in CONVERSION_REPORT_TIMES:
        raise config_error(
            "conversion_report_time",
            f"'{config['conversion_report_time']}' is not supported.",
            f"choose one of {CONVERSION_REPORT_TIMES}.",
        )
    lookback = config["lookback_window_days"]
    if not _is_int(lookback) or not 0 <= lookback <= MAX_LOOKBACK_DAYS:
        raise config_error(
            "lookback_window_days",
            f"{lookback!r} is out of range.",
            f"use a whole number of days from 0 to {MAX_LOOKBACK_DAYS} (30 covers Pinterest's usual revisions).",
        )
    pin_metrics = set(catalogue()["pin_metric_types"]["standard"]) | set(catalogue()["pin_metric_types"]["video"])
    unknown = [m for m in config["pin_metric_types"] if m not in pin_metrics]
    if unknown:
        raise config_error("pin_metric_types", f"unknown metric(s) {unknown}.", f"choose from {sorted(pin_metrics)}.")
    for option in ("top_pins", "top_video_pins"):
        allowed = catalogue()[option]
        if config[f"{option}_sort_by"] not in allowed["sort_by"]:
            raise config_error(
                f"{option}_sort_by",
                f"{config[f'{option}_sort_by']!r} is not supported.",
                f"choose one of {allowed['sort_by']}.",
            )
        unknown = [m for m in config.get(f"{option}_metric_types") or () if m not in allowed["metric_types"]]
        if unknown:
            raise config_error(
                f"{option}_metric_types", f"unknown metric(s) {unknown}.", f"choose from {allowed['metric_types']}."
            )


def _validate_credentials(credentials: Any) -> None:
    if not isinstance(credentials, Mapping):
        raise config_error(
            "credentials", "is missing.", "choose OAuth2.0 (recommended) or Access Token and fill it in."
        )
    method = credentials.get("auth_method")
    required = {"oauth2.0": ("client_id", "client_secret", "refresh_token"), "access_token": ("access_token",)}
    if method not in required:
        raise config_error(
            "credentials.auth_method", f"'{method}' is not supported.", "use 'oauth2.0' or 'access_token'."
        )
    for name in required[method]:
        if not str(credentials.get(name) or "").strip():
            raise config_error(
                f"credentials.{name}",
                "is empty.",
                "re-authenticate the source in Airbyte, or paste the value from your Pinterest app.",
            )


class MigrateLegacyConfig(ConfigTransformation):
    def transform(self, config: MutableMapping[str, Any]) -> None:
        migrate_legacy(config)


class ApplyDefaults(ConfigTransformation):
    def transform(self, config: MutableMapping[str, Any]) -> None:
        apply_defaults(config)
