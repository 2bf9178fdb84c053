"""Custom reports (`config['custom_reports']`): defaults and validation, each becoming a stream `custom_<name>`.

Items keep the keys of source-pinterest 2.x (`name`, `level`, `granularity`, `columns`, `click_window_days`,
`engagement_window_days`, `view_window_days`, `conversion_report_time`, `attribution_types`, `start_date`) and
add optional `targeting_types`, `campaign_statuses`, `ad_group_statuses`, `ad_statuses`, `report_format`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from source_pinterest.components.reports import report_columns
from source_pinterest.facts import (
    AD_STATUSES,
    ATTRIBUTION_DAYS,
    ATTRIBUTION_DEFAULTS,
    ATTRIBUTION_TYPES,
    CONVERSION_REPORT_TIMES,
    CUSTOM_REPORT_DEFAULTS,
    CUSTOM_REPORT_GRANULARITIES,
    DEFAULT_CONVERSION_REPORT_TIME,
    MAX_REPORT_STATUSES,
    REPORT_FORMATS,
    REPORT_LEVELS,
    REPORT_TARGETING_TYPES,
    RUN_STATUSES,
    base_level,
    is_targeting,
)

STREAM_PREFIX = "custom_"
STATUS_FILTERS = {"campaign_statuses": RUN_STATUSES, "ad_group_statuses": RUN_STATUSES, "ad_statuses": AD_STATUSES}


def _error(index: int, name: str, field: str, problem: str, fix: str) -> str:
    label = f"custom_reports[{index}]" + (f" ('{name}')" if name else "")
    return f"Config field '{label}.{field}': {problem} Fix: {fix}"


def fill_report_defaults(report: MutableMapping[str, Any]) -> None:
    """Fill every option a custom report leaves out (nothing time-dependent: the config is persisted)."""
    for name, value in CUSTOM_REPORT_DEFAULTS.items():
        report.setdefault(name, value)
    if not report.get("columns"):
        report["columns"] = report_columns.default_columns()
    for name, default in ATTRIBUTION_DEFAULTS.items():
        if report.get(name) is None:
            report[name] = default
    report.setdefault("conversion_report_time", DEFAULT_CONVERSION_REPORT_TIME)


def problems(reports: Any, today: dt.date) -> list[str]:
    """One message per bad field of every report (what is wrong and the fix), so one run names them all."""
    if not isinstance(reports, list):
        return ["Config field 'custom_reports': must be a list of reports. Fix: remove it or add reports to it."]
    found: list[str] = []
    seen: set[str] = set()
    for index, report in enumerate(reports):
        if not isinstance(report, Mapping):
            found.append(_error(index, "", "", "is not an object.", "give each report a name, level and columns."))
            continue
        found.extend(_problems_of_one(index, report, seen, today))
    return found


def _problems_of_one(index: int, report: Mapping[str, Any], seen: set[str], today: dt.date) -> list[str]:
    name = str(report.get("name") or "").strip()
    found: list[str] = []

    def add(field: str, problem: str, fix: str) -> None:
        found.append(_error(index, name, field, problem, fix))

    if not name:
        add("name", "is empty.", "name the report; its stream is called custom_<name>.")
    elif name in seen:
        add("name", "is used by another custom report.", "give each report its own name.")
    seen.add(name)

    level = report.get("level")
    if level not in REPORT_LEVELS:
        add("level", f"'{level}' is not a report level.", f"choose one of {list(REPORT_LEVELS)}.")
    if report.get("granularity") not in CUSTOM_REPORT_GRANULARITIES:
        add(
            "granularity",
            f"'{report.get('granularity')}' is not supported.",
            f"choose one of {list(CUSTOM_REPORT_GRANULARITIES)} (TOTAL has no DATE for incremental syncs).",
        )
    _check_columns(report.get("columns"), add)
    for field, default in ATTRIBUTION_DEFAULTS.items():
        allowed = list(ATTRIBUTION_DAYS)
        if report.get(field, default) not in allowed:
            add(field, f"{report.get(field)!r} is not allowed.", f"choose one of {allowed}.")
    times = list(CONVERSION_REPORT_TIMES)
    if report.get("conversion_report_time") not in times:
        add("conversion_report_time", "is not supported.", f"choose one of {times}.")
    # The level-dependent checks need a known level; a bad level is reported above.
    _check_lists(report, level if level in REPORT_LEVELS else None, add)
    start = report.get("start_date")
    if start:
        try:
            start_day: dt.date | None = dt.date.fromisoformat(str(start))
        except ValueError:
            start_day = None
            add("start_date", f"'{start}' is not a date.", "write it as YYYY-MM-DD.")
        if start_day is not None and start_day > today:
            add("start_date", f"{start} is in the future.", f"use a date up to {today}.")
    return found


def _check_columns(columns: Any, add: Callable[[str, str, str], None]) -> None:
    known = report_columns.column_types()
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        add("columns", "must be a list of column names.", "list columns such as SPEND_IN_DOLLAR.")
        return
    unknown = [c for c in columns if c not in known]
    if unknown:
        close = sorted({k for k in known for u in unknown if u.upper() in k or k in u.upper()})[:8]
        add(
            "columns",
            f"unknown column(s) {unknown[:5]}.",
            f"use Pinterest's async report column names{', e.g. ' + ', '.join(close) if close else ''} "
            "(the full list is the ReportingColumnAsync enum of the Pinterest API).",
        )


def _check_lists(report: Mapping[str, Any], level: str | None, add: Callable[[str, str, str], None]) -> None:
    choices: dict[str, list[str]] = {
        "attribution_types": list(ATTRIBUTION_TYPES),
        "targeting_types": list(REPORT_TARGETING_TYPES),
        "report_format": list(REPORT_FORMATS),
        **{field: list(statuses) for field, statuses in STATUS_FILTERS.items()},
    }
    for field, allowed in choices.items():
        value = report.get(field)
        if value in (None, []):
            continue
        values = [value] if field == "report_format" else value
        bad = [v for v in values if v not in allowed] if isinstance(values, list) else [values]
        if bad:
            add(field, f"unknown value(s) {bad}.", f"choose from {allowed}.")
        elif field in STATUS_FILTERS and len(values) > MAX_REPORT_STATUSES:
            add(
                field,
                f"has {len(values)} statuses; Pinterest accepts at most {MAX_REPORT_STATUSES}.",
                f"keep {MAX_REPORT_STATUSES} or fewer, or leave it empty for every status.",
            )
    if level is None:
        return
    if report.get("targeting_types") and not is_targeting(level):
        add(
            "targeting_types",
            f"needs a *_TARGETING level, not {level}.",
            f"set level to {level}_TARGETING or remove targeting_types.",
        )
    if base_level(level) == "PRODUCT_ITEM" and report.get("ad_statuses"):
        add("ad_statuses", "is not allowed for PRODUCT_ITEM reports.", "remove it.")


def find(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    for report in config.get("custom_reports") or []:
        if str(report.get("name")) == name:
            return report
    raise KeyError(f"no custom report named {name!r} in the config")
