"""Validation of the resolved config: one config_error that names every bad field, what is wrong and the fix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components.config_spec import matches_spec
from source_pinterest.components.reports import custom
from source_pinterest.facts import (
    ANALYTICS_FACTS,
    ATTRIBUTION_DAYS,
    ATTRIBUTION_WINDOW_KEYS,
    CONVERSION_REPORT_TIMES,
    ENTITY_STATUSES,
    GRANULARITIES,
    MAX_CONCURRENT_REPORTS,
    MAX_LOOKBACK_DAYS,
    MAX_WORKERS,
    PIN_APP_TYPES,
    PRODUCTION_URL,
    REPORTING_TIMEZONES,
    SANDBOX_URL,
    TARGETING_LEVELS,
)
from source_pinterest.settings import Settings


def config_error(field: str, problem: str, fix: str) -> AirbyteTracedException:
    """A config_error trace that names the field, what is wrong and how to fix it."""
    message = f"Config field '{field}': {problem} Fix: {fix}"
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


class Problems:
    """Every bad field of one config, so a user fixes them all in one run instead of one run per typo."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, field: str, problem: str, fix: str) -> None:
        self.found.append(config_error(field, problem, fix).message or "")

    def add_message(self, message: str) -> None:
        """A message already in config_error's form (`Config field '...': ... Fix: ...`)."""
        self.found.append(message)

    def raise_if_any(self) -> None:
        if len(self.found) == 1:
            raise AirbyteTracedException(
                message=self.found[0], internal_message=self.found[0], failure_type=FailureType.config_error
            )
        if self.found:
            listed = " ".join(f"({number}) {text}" for number, text in enumerate(self.found, 1))
            message = f"The config has {len(self.found)} problems: {listed}"
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.config_error
            )


def validate(config: Mapping[str, Any], today: dt.date | None = None) -> None:
    """Raise one config_error naming every bad field; `config` has defaults applied."""
    today = today or Settings.from_config(config).today
    problems = Problems()
    _validate_credentials(config.get("credentials"), problems)

    start = config.get("start_date")
    if start:
        start_day = dt.date.fromisoformat(str(start)) if matches_spec(start, "start_date") and _is_date(start) else None
        if start_day is None:
            problems.add("start_date", f"'{start}' is not a date.", "write it as YYYY-MM-DD, e.g. 2025-01-31.")
        elif start_day > today:
            problems.add("start_date", f"{start} is in the future.", f"use a date on or before {today.isoformat()}.")

    bad_ids = [a for a in config["account_ids"] if not matches_spec(a, "account_ids", "items")]
    if bad_ids:
        listed = ", ".join(f"'{a}'" for a in bad_ids)
        problems.add(
            "account_ids",
            f"{listed} {'is not an ad account id' if len(bad_ids) == 1 else 'are not ad account ids'}.",
            "use the numeric ids shown in Ads Manager.",
        )

    organic = config.get("organic_ad_account_id")
    if organic is not None and not matches_spec(str(organic), "organic_ad_account_id"):
        problems.add(
            "organic_ad_account_id",
            f"'{organic}' is not an ad account id.",
            "use the numeric id shown in Ads Manager, or leave it empty to read as the token's user.",
        )

    unknown = sorted(set(config["entity_statuses"]) - set(ENTITY_STATUSES))
    if unknown:
        problems.add("entity_statuses", f"unknown status {unknown}.", f"choose from {list(ENTITY_STATUSES)}.")

    # The spec accepts a value with or without the final "/" that apply_defaults adds.
    if not matches_spec(str(config["api_base_url"]), "api_base_url"):
        problems.add(
            "api_base_url",
            f"'{config['api_base_url']}' is not a Pinterest API host.",
            f"leave it empty for {PRODUCTION_URL}, or use {SANDBOX_URL} or a loopback URL.",
        )

    _validate_analytics(config, problems)
    _validate_whole_number("num_workers", config["num_workers"], 1, MAX_WORKERS, problems)
    _validate_whole_number(
        "max_concurrent_reports", config["max_concurrent_reports"], 1, MAX_CONCURRENT_REPORTS, problems
    )
    for problem in _custom_report_problems(config.get("custom_reports"), today):
        problems.add_message(problem)
    problems.raise_if_any()


def _is_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _validate_whole_number(field: str, value: Any, low: int, high: int, problems: Problems) -> None:
    if not _is_int(value) or not low <= value <= high:
        problems.add(field, f"{value!r} is out of range.", f"use a whole number from {low} to {high}.")


def _custom_report_problems(reports: Any, today: dt.date) -> list[str]:
    if reports is None:
        return []
    defaulted = []
    for report in reports if isinstance(reports, list) else []:
        report = dict(report) if isinstance(report, Mapping) else report
        if isinstance(report, dict):
            custom.fill_report_defaults(report)
        defaulted.append(report)
    return custom.problems(defaulted if isinstance(reports, list) else reports, today)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_analytics(config: Mapping[str, Any], problems: Problems) -> None:
    known = ANALYTICS_FACTS["sync_columns"]
    unknown = [c for c in config["analytics_columns"] if c not in known]
    if unknown:
        problems.add(
            "analytics_columns",
            f"unknown column(s) {unknown}.",
            "use the column names of Pinterest's ads analytics API (e.g. SPEND_IN_DOLLAR, TOTAL_CLICKTHROUGH).",
        )
    if config["granularity"] not in GRANULARITIES:
        problems.add(
            "granularity", f"'{config['granularity']}' is not supported.", f"choose one of {list(GRANULARITIES)}."
        )
    for key in ATTRIBUTION_WINDOW_KEYS:
        if config[key] not in ATTRIBUTION_DAYS:
            problems.add(
                key, f"{config[key]!r} is not an attribution window.", f"choose one of {list(ATTRIBUTION_DAYS)}."
            )
    if config["conversion_report_time"] not in CONVERSION_REPORT_TIMES:
        problems.add(
            "conversion_report_time",
            f"'{config['conversion_report_time']}' is not supported.",
            f"choose one of {list(CONVERSION_REPORT_TIMES)}.",
        )
    zones = list(REPORTING_TIMEZONES)
    if config["reporting_timezone"] not in zones:
        problems.add(
            "reporting_timezone",
            f"{config['reporting_timezone']!r} is not supported.",
            f"choose one of {zones} (AD_ACCOUNT_TIME_ZONE dates rows in each ad account's time zone).",
        )
    lookback = config["lookback_window_days"]
    if not _is_int(lookback) or not 0 <= lookback <= MAX_LOOKBACK_DAYS:
        problems.add(
            "lookback_window_days",
            f"{lookback!r} is out of range.",
            f"use a whole number of days from 0 to {MAX_LOOKBACK_DAYS} (30 covers Pinterest's usual revisions).",
        )
    pin_metrics = set(ANALYTICS_FACTS["pin_metric_types"]["standard"]) | set(
        ANALYTICS_FACTS["pin_metric_types"]["video"]
    )
    unknown = [m for m in config["pin_metric_types"] if m not in pin_metrics]
    if unknown:
        problems.add("pin_metric_types", f"unknown metric(s) {unknown}.", f"choose from {sorted(pin_metrics)}.")
    unknown = [a for a in config["pin_app_types"] if a not in PIN_APP_TYPES]
    if unknown:
        problems.add("pin_app_types", f"unknown app type(s) {unknown}.", f"choose from {list(PIN_APP_TYPES)}.")
    _validate_targeting(config.get("targeting_types") or {}, problems)

    for option in ("top_pins", "top_video_pins"):
        allowed = ANALYTICS_FACTS[option]
        if config[f"{option}_sort_by"] not in allowed["sort_by"]:
            problems.add(
                f"{option}_sort_by",
                f"{config[f'{option}_sort_by']!r} is not supported.",
                f"choose one of {allowed['sort_by']}.",
            )
        unknown = [m for m in config.get(f"{option}_metric_types") or () if m not in allowed["metric_types"]]
        if unknown:
            problems.add(
                f"{option}_metric_types", f"unknown metric(s) {unknown}.", f"choose from {allowed['metric_types']}."
            )


def _validate_targeting(chosen: Any, problems: Problems) -> None:
    if not isinstance(chosen, Mapping):
        problems.add("targeting_types", "is not an object.", f"give a list per level {TARGETING_LEVELS}.")
        return
    for level, types in chosen.items():
        offered = ANALYTICS_FACTS["targeting_types"].get(level)
        if offered is None:
            problems.add("targeting_types", f"unknown level '{level}'.", f"use the levels {TARGETING_LEVELS}.")
            continue
        unknown = [t for t in types or () if t not in offered]
        if unknown:
            problems.add(
                f"targeting_types.{level}", f"Pinterest offers no {unknown} at this level.", f"choose from {offered}."
            )


def _validate_credentials(credentials: Any, problems: Problems) -> None:
    if not isinstance(credentials, Mapping):
        problems.add("credentials", "is missing.", "choose OAuth2.0 (recommended) or Access Token and fill it in.")
        return
    method = credentials.get("auth_method")
    required = {"oauth2.0": ("client_id", "client_secret", "refresh_token"), "access_token": ("access_token",)}
    if method not in required:
        problems.add("credentials.auth_method", f"'{method}' is not supported.", "use 'oauth2.0' or 'access_token'.")
        return
    for name in required[method]:
        if not str(credentials.get(name) or "").strip():
            problems.add(
                f"credentials.{name}",
                "is empty.",
                "re-authenticate the source (in Airbyte: its settings; from the command line: the --config file), "
                "or paste the value from your Pinterest app.",
            )
