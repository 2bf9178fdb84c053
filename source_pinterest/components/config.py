"""The one place that knows the config: legacy keys, defaults, validation and the typed `Settings`.

Migration turns a source-pinterest 2.x config into this connector's shape and is persisted. Defaults are applied in
memory on every run and never persisted: `normalise` keeps what the user set (after migration) next to the resolved
config, and `save` writes only that, plus rotated OAuth tokens, so an improved default reaches every connection.
Defaults and the sync's `Settings` are made by `source_pinterest.settings.apply_defaults`, from the values in
`source_pinterest.facts`; the formats the spec states (`pattern`) are read from the manifest's spec, so the
platform's check and ours accept the same values.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from functools import lru_cache
from typing import Any

from airbyte_cdk.config_observation import emit_configuration_as_airbyte_control_message
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.transformations.config_transformations.config_transformation import (
    ConfigTransformation,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components.reports import custom
from source_pinterest.facts import (
    ATTRIBUTION_DAYS,
    ATTRIBUTION_WINDOW_KEYS,
    CATALOGUE,
    CONVERSION_REPORT_TIMES,
    DEFAULT_ANALYTICS_COLUMNS,
    DEFAULT_PIN_METRIC_TYPES,
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
from source_pinterest.settings import SETTINGS, Settings, apply_defaults, settings, targeting_types
from source_pinterest.spec_file import load_spec

__all__ = [  # what config's users read here: the persisted config's side, and the defaults it relies on
    "DEFAULT_ANALYTICS_COLUMNS",
    "DEFAULT_PIN_METRIC_TYPES",
    "MAX_WORKERS",
    "PRODUCTION_URL",
    "Settings",
    "apply_defaults",
    "settings",
    "targeting_types",
]

logger = logging.getLogger("airbyte")

SAVED = "__saved__"  # {"config": what the user set, after migration; "path": its --config file or None}
ROTATED_CREDENTIALS = ("access_token", "refresh_token", "token_expiry_date")  # written by the OAuth refresh


def normalise(
    config: Mapping[str, Any],
    path: str | None,
    migrate: Callable[[MutableMapping[str, Any]], None],
    transform: Callable[[MutableMapping[str, Any]], None],
) -> dict[str, Any]:
    """The config every component reads (migrated, defaults applied), carrying the user's own under SAVED.

    A migration is persisted at once, as the CDK does; defaults never are.
    """
    given = config[SAVED]["config"] if SAVED in config else config  # an already normalised config: start over
    saved = copy.deepcopy(dict(given))
    migrate(saved)
    resolved = copy.deepcopy(saved)
    transform(resolved)
    resolved[SAVED] = {"config": saved, "path": path}
    if saved != given:
        save(resolved)
    return resolved


def saved_view(config: Mapping[str, Any]) -> dict[str, Any]:
    """What is persisted: the user's config with the current OAuth tokens of `config`."""
    if SAVED in config:
        saved = copy.deepcopy(config[SAVED]["config"])
    else:
        saved = {k: v for k, v in config.items() if k != SETTINGS}
    credentials = config.get("credentials") or {}
    rotated = {name: credentials[name] for name in ROTATED_CREDENTIALS if name in credentials}
    if rotated:
        saved["credentials"] = {**(saved.get("credentials") or {}), **rotated}
    return saved


def save(config: Mapping[str, Any]) -> None:
    """Persist `saved_view(config)`: a CONNECTOR_CONFIG control message for the platform and, when the source was
    started with --config FILE, the file itself (atomically, keeping its permissions) for the command line."""
    view = saved_view(config)
    emit_configuration_as_airbyte_control_message(view)
    path = (config.get(SAVED) or {}).get("path")
    if not path:
        return
    try:
        write_atomically(path, view)
    except OSError as error:
        logger.warning(
            f"Could not write the updated config back to {path} ({error.strerror or error}); the CONNECTOR_CONFIG "
            "message carries it. Fix: make the file and its directory writable, or the next run from this file "
            "will need a new refresh token."
        )


def write_atomically(path: str, content: Mapping[str, Any]) -> None:
    """Replace the file at `path` with `content` as JSON: a reader sees the old file or the new one, never half."""
    target = os.path.realpath(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o600  # it holds secrets
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".config-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(content, file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def config_error(field: str, problem: str, fix: str) -> AirbyteTracedException:
    """A config_error trace that names the field, what is wrong and how to fix it."""
    message = f"Config field '{field}': {problem} Fix: {fix}"
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


def migrate_legacy(config: MutableMapping[str, Any]) -> None:
    """Map source-pinterest 2.x keys and values onto ours; newer keys win when both are present.

    Every value 2.x accepted keeps working: `status`, `account_id` and `num_threads` move to their new names,
    a single `account_id` also keeps reaching boards, pins and catalogs (`organic_ad_account_id`),
    `num_threads` above our limit is clamped, and custom reports get their 2.x values translated
    (`migrate_legacy_report`).
    """
    status = config.pop("status", None)
    if status and "entity_statuses" not in config:
        config["entity_statuses"] = list(status)
    account_id = config.pop("account_id", None)
    if account_id and not config.get("account_ids"):
        config["account_ids"] = [str(account_id)]
    if account_id and not config.get("organic_ad_account_id"):
        config["organic_ad_account_id"] = str(account_id)
    threads = config.pop("num_threads", None)
    if threads and "num_workers" not in config:
        config["num_workers"] = threads
    workers = config.get("num_workers")
    if _is_int(workers) and workers > MAX_WORKERS:  # 2.x allowed 40 threads
        logger.warning(
            f"num_workers {workers} is more than the {MAX_WORKERS} this connector runs; using {MAX_WORKERS}."
        )
        config["num_workers"] = MAX_WORKERS
    reports = config.get("custom_reports")
    if isinstance(reports, list):
        config["custom_reports"] = [migrate_legacy_report(r) if isinstance(r, Mapping) else r for r in reports]


def migrate_legacy_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """A 2.x custom report in our terms: `[30]`-style windows become 30, and TOTAL (2.x's default) becomes DAY.

    TOTAL rows have no date, so they can neither be synced incrementally nor told apart from one sync to the
    next; daily rows hold the same metrics, and any range's total is the sum of its days.
    """
    migrated = dict(report)
    for key in ATTRIBUTION_WINDOW_KEYS:
        value = migrated.get(key)
        if isinstance(value, list):  # 2.x's UI default was the list [30]
            if value:
                migrated[key] = value[0]
            else:
                migrated.pop(key)
    if migrated.get("granularity") == "TOTAL":  # 2.x's default (2.x required the key, so it is always written)
        logger.warning(
            f"Custom report '{migrated.get('name')}': granularity TOTAL (source-pinterest 2.x's default) is read as "
            "DAY, one row per day; sum the days for a total over any range."
        )
        migrated["granularity"] = "DAY"
    return migrated


@lru_cache(maxsize=1)
def _spec_properties() -> Mapping[str, Any]:
    return load_spec()["connection_specification"]["properties"]  # spec.yaml alone: a few ms, once per process


def spec_pattern(*path: str) -> re.Pattern[str]:
    """The `pattern` the spec gives the value at `path` (e.g. "account_ids", "items"): JSON schema's search."""
    node: Any = _spec_properties()
    for key in path:
        node = node[key]
    return re.compile(node["pattern"])


def _matches(value: Any, *path: str) -> bool:
    return isinstance(value, str) and spec_pattern(*path).search(value) is not None


class Problems:
    """Every bad field of one config, so a user fixes them all in one run instead of one run per typo."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, field: str, problem: str, fix: str) -> None:
        self.found.append(config_error(field, problem, fix).message or "")

    def add_error(self, error: AirbyteTracedException) -> None:
        self.found.append(error.message or "")

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


# source-pinterest 2.x keys that migrate_legacy renames: a 2.x config carries them and must not be warned about.
LEGACY_KEYS = ("status", "account_id", "num_threads")


def unknown_keys(config: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """The keys of the user's config that no field of the spec reads, each with the nearest field (or None)."""
    given = config[SAVED]["config"] if SAVED in config else config
    spec = _spec_properties()
    known = set(spec) | set(LEGACY_KEYS) | {SAVED, SETTINGS}
    found = [(key, _nearest(key, spec)) for key in given if key not in known]
    credentials = given.get("credentials")
    if isinstance(credentials, Mapping):
        fields = {name for option in spec["credentials"]["oneOf"] for name in option["properties"]}
        found += [
            (f"credentials.{key}", _nearest(key, fields, "credentials.")) for key in credentials if key not in fields
        ]
    return found


def _nearest(key: str, fields: Any, prefix: str = "") -> str | None:
    close = difflib.get_close_matches(key, sorted(fields), n=1)
    return prefix + close[0] if close else None


def warn_unknown_keys(config: Mapping[str, Any]) -> None:
    """Log each key the connector ignores: a typo like "start-date" would otherwise silently use the default."""
    for key, nearest in unknown_keys(config):
        hint = (
            f" Did you mean '{nearest}'?"
            if nearest
            else " Remove it if you added it (Airbyte may add keys of its own)."
        )
        logger.warning(f"Config key '{key}' is not a field of this connector and is ignored.{hint}")


def validate(config: Mapping[str, Any], today: dt.date | None = None) -> None:
    """Raise one config_error naming every bad field; `config` has defaults applied."""
    today = today or settings(config).today
    problems = Problems()
    _validate_credentials(config.get("credentials"), problems)

    start = config.get("start_date")
    if start:
        start_day = dt.date.fromisoformat(str(start)) if _matches(start, "start_date") and _is_date(start) else None
        if start_day is None:
            problems.add("start_date", f"'{start}' is not a date.", "write it as YYYY-MM-DD, e.g. 2025-01-31.")
        elif start_day > today:
            problems.add("start_date", f"{start} is in the future.", f"use a date on or before {today.isoformat()}.")

    bad_ids = [a for a in config["account_ids"] if not _matches(a, "account_ids", "items")]
    if bad_ids:
        listed = ", ".join(f"'{a}'" for a in bad_ids)
        problems.add(
            "account_ids",
            f"{listed} {'is not an ad account id' if len(bad_ids) == 1 else 'are not ad account ids'}.",
            "use the numeric ids shown in Ads Manager.",
        )

    organic = config.get("organic_ad_account_id")
    if organic is not None and not _matches(str(organic), "organic_ad_account_id"):
        problems.add(
            "organic_ad_account_id",
            f"'{organic}' is not an ad account id.",
            "use the numeric id shown in Ads Manager, or leave it empty to read as the token's user.",
        )

    unknown = sorted(set(config["entity_statuses"]) - set(ENTITY_STATUSES))
    if unknown:
        problems.add("entity_statuses", f"unknown status {unknown}.", f"choose from {list(ENTITY_STATUSES)}.")

    # The spec accepts a value with or without the final "/" that apply_defaults adds.
    if not _matches(str(config["api_base_url"]), "api_base_url"):
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
    try:
        _validate_custom_reports(config.get("custom_reports"), today)
    except AirbyteTracedException as error:  # custom.validate names the first bad report field
        problems.add_error(error)
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


def _validate_custom_reports(reports: Any, today: dt.date) -> None:
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


def _validate_analytics(config: Mapping[str, Any], problems: Problems) -> None:
    known = CATALOGUE["sync_columns"]
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
    pin_metrics = set(CATALOGUE["pin_metric_types"]["standard"]) | set(CATALOGUE["pin_metric_types"]["video"])
    unknown = [m for m in config["pin_metric_types"] if m not in pin_metrics]
    if unknown:
        problems.add("pin_metric_types", f"unknown metric(s) {unknown}.", f"choose from {sorted(pin_metrics)}.")
    unknown = [a for a in config["pin_app_types"] if a not in PIN_APP_TYPES]
    if unknown:
        problems.add("pin_app_types", f"unknown app type(s) {unknown}.", f"choose from {list(PIN_APP_TYPES)}.")
    _validate_targeting(config.get("targeting_types") or {}, problems)

    for option in ("top_pins", "top_video_pins"):
        allowed = CATALOGUE[option]
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
        offered = CATALOGUE["targeting_types"].get(level)
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


class MigrateLegacyConfig(ConfigTransformation):
    def transform(self, config: MutableMapping[str, Any]) -> None:
        migrate_legacy(config)


class ApplyDefaults(ConfigTransformation):
    def transform(self, config: MutableMapping[str, Any]) -> None:
        apply_defaults(config)
