"""What the async report API accepts, read from the generated analytics catalogue (never typed by hand here).

`schemas/analytics_catalogue.json` is generated from the OpenAPI description by `tools/generate_schemas.py`;
this module turns it into the few facts report streams need: levels, their id column, column types, default
columns and targeting types, date limits, and a JSON schema for a level and its columns.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE_PATH = Path(__file__).resolve().parents[2] / "schemas" / "analytics_catalogue.json"

# The id column a report file carries for each base level (the `*_TARGETING` levels use their base's).
ID_COLUMNS = {
    "ADVERTISER": "ADVERTISER_ID",
    "CAMPAIGN": "CAMPAIGN_ID",
    "AD_GROUP": "AD_GROUP_ID",
    "PIN_PROMOTION": "PIN_PROMOTION_ID",
    "KEYWORD": "KEYWORD_ID",
    "PRODUCT_GROUP": "PRODUCT_GROUP_ID",
    "PRODUCT_ITEM": "PRODUCT_ITEM_ID",
}
# Targeting reports default to the targeting types the matching sync endpoint documents for that level.
_TARGETING_SOURCE = {
    "ADVERTISER": "ad_account",
    "CAMPAIGN": "campaign",
    "AD_GROUP": "ad_group",
    "PIN_PROMOTION": "ad",
    "PRODUCT_GROUP": "ad_group",
    "PRODUCT_ITEM": "ad_group",
}
TARGETING_COLUMNS = ("TARGETING_TYPE", "TARGETING_VALUE")
_JSON_TYPES = {"number": "number", "string": "string", "boolean": "boolean", "integer": "integer"}


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    return json.loads(CATALOGUE_PATH.read_text())


def levels() -> list[str]:
    return list(catalogue()["async_levels"])


def base_level(level: str) -> str:
    return level.removesuffix("_TARGETING")


def is_targeting(level: str) -> bool:
    return level.endswith("_TARGETING")


def id_column(level: str) -> str:
    return ID_COLUMNS[base_level(level)]


def column_types() -> dict[str, str]:
    """Async column name -> JSON type (`number`, `string` or `boolean`)."""
    return dict(catalogue()["async_columns"])


def default_columns() -> list[str]:
    """The metrics both the sync analytics endpoints and reports serve: numeric columns of both enums."""
    cat = catalogue()
    return [name for name, kind in cat["sync_columns"].items() if kind == "number" and name in cat["async_columns"]]


def default_targeting_types(level: str) -> list[str]:
    allowed = set(catalogue()["async_targeting_types"])
    return [t for t in catalogue()["targeting_types"][_TARGETING_SOURCE[base_level(level)]] if t in allowed]


def date_limits(level: str, granularity: str) -> tuple[int, int]:
    """(max days back from today, max days between start_date and end_date) for a report request."""
    limits = catalogue()["date_limits"]
    if base_level(level) == "PRODUCT_ITEM":
        chosen = limits["async_product_item"]
    elif granularity == "HOUR":
        chosen = limits["async_hour"]
    else:
        chosen = limits["async"]
    return int(chosen["max_days_back"]), int(chosen["max_range_days"])


def primary_key(level: str, granularity: str = "DAY") -> list[str]:
    key = [id_column(level)] + ([] if granularity == "TOTAL" else ["DATE"])
    return key + (list(TARGETING_COLUMNS) if is_targeting(level) else [])


def json_schema(level: str, columns: list[str]) -> dict[str, Any]:
    """Schema of a report stream's records: key columns, the ad account, then every requested column (nullable)."""
    types = column_types()
    properties: dict[str, Any] = {
        "AD_ACCOUNT_ID": {"type": "string"},
        id_column(level): {"type": ["null", "string"]},
        "DATE": {"type": ["null", "string"], "description": "YYYY-MM-DD (UTC), or YYYY-MM-DDTHH:00:00 for HOUR"},
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
