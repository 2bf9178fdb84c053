"""Every property of every schema the connector declares has a type: the checked-in stream schemas, the analytics
and report schemas built in code, and the custom reports' (an untyped `{}` leaves destinations guessing; PyAirbyte
said "Could not determine airbyte type" once per such column)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from source_pinterest import SourcePinterest
from unit_tests.conftest import oauth_config, token_config

SCHEMAS = Path(__file__).resolve().parents[1] / "source_pinterest" / "schemas"
JSON_TYPES = {"null", "object", "array", "string", "number", "integer", "boolean"}
CONFIGS = {
    "default": oauth_config(),
    "custom reports and options": token_config(
        granularity="HOUR",
        pin_metric_types=["IMPRESSION", "SAVE", "VIDEO_START"],
        targeting_types={"ad_account": ["GENDER", "COUNTRY"], "ad": ["APPTYPE"]},
        custom_reports=[
            {"name": "minimal"},
            {"name": "by_gender", "level": "PIN_PROMOTION_TARGETING", "granularity": "DAY"},
            {"name": "items", "level": "PRODUCT_ITEM", "columns": ["TOTAL_IMPRESSION"], "report_format": "CSV"},
        ],
    ),
}


def untyped(schema: Any, path: str) -> Iterator[str]:
    """Paths of the subschemas below `schema` (properties, items, map values, variants) that have no type."""
    if not isinstance(schema, dict):
        yield f"{path} (not a schema)"
        return
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        for i, variant in enumerate(variants):
            yield from untyped(variant, f"{path}|{i}")
        return
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types
    if not types or not set(types) <= JSON_TYPES:
        yield path
    for name, prop in schema.get("properties", {}).items():
        yield from untyped(prop, f"{path}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from untyped(schema["additionalProperties"], f"{path}.*")
    if "items" in schema:
        yield from untyped(schema["items"], f"{path}[]")


def test_the_walk_finds_an_untyped_property_at_any_depth() -> None:
    schema = {
        "type": "object",
        "properties": {
            "ok": {"type": ["null", "string"]},
            "free": {},
            "list": {"type": "array", "items": {}},
            "map": {"type": "object", "additionalProperties": {"enum": ["A"]}},
            "either": {"anyOf": [{"type": "string"}, {}]},
        },
    }
    assert sorted(untyped(schema, "s")) == ["s.either|1", "s.free", "s.list[]", "s.map.*"]


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.json")), ids=lambda p: p.stem)
def test_every_checked_in_schema_property_is_typed(path: Path) -> None:
    schema = json.loads(path.read_text())
    if "$schema" not in schema:  # analytics_facts.json: column facts the code builds schemas from
        pytest.skip("not a record schema")
    assert list(untyped(schema, path.stem)) == []


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_every_discovered_stream_property_is_typed(config: dict[str, Any]) -> None:
    source = SourcePinterest(config=config)
    streams = source.discover(logging.getLogger("airbyte"), source._config).streams
    assert any(s.name.startswith("custom_") for s in streams) == ("custom_reports" in config)
    bad = [path for stream in streams for path in untyped(stream.json_schema, stream.name)]
    assert bad == []
