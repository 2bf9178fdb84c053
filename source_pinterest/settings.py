"""The config as components read it: every default applied, into a frozen `Settings` made once per sync.

`apply_defaults` (the spec's ApplyDefaults config transformation, in components/config_migration.py) fills every
default into the resolved config, which the manifest's templates read. Each check, discover and read makes its
`Sync` (source_pinterest/sync.py), whose `Settings` fix "today" (UTC) for the whole run; components read
`self.sync.settings`, and none applies a default or reads the clock itself.
Nothing here is persisted: components/config_file.py saves only what the user set (and rotated tokens).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from source_pinterest.facts import (
    ATTRIBUTION_DEFAULTS,
    ATTRIBUTION_WINDOW_KEYS,
    DEFAULT_ANALYTICS_COLUMNS,
    DEFAULT_CONVERSION_REPORT_TIME,
    DEFAULT_GRANULARITY,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_MAX_CONCURRENT_REPORTS,
    DEFAULT_PIN_METRIC_TYPES,
    DEFAULT_PROGRESS_INTERVAL_SECONDS,
    DEFAULT_REPORTING_TIMEZONE,
    DEFAULT_START_DAYS_AGO,
    DEFAULT_TOP_PINS_SORT_BY,
    DEFAULT_WORKERS,
    ENTITY_STATUSES,
    FACTS,
    PIN_APP_TYPES,
    PRODUCTION_URL,
    TARGETING_LEVELS,
    default_targeting_types,
    template_facts,
)

# The top-level keys ApplyDefaults gives a value when the user left them out (lists: when empty too).
ANALYTICS_DEFAULTS: dict[str, Any] = {
    "granularity": DEFAULT_GRANULARITY,
    **ATTRIBUTION_DEFAULTS,
    "conversion_report_time": DEFAULT_CONVERSION_REPORT_TIME,
    "lookback_window_days": DEFAULT_LOOKBACK_DAYS,
    "top_pins_sort_by": DEFAULT_TOP_PINS_SORT_BY,
    "top_video_pins_sort_by": DEFAULT_TOP_PINS_SORT_BY,
    "reporting_timezone": DEFAULT_REPORTING_TIMEZONE,
}


@dataclass(frozen=True)
class Settings:
    """The config as components read it, made once per sync (its `Sync`): every default applied, "today" (UTC)
    fixed, targeting types resolved per level. Its types hold once `validate` has passed."""

    now: dt.datetime  # when the sync began (UTC): the one clock reading every "today" derives from
    today: dt.date
    start_date: dt.date  # the configured day, else DEFAULT_START_DAYS_AGO days before today
    api_base_url: str  # ends with "/"
    account_ids: tuple[str, ...]  # empty: every account the token sees
    entity_statuses: tuple[str, ...]
    num_workers: int
    max_concurrent_reports: int
    granularity: str
    analytics_columns: tuple[str, ...]
    click_window_days: int
    engagement_window_days: int
    view_window_days: int
    conversion_report_time: str
    lookback_window_days: int
    reporting_timezone: str
    pin_metric_types: tuple[str, ...]
    pin_app_types: tuple[str, ...]
    targeting_types: Mapping[str, tuple[str, ...]]  # per TARGETING_LEVELS key: the configured, else non-BETA
    progress_interval_seconds: float

    @property
    def attribution(self) -> dict[str, Any]:
        """The attribution options of an analytics request or report body."""
        return {key: getattr(self, key) for key in (*ATTRIBUTION_WINDOW_KEYS, "conversion_report_time")}

    @property
    def late_days(self) -> int:
        return late_days(self.attribution)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], now: dt.datetime | None = None) -> Settings:
        """From any config, defaults applied to a copy; `now` (default: the clock now) fixes "today"."""
        resolved = dict(config)  # apply_defaults replaces top-level values only
        apply_defaults(resolved)
        return cls.of(resolved, now or dt.datetime.now(dt.timezone.utc))

    @classmethod
    def of(cls, config: Mapping[str, Any], now: dt.datetime) -> Settings:
        """From a config with defaults applied (no conversion: a bad value is `validate`'s to report)."""
        start = config.get("start_date")
        try:
            start_day = dt.date.fromisoformat(str(start)) if start else None
        except ValueError:
            start_day = None
        chosen = config.get("targeting_types") if isinstance(config.get("targeting_types"), Mapping) else {}
        today = now.date()
        return cls(
            now=now,
            today=today,
            start_date=start_day or today - dt.timedelta(days=DEFAULT_START_DAYS_AGO),
            api_base_url=config["api_base_url"],
            account_ids=tuple(config["account_ids"]),
            entity_statuses=tuple(config["entity_statuses"]),
            num_workers=config["num_workers"],
            max_concurrent_reports=config["max_concurrent_reports"],
            granularity=config["granularity"],
            analytics_columns=tuple(config["analytics_columns"]),
            click_window_days=config["click_window_days"],
            engagement_window_days=config["engagement_window_days"],
            view_window_days=config["view_window_days"],
            conversion_report_time=config["conversion_report_time"],
            lookback_window_days=config["lookback_window_days"],
            reporting_timezone=config["reporting_timezone"],
            pin_metric_types=tuple(config["pin_metric_types"]),
            pin_app_types=tuple(config["pin_app_types"]),
            targeting_types={level: tuple(_targeting_types(chosen, level)) for level in TARGETING_LEVELS},
            progress_interval_seconds=float(
                config.get("progress_interval_seconds") or DEFAULT_PROGRESS_INTERVAL_SECONDS
            ),
        )


def late_days(attribution: Mapping[str, Any]) -> int:
    """How long after its last ad action an entity can still get rows: conversions dated at conversion time arrive
    up to the longest attribution window later. `attribution` holds the windows and `conversion_report_time`."""
    if attribution.get("conversion_report_time") != "TIME_OF_CONVERSION":
        return 0
    return max(int(attribution.get(key) or 0) for key in ATTRIBUTION_WINDOW_KEYS)


def apply_defaults(config: MutableMapping[str, Any]) -> None:
    """Fill in every default (the manifest's templates read them from the config)."""
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
    config["pin_app_types"] = list(config.get("pin_app_types") or PIN_APP_TYPES)
    config.setdefault("max_concurrent_reports", DEFAULT_MAX_CONCURRENT_REPORTS)
    config[FACTS] = template_facts()  # the limits and defaults the manifest's templates read


def targeting_types(config: Mapping[str, Any], level: str) -> list[str]:
    """The targeting types asked for at `level` (a TARGETING_TYPES key): the configured ones, else every non-BETA type.

    Resolved into Settings rather than written into the config, so types a newer spec adds are picked up.
    """
    return list(Settings.from_config(config).targeting_types[level])


def _targeting_types(chosen: Mapping[str, Any], level: str) -> list[str]:
    if level in chosen and chosen[level]:
        return list(dict.fromkeys(chosen[level]))
    return default_targeting_types(level)
