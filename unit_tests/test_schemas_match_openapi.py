"""The checked-in schemas and analytics facts are exactly what tools/generate_schemas.py derives from the spec."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

GENERATOR = Path(__file__).resolve().parents[1] / "tools" / "generate_schemas.py"


def _load_generator() -> ModuleType:
    # By path: tools/ is not an installed package, and the test must not depend on how pytest sets sys.path.
    spec = importlib.util.spec_from_file_location("generate_schemas", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
STREAM_NAMES = sorted(gen.STREAMS)


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return gen.load_spec()  # ~0.6 s with the C loader: parse once for the module


@pytest.fixture(scope="module")
def generated(openapi: dict[str, Any]) -> dict[Path, str]:
    return gen.generate(openapi)


@pytest.fixture(scope="module")
def schemas(generated: dict[Path, str]) -> dict[str, dict[str, Any]]:
    return {name: json.loads(generated[gen.SCHEMAS / f"{name}.json"]) for name in STREAM_NAMES}


@pytest.fixture(scope="module")
def analytics_facts(generated: dict[Path, str]) -> dict[str, Any]:
    return json.loads(generated[gen.ANALYTICS_FACTS])


@pytest.mark.parametrize("name", [*STREAM_NAMES, "analytics_facts"])
def test_checked_in_file_equals_generator_output(generated: dict[Path, str], name: str) -> None:
    path = gen.SCHEMAS / f"{name}.json"
    assert path.exists() and path.read_text() == generated[path], f"run `python tools/generate_schemas.py`: {name}"


def test_check_mode_lists_only_differing_files(
    openapi: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(gen, "load_spec", lambda: openapi)
    assert gen.main(["--check"]) == 0 and capsys.readouterr().out == ""
    same, drifted, missing = tmp_path / "same.json", tmp_path / "drifted.json", tmp_path / "missing.json"
    same.write_text("{}\n")
    drifted.write_text("{}\n")
    assert gen.stale_files({same: "{}\n", drifted: "[]\n", missing: "{}\n"}) == [drifted, missing]


def test_generation_is_deterministic(openapi: dict[str, Any], generated: dict[Path, str]) -> None:
    assert gen.generate(openapi) == generated


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_schema_is_valid_draft_07(schemas: dict[str, dict[str, Any]], name: str) -> None:
    schema = schemas[name]
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["type"] == "object" and schema["additionalProperties"] is True


def _subschemas(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, prop in schema.get("properties", {}).items():
        yield f"{path}.{name}", prop
        yield from _subschemas(prop, f"{path}.{name}")
    if "items" in schema:
        yield f"{path}[]", schema["items"]
        yield from _subschemas(schema["items"], f"{path}[]")


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_everything_but_the_primary_key_is_nullable_open_and_enum_free(
    schemas: dict[str, dict[str, Any]], name: str
) -> None:
    schema = schemas[name]
    keys = gen.STREAMS[name].primary_key
    assert all(schema["properties"][key] == {"type": "string"} for key in keys)
    for path, sub in _subschemas(schema):
        assert "enum" not in sub, path
        if path not in {f".{key}" for key in keys}:
            assert jsonschema.Draft7Validator(sub).is_valid(None), f"{name}{path} rejects null"
        if "properties" in sub:
            assert sub["additionalProperties"] is True, path


def test_connector_side_fields(schemas: dict[str, dict[str, Any]]) -> None:
    assert "credentials" not in schemas["catalogs_feeds"]["properties"]
    assert "credentials" not in json.dumps(schemas["catalogs_feeds"])
    nullable_string = {"type": ["null", "string"]}
    assert schemas["board_sections"]["properties"]["board_id"] == nullable_string
    assert schemas["board_section_pins"]["properties"]["section_id"] == nullable_string
    assert schemas["keywords"]["properties"]["ad_account_id"] == nullable_string
    assert schemas["keywords"]["properties"]["ad_group_id"] == nullable_string
    assert schemas["board_pins"]["properties"]["board_pins_modified_at"]["format"] == "date-time"
    for top in ("user_account_top_pins", "user_account_top_video_pins"):  # the spec's pin item plus the request
        assert {"pin_id", "metrics", "data_status", "sort_by", "start_date", "end_date"} == set(
            schemas[top]["properties"]
        )
        assert schemas[top]["properties"]["pin_id"] == {"type": "string"}
    assert set(schemas["targeting_options"]["properties"]) == {
        "TARGETING_TYPE",
        "TARGETING_VALUE",
        "NAME",
        "AD_ACCOUNT_ID",
    }


@pytest.mark.parametrize(
    ("stream", "field", "expected"),
    [
        ("campaigns", "updated_time", {"type": ["null", "integer"]}),  # Unix seconds
        ("ad_accounts", "created_time", {"type": ["null", "integer"]}),
        ("catalogs_product_groups", "created_at", {"type": ["null", "integer"]}),
        ("customer_lists", "updated_time", {"type": ["null", "number"]}),  # seconds, but typed number by the spec
        ("conversion_tags", "last_fired_time_ms", {"type": ["null", "number"]}),  # milliseconds
        ("boards", "created_at", {"type": ["null", "string"], "format": "date-time"}),
        ("pins", "created_at", {"type": ["null", "string"], "format": "date-time"}),
        ("catalogs_feeds", "updated_at", {"type": ["null", "string"], "format": "date-time"}),
        # untyped in the spec; its description names creative assets (image, video, title, ...): an object
        ("ad_groups", "dca_assets", {"type": ["null", "object"], "additionalProperties": True}),
        ("pins", "pin_metrics", {"type": ["null", "object"], "additionalProperties": True}),  # a free-form object
        (  # {date: status}: a map of strings
            "user_account_top_pins",
            "data_status",
            {"type": ["null", "object"], "additionalProperties": {"type": ["null", "string"]}},
        ),
        (  # {metric: value}: a map of numbers
            "user_account_top_video_pins",
            "metrics",
            {"type": ["null", "object"], "additionalProperties": {"type": ["null", "number"]}},
        ),
        ("ad_groups", "bid_multiplier", {"type": ["null", "number"]}),
    ],
)
def test_field_types_keep_the_apis_meaning(
    schemas: dict[str, dict[str, Any]], stream: str, field: str, expected: dict[str, Any]
) -> None:
    assert schemas[stream]["properties"][field] == expected


def test_variants_are_merged(schemas: dict[str, dict[str, Any]]) -> None:
    feeds = set(schemas["catalogs_feeds"]["properties"])
    assert {"default_availability", "default_country", "catalog_id", "format", "location"} <= feeds  # all 3 variants
    groups = schemas["catalogs_product_groups"]["properties"]
    assert {"feed_id", "type", "status", "is_featured", "filters"} <= set(groups)
    assert {"any_of", "all_of"} <= set(groups["filters"]["properties"])  # the filters' own anyOf, merged too
    media = schemas["pins"]["properties"]["media"]["properties"]
    assert {"media_type", "images", "duration", "video_url", "cover_image_url", "items"} <= set(media)


SAMPLES: dict[str, dict[str, Any]] = {
    "campaigns": {
        "id": "549755885175",
        "ad_account_id": "549755885175",
        "name": "ACME Tools",
        "status": "A_STATUS_ADDED_AFTER_THE_SPEC",
        "daily_spend_cap": None,
        "lifetime_spend_cap": 1432744,
        "start_time": 1580865126,
        "end_time": None,
        "created_time": 1432744744,
        "updated_time": 1432744744,
        "tracking_urls": None,
        "is_campaign_budget_optimization": None,
        "bid_options": {"placement_multipliers": None},
        "a_field_added_later": {"anything": [1, 2]},
    },
    "ad_groups": {
        "id": "2680060704746",
        "targeting_spec": {"GENDER": ["female"], "AGE_BUCKET": None, "LOCATION": ["US"]},
        "dca_assets": {"images": [{"asset": "x"}]},  # untyped in the spec; its description says named assets
        "bid_in_micro_currency": None,
        "bid_multiplier": 1.5,
        "optimization_goal_metadata": None,
    },
    "pins": {
        "id": "813744226420795884",
        "created_at": "2020-01-01T20:10:40Z",
        "board_section_id": None,
        "title": None,
        "creative_type": "VIDEO",
        "pin_metrics": {"90d": {"pin_click": 7}, "lifetime_metrics": None},
        "media": {
            "media_type": "video",
            "cover_image_url": "https://i.pinimg.com/cover.jpg",
            "duration": 12345.0,
            "height": None,
            "width": 720,
            "video_url": None,
            "images": {"150x150": {"width": 150, "height": 150, "url": "https://i.pinimg.com/150x150/a.jpg"}},
        },
    },
    "catalogs_feeds": {
        "id": "2680059592705",
        "catalog_type": "HOTEL",
        "catalog_id": None,
        "name": None,
        "created_at": "2022-03-14T15:15:22Z",
        "updated_at": "2022-03-14T15:16:34Z",
        "format": "TSV",
        "location": "https://example.com/feed.tsv",
        "preferred_processing_schedule": None,
        "status": "DELETED",
        "default_currency": None,
    },
    "catalogs_product_groups": {
        "id": "443727193917",
        "catalog_id": "2680059592705",
        "catalog_type": "RETAIL",
        "feed_id": None,
        "created_at": 1621350033,
        "filters": {"any_of": [{"MIN_PRICE": {"values": 10, "inclusion": True}}]},
        "type": "MERCHANT_CREATED",
    },
    "user_account": {"id": "803596766390685350", "username": "acme", "business_name": None, "monthly_views": None},
    "conversion_tags": {"id": "2612345678901", "name": "tag", "ad_account_id": "1", "last_fired_time_ms": 1.6e12},
}


@pytest.mark.parametrize("stream", sorted(SAMPLES))
def test_a_realistic_record_with_nulls_validates(schemas: dict[str, dict[str, Any]], stream: str) -> None:
    jsonschema.validate(SAMPLES[stream], schemas[stream], cls=jsonschema.Draft7Validator)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_a_record_of_nulls_validates_and_a_null_primary_key_does_not(
    schemas: dict[str, dict[str, Any]], name: str
) -> None:
    schema = schemas[name]
    validator = jsonschema.Draft7Validator(schema)
    keys = {key: "1" for key in gen.STREAMS[name].primary_key}
    assert validator.is_valid({field: None for field in schema["properties"]} | keys)
    assert not validator.is_valid(keys | {next(iter(keys)): None})


def test_schemas_still_reject_wrong_types(schemas: dict[str, dict[str, Any]]) -> None:
    validator = jsonschema.Draft7Validator(schemas["campaigns"])
    assert not validator.is_valid({"id": "1", "updated_time": "yesterday"})
    assert not validator.is_valid({"id": "1", "tracking_urls": {"click": "not-a-list"}})


def test_analytics_facts(openapi: dict[str, Any], analytics_facts: dict[str, Any]) -> None:
    sync, asynchronous = analytics_facts["sync_columns"], analytics_facts["async_columns"]
    assert len(sync) == 175 and len(asynchronous) == 613
    # Every sync ads analytics endpoint, targeting_analytics included, takes the same `columns` list.
    enums = gen.sync_column_enums(gen.Converter(openapi))
    assert len(enums) == 10 and all(columns == sorted(sync) for columns in enums.values())
    assert set(sync) - set(asynchronous) == {"QUIZ_PIN_RESULT_OPEN"}
    assert set(sync.values()) | set(asynchronous.values()) == {"string", "number", "boolean"}
    for column in ("CAMPAIGN_ID", "AD_ID", "PIN_ID", "CAMPAIGN_NAME", "CAMPAIGN_ENTITY_STATUS", "PRODUCT_ITEM_PIN_URL"):
        assert asynchronous[column] == "string", column
    for column in ("SPEND_IN_DOLLAR", "CTR", "TOTAL_VIEW_CATEGORY", "VIDEO_LENGTH", "AD_GROUP_BID_MULTIPLIER"):
        assert asynchronous[column] == "number", column
    assert all(asynchronous[c] == t for c, t in sync.items() if c in asynchronous)  # one rule for both
    assert analytics_facts["granularities"] == ["DAY", "HOUR", "MONTH", "TOTAL", "WEEK"]
    assert analytics_facts["attribution_windows"]["view_window_days"] == {"default": 1, "values": [0, 1, 7, 14, 30, 60]}
    assert analytics_facts["conversion_report_time"]["values"] == ["TIME_OF_AD_ACTION", "TIME_OF_CONVERSION"]
    assert set(analytics_facts["targeting_types"]) == {"ad_account", "campaign", "ad_group", "ad"}
    assert "PRODUCT_ITEM" in analytics_facts["async_levels"] and len(analytics_facts["async_levels"]) == 13
    assert set(analytics_facts["pin_metric_types"]) == {"standard", "video"}
    assert "ENGAGEMENT" in analytics_facts["user_account_metric_types"]
    assert analytics_facts["date_limits"] == {
        "sync": {"max_days_back": 90, "max_range_days": 90},
        "sync_hour": {"max_days_back": 8, "max_range_days": 3},
        "async": {"max_days_back": 914, "max_range_days": 186},
        "async_hour": {"max_days_back": 8, "max_range_days": 3},
        "async_product_item": {"max_days_back": 92, "max_range_days": 31},
    }


def test_a_new_attribute_like_column_must_be_classified() -> None:
    with pytest.raises(ValueError, match="looks like an attribute"):
        gen.column_type("CAMPAIGN_SHINY_NEW_ID", {})
    assert gen.column_type("TOTAL_SHINY_NEW_CONVERSIONS", {}) == "number"


def test_untyped_nodes_take_the_type_they_imply_or_generation_fails() -> None:
    converter = gen.Converter({})
    assert converter.convert({"enum": ["A", "B"]}) == {"type": ["null", "string"]}
    assert converter.convert({"items": {"type": "integer"}}) == {
        "type": ["null", "array"],
        "items": {"type": ["null", "integer"]},
    }
    assert converter.convert({"additionalProperties": {"type": "number"}}) == {
        "type": ["null", "object"],
        "additionalProperties": {"type": ["null", "number"]},
    }
    with pytest.raises(ValueError, match="mystery: the spec gives no type"):
        converter.convert({"description": "who knows"}, "mystery")
