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
DEFAULT_LOOKBACK_DAYS = 30  # days re-read before the state's cursor each incremental sync (late conversions)
MAX_LOOKBACK_DAYS = 89
DEFAULT_MAX_CONCURRENT_REPORTS = 4
MAX_CONCURRENT_REPORTS = 10


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
    config.setdefault("lookback_window_days", DEFAULT_LOOKBACK_DAYS)
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

    workers = config["num_workers"]
    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= MAX_WORKERS:
        raise config_error(
            "num_workers", f"{workers!r} is out of range.", f"use a whole number from 1 to {MAX_WORKERS}."
        )

    lookback = config.get("lookback_window_days", DEFAULT_LOOKBACK_DAYS)
    _validate_whole_number("lookback_window_days", lookback, 0, MAX_LOOKBACK_DAYS)
    reports = config.get("max_concurrent_reports", DEFAULT_MAX_CONCURRENT_REPORTS)
    _validate_whole_number("max_concurrent_reports", reports, 1, MAX_CONCURRENT_REPORTS)
    _validate_custom_reports(config.get("custom_reports"), today)


def _validate_whole_number(field: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
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
