"""What report streams derive from the facts (source_pinterest/facts.py): column types, default columns and
targeting types of a level, its primary key, and a JSON schema for a level and its columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from source_pinterest.facts import (
    DATE_CURSOR,
    REPORT_TARGETING_SOURCE,
    REPORT_TARGETING_TYPES,
    TARGETING_BETA_TYPES,
    analytics_facts,
    base_level,
    date_limits,
    is_targeting,
)
from source_pinterest.facts import report_id_column as id_column

__all__ = ["base_level", "date_limits", "id_column", "is_targeting"]  # the facts reports use most
TARGETING_COLUMNS = ("TARGETING_TYPE", "TARGETING_VALUE")
_JSON_TYPES = {"number": "number", "string": "string", "boolean": "boolean", "integer": "integer"}


def column_types() -> dict[str, str]:
    """Async column name -> JSON type (`number`, `string` or `boolean`)."""
    return dict(analytics_facts()["async_columns"])


def default_columns() -> list[str]:
    """The metrics both the sync analytics endpoints and reports serve: numeric columns of both enums."""
    cat = analytics_facts()
    return [name for name, kind in cat["sync_columns"].items() if kind == "number" and name in cat["async_columns"]]


def offered_by_reports(types: Iterable[str]) -> list[str]:
    """`types` less those async reports do not offer (campaigns' CREATIVE_TYPE and ads' QUIZ_RESULT exist only on the
    sync endpoints), in their order."""
    allowed = set(REPORT_TARGETING_TYPES)
    return [t for t in types if t in allowed]


def default_report_targeting_types(level: str) -> list[str]:
    """A targeting report level's default: the types its matching sync endpoint documents that reports offer,
    less those the spec marks BETA there (AGE_BUCKET_AND_GENDER; CREATIVE_ENHANCEMENTS where ad groups are
    reported): like the sync endpoints' default, what any account is served. A configured BETA type is still sent."""
    source = REPORT_TARGETING_SOURCE[base_level(level)]
    beta = TARGETING_BETA_TYPES[source]
    return [t for t in offered_by_reports(analytics_facts()["targeting_types"][source]) if t not in beta]


def primary_key(level: str, granularity: str = "DAY") -> list[str]:
    key = [id_column(level)] + ([] if granularity == "TOTAL" else [DATE_CURSOR])
    return key + (list(TARGETING_COLUMNS) if is_targeting(level) else [])


def json_schema(level: str, columns: list[str]) -> dict[str, Any]:
    """Schema of a report stream's records: key columns, the ad account, then every requested column (nullable)."""
    types = column_types()
    properties: dict[str, Any] = {
        "AD_ACCOUNT_ID": {"type": "string"},
        id_column(level): {"type": ["null", "string"]},
        DATE_CURSOR: {"type": ["null", "string"], "description": "YYYY-MM-DD (UTC), or YYYY-MM-DDTHH:00:00 for HOUR"},
    }
    if is_targeting(level):
        properties["TARGETING_TYPE"] = {"type": ["null", "string"]}
        # Pinterest sends some values as numbers (LOCATION 500); records carry them as strings, one type per key.
        properties["TARGETING_VALUE"] = {"type": ["null", "string"]}
    for name in columns:
        properties.setdefault(name, {"type": ["null", _JSON_TYPES.get(types.get(name, "string"), "string")]})
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": True,
        "properties": properties,
    }
