"""Generate the connector's JSON schemas and analytics facts from the vendored Pinterest OpenAPI description.

    python tools/generate_schemas.py          # (re)write source_pinterest/schemas/*.json
    python tools/generate_schemas.py --check  # exit 1 listing the files that differ from what would be written

Typing rules (one place, so every stream follows them):
- `$ref`s are inlined and `allOf` parts merged; `oneOf`/`anyOf` variants (CatalogsFeed, CatalogsVerticalProductGroup,
  PinMedia, product group filters) merge into one schema whose types and properties are the union of the variants'.
- Every node accepts null except the primary key: Pinterest omits and nulls fields freely, so the spec's `required`
  and `nullable` (and "absent from some variant") are all subsumed by "nullable everywhere".
- Enums are dropped: Pinterest adds enum values faster than it publishes specs, and a new value must not fail a sync.
- `integer` stays integer (Unix seconds), `number` stays number, `format: date-time`/`date` is kept for ISO strings;
  other formats (double, password) say nothing a destination can use and are dropped, as are descriptions.
- Objects accept unknown keys (`additionalProperties: true`).
- Every node gets a `type` (an untyped `{}` leaves destinations and PyAirbyte guessing: "Could not determine airbyte
  type"). A node without one takes it from what it declares: `properties` or `additionalProperties` make an object,
  `items` an array, an enum the type of its values. An object with no declared properties (a free-form map such as
  `pin_metrics`, or `data_status`'s {date: status}) stays a nullable object; a typed `additionalProperties` is kept
  as the type of its values (numbers for the top pins' `metrics`). A node that declares nothing at all must be named
  in DOCUMENTED with the type its description gives, else generation fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = ROOT / "tools" / "openapi" / "pinterest-api-v5-openapi.yaml"
SCHEMAS = ROOT / "source_pinterest" / "schemas"
ANALYTICS_FACTS = SCHEMAS / "analytics_facts.json"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
PRIMARY_KEY = "id"
KEPT_FORMATS = frozenset({"date-time", "date"})
TOP_PINS = "/user_account/analytics/top_pins"
TOP_VIDEO_PINS = "/user_account/analytics/top_video_pins"
TARGETING_OPTIONS = "/resources/targeting/{targeting_type}"

Node = dict[str, Any]
# Properties the spec leaves without any type, typed from their description.
DOCUMENTED: Mapping[str, str] = {
    # AdGroupResponse.dca_assets: "The Dynamic creative assets to use for DCA ... basic creative assets of an ad
    # (image, video, title, call to action, logo etc)": named assets, an object.
    "dca_assets": "object",
}
_ENUM_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number"}


class Stream(NamedTuple):
    path: str  # GET operation in the spec
    envelope: bool = True  # records are the `records` array of the body (a paginated envelope), else the body itself
    add: Mapping[str, Node] = {}  # fields the connector injects; a field the spec already has keeps the spec's type
    drop: tuple[str, ...] = ()  # fields the connector strips
    records: str = "items"  # the body's field holding the records, when `envelope`; "" for a bare array body
    primary_key: tuple[str, ...] = (PRIMARY_KEY,)


_STR: Node = {"type": "string"}
_DATE: Node = {"type": "string", "format": "date"}
TOP_PINS_FIELDS: Mapping[str, Node] = {"sort_by": _STR, "start_date": _DATE, "end_date": _DATE}
STREAMS: dict[str, Stream] = {
    "ad_accounts": Stream("/ad_accounts"),
    "campaigns": Stream("/ad_accounts/{ad_account_id}/campaigns"),
    "ad_groups": Stream("/ad_accounts/{ad_account_id}/ad_groups"),
    "ads": Stream("/ad_accounts/{ad_account_id}/ads"),
    "user_account": Stream("/user_account", envelope=False),
    "boards": Stream("/boards"),
    "board_sections": Stream("/boards/{board_id}/sections", add={"board_id": _STR}),
    # board_pins_modified_at: the parent board's change time, copied onto each pin as the stream's cursor.
    "board_pins": Stream(
        "/boards/{board_id}/pins",
        add={"board_id": _STR, "board_pins_modified_at": {"type": "string", "format": "date-time"}},
    ),
    "board_section_pins": Stream(
        "/boards/{board_id}/sections/{section_id}/pins", add={"board_id": _STR, "section_id": _STR}
    ),
    "pins": Stream("/pins"),
    # ownership_type: OWNED or RECEIVED, the listing the audience came from (the connector lists both).
    "audiences": Stream("/ad_accounts/{ad_account_id}/audiences", add={"ownership_type": _STR}),
    "conversion_tags": Stream("/ad_accounts/{ad_account_id}/conversion_tags"),
    "customer_lists": Stream("/ad_accounts/{ad_account_id}/customer_lists"),
    "keywords": Stream("/ad_accounts/{ad_account_id}/keywords", add={"ad_account_id": _STR, "ad_group_id": _STR}),
    "catalogs": Stream("/catalogs"),
    # credentials holds the merchant's feed username and password: the connector strips it, so it is never declared.
    "catalogs_feeds": Stream("/catalogs/feeds", drop=("credentials",)),
    "catalogs_product_groups": Stream("/catalogs/product_groups"),
    # The top pins of the requested range, with the sort metric and the range the connector asked for.
    "user_account_top_pins": Stream(TOP_PINS, records="pins", primary_key=("pin_id",), add=TOP_PINS_FIELDS),
    "user_account_top_video_pins": Stream(TOP_VIDEO_PINS, records="pins", primary_key=("pin_id",), add=TOP_PINS_FIELDS),
    # Each answer is one free-form {value: name} map; the connector turns every entry into a row keyed like the
    # targeting analytics rows (TARGETING_TYPE, TARGETING_VALUE), so the two join.
    "targeting_options": Stream(
        TARGETING_OPTIONS,
        records="",
        primary_key=("TARGETING_TYPE", "TARGETING_VALUE"),
        add={"TARGETING_TYPE": _STR, "TARGETING_VALUE": _STR, "NAME": _STR, "AD_ACCOUNT_ID": _STR},
    ),
}


def load_spec(path: Path = OPENAPI) -> Node:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader parses the 1.5 MB spec ~10x faster
    with path.open() as f:
        return yaml.load(f, Loader=loader)


# ---------------------------------------------------------------------------------------------------------------
# OpenAPI -> JSON schema


def _nullable_types(types: Iterable[str]) -> list[str]:
    return ["null", *sorted(set(types) - {"null"})]


class Converter:
    def __init__(self, spec: Node) -> None:
        self.spec = spec

    def deref(self, node: Node) -> Node:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}  # siblings (nullable, type) win
        return node

    def flatten(self, node: Node) -> Node:
        """The node with `$ref`s inlined and `allOf` parts merged, at its top level only."""
        node = self.deref(node)
        if "allOf" not in node:
            return node
        merged = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            merged = self._meet(merged, self.flatten(part))
        return merged

    @staticmethod
    def _meet(a: Node, b: Node) -> Node:
        """Both `a` and `b` apply: shared properties and array items are themselves merged (lazily, via allOf)."""
        if a.get("type") and b.get("type") and a["type"] != b["type"]:
            raise ValueError(f"allOf parts disagree on type: {a['type']} vs {b['type']}")
        if ({"oneOf", "anyOf"} & a.keys()) and ({"oneOf", "anyOf"} & b.keys()):
            raise ValueError("allOf of two oneOf/anyOf parts is not supported")
        merged = {**a, **b}  # scalar keys: the later part wins (`nullable` is moot: the output is nullable throughout)
        if "items" in a and "items" in b:
            merged["items"] = {"allOf": [a["items"], b["items"]]}
        if "properties" in a and "properties" in b:
            props = dict(a["properties"])
            for name, prop in b["properties"].items():
                props[name] = {"allOf": [props[name], prop]} if name in props else prop
            merged["properties"] = props
        return merged

    def convert(self, node: Node, name: str = "") -> Node:
        """`name`: the property this node is the schema of (for DOCUMENTED and errors)."""
        node = self.flatten(node)
        variants = node.get("oneOf") or node.get("anyOf")
        if variants:
            # The node's own keys (e.g. `type: object`) apply to every variant.
            own = {k: v for k, v in node.items() if k not in ("oneOf", "anyOf", "discriminator")}
            return union([self.convert({"allOf": [own, variant]}, name) for variant in variants])
        kind = node.get("type") or _implied_type(node) or DOCUMENTED.get(name)
        if kind is None:
            raise ValueError(f"{name or 'a node'}: the spec gives no type; add the documented one to DOCUMENTED")
        schema: Node = {"type": _nullable_types([kind])}
        if kind == "object":
            extra = node.get("additionalProperties")
            # A typed map keeps its values' type; otherwise (and beside declared properties) any key is accepted.
            typed_map = isinstance(extra, dict) and bool(extra) and not node.get("properties")
            schema["additionalProperties"] = self.convert(extra, f"{name}.*") if typed_map else True
            if node.get("properties"):
                schema["properties"] = {key: self.convert(prop, key) for key, prop in node["properties"].items()}
        elif kind == "array":
            schema["items"] = self.convert(node.get("items", {}), f"{name}[]")
        elif node.get("format") in KEPT_FORMATS:
            schema["format"] = node["format"]
        return schema

    def operation(self, path: str, method: str = "get") -> Node:
        return self.spec["paths"][path][method]

    def response(self, path: str) -> Node:
        return self.operation(path)["responses"]["200"]["content"]["application/json"]["schema"]

    def record(self, stream: Stream) -> Node:
        """The converted schema of one record of `stream`, as the API returns it."""
        body = self.flatten(self.response(stream.path))
        if stream.envelope:
            array = self.flatten(body["properties"][stream.records]) if stream.records else body
            body = array["items"]
        return self.convert(body)


def _implied_type(node: Node) -> str | None:
    """The type an untyped node declares by its other keywords."""
    if "properties" in node or "additionalProperties" in node:
        return "object"
    if "items" in node:
        return "array"
    kinds = {_ENUM_TYPES.get(type(value)) for value in node.get("enum", []) if value is not None}
    return kinds.pop() if len(kinds) == 1 and None not in kinds else None


def union(schemas: list[Node]) -> Node:
    """One schema accepting what any of `schemas` accepts (a field absent from a variant is nullable anyway)."""
    merged: Node = {"type": _nullable_types(t for s in schemas for t in s["type"])}
    if "object" in merged["type"]:
        values = [s.get("additionalProperties") for s in schemas if "object" in s["type"]]
        same_map = isinstance(values[0], dict) and all(v == values[0] for v in values)
        merged["additionalProperties"] = values[0] if same_map else True  # variants' maps agree, or anything goes
    formats = {s.get("format") for s in schemas if "string" in s["type"]}
    if len(formats) == 1 and None not in formats:
        merged["format"] = formats.pop()
    objects = [s for s in schemas if "properties" in s]
    if objects:
        names = sorted({name for s in objects for name in s["properties"]})
        merged["additionalProperties"] = True
        merged["properties"] = {
            name: union([s["properties"][name] for s in objects if name in s["properties"]]) for name in names
        }
    arrays = [s["items"] for s in schemas if "items" in s]
    if arrays:
        merged["items"] = union(arrays)
    return merged


def stream_schema(converter: Converter, name: str) -> Node:
    stream = STREAMS[name]
    record = converter.record(stream)
    props = dict(record.get("properties", {}))  # a free-form record has only the fields the connector adds
    for field in stream.drop:
        if props.pop(field, None) is None:
            raise ValueError(f"{name}: {field} is no longer in the spec; update STREAMS")
    for field, fragment in stream.add.items():
        if field not in props:
            props[field] = {**fragment, "type": _nullable_types([fragment["type"]])}
        elif fragment["type"] not in props[field].get("type", [fragment["type"]]):
            raise ValueError(f"{name}: the spec types {field} as {props[field]}, the connector adds a {fragment}")
    for key in stream.primary_key:
        if key not in props:
            raise ValueError(f"{name}: the spec has no {key}")
        # The primary key is always present and never null.
        (key_type,) = [t for t in props[key]["type"] if t != "null"]
        props[key] = {**props[key], "type": key_type}
    return {"$schema": DRAFT_07, "type": "object", "additionalProperties": True, "properties": props}


# ---------------------------------------------------------------------------------------------------------------
# Analytics facts

SYNC_ANALYTICS = {  # level -> (analytics, targeting analytics) endpoints
    "ad_account": ("/ad_accounts/{ad_account_id}/analytics", "/ad_accounts/{ad_account_id}/targeting_analytics"),
    "campaign": (
        "/ad_accounts/{ad_account_id}/campaigns/analytics",
        "/ad_accounts/{ad_account_id}/campaigns/targeting_analytics",
    ),
    "ad_group": (
        "/ad_accounts/{ad_account_id}/ad_groups/analytics",
        "/ad_accounts/{ad_account_id}/ad_groups/targeting_analytics",
    ),
    "ad": ("/ad_accounts/{ad_account_id}/ads/analytics", "/ad_accounts/{ad_account_id}/ads/targeting_analytics"),
}
# Sync endpoints outside the four entity levels that still take the same `columns`.
OTHER_SYNC_ANALYTICS = (
    "/ad_accounts/{ad_account_id}/pins/analytics",
    "/ad_accounts/{ad_account_id}/product_groups/analytics",
)
COLUMNS_SOURCE = "/ad_accounts/{ad_account_id}/campaigns/analytics"
REPORTS = "/ad_accounts/{ad_account_id}/reports"
PIN_ANALYTICS = "/pins/{pin_id}/analytics"
USER_ACCOUNT_ANALYTICS = "/user_account/analytics"

# Column types. The spec types only the row-id columns (string, pattern ^\d+$, in the sync *AnalyticsResponse item
# schemas); those are read from the spec and must agree with these lists. Every other column is typed by these
# explicit lists, checked by hand against the column's meaning; the rest are metrics (counts, money, rates): "number".
STRING_COLUMNS = frozenset(
    {
        # ids: returned as digit strings, like the entities' ids
        "ADVERTISER_ID", "AD_ACCOUNT_ID", "AD_GROUP_ID", "AD_ID", "CAMPAIGN_ID", "ORDER_LINE_ID", "PIN_ID",
        "PIN_PROMOTION_ID", "PRODUCT_GROUP_ID", "PROMO_ID", "STANDARD_AD_FEED_ITEM_ID",
        # names
        "AD_GROUP_NAME", "AD_NAME", "CAMPAIGN_NAME", "ORDER_LINE_NAME", "PIN_PROMOTION_NAME", "PROMO_NAME",
        "PRODUCT_ITEM_NAME",
        # statuses, types, labels, tags: enum-like strings
        "AD_GROUP_ENTITY_STATUS", "AD_GROUP_STATUS", "AD_STATUS", "CAMPAIGN_ENTITY_STATUS", "CAMPAIGN_MANAGED_STATUS",
        "CAMPAIGN_STATUS", "PIN_PROMOTION_STATUS", "PRODUCT_GROUP_STATUS", "AD_GROUP_BUDGET_TYPE",
        "CAMPAIGN_OBJECTIVE_TYPE", "PRODUCT_ITEM_PRODUCT_TYPE", "CAMPAIGN_BRAND_LABEL", "CAMPAIGN_CUSTOM_LABELS",
        "PRODUCT_GROUP_AD_IMAGE_TAG", "PRODUCT_GROUP_AD_VIDEO_TAG",
        # the ad group's optimisation goal (an enum like the entity's billable_event), not a measurement
        "AD_GROUP_OPTIMIZATION",
        # product catalog attributes
        "PRODUCT_ITEM_BRAND", "PRODUCT_ITEM_CURRENCY", "PRODUCT_ITEM_DESCRIPTION", "PRODUCT_ITEM_IMAGE_URL",
        "PRODUCT_ITEM_PIN_URL", "PRODUCT_ITEM_PRODUCT_CATEGORY", "PRODUCT_ITEM_PRODUCT_URL",
    }
)  # fmt: skip
# Flags: CAMPAIGN_BUDGET_OPTIMIZATION mirrors CampaignResponse.is_campaign_budget_optimization (boolean in the spec).
BOOLEAN_COLUMNS = frozenset({"CAMPAIGN_BUDGET_OPTIMIZATION", "IS_PREMIERE_CAMPAIGN"})
# Attribute-looking names that are numbers: prices in the product's currency.
NUMERIC_ATTRIBUTES = frozenset({"PRODUCT_ITEM_PRICE", "PRODUCT_ITEM_SALE_PRICE"})
# A name matching this looks like an attribute, not a metric: a new one must be classified above before the
# analytics facts regenerate, so Pinterest adding e.g. CAMPAIGN_FOO_ID cannot silently become a "number".
_ATTRIBUTE_NAME = re.compile(r"_(ID|NAME|STATUS|TYPE|LABELS?|TAG|OPTIMIZATION)$|^IS_|^PRODUCT_ITEM_")

# Date limits, read from the operations' descriptions (a reworded sentence fails generation rather than going stale):
# GET campaigns/analytics: "If granularity is not HOUR, you can pull data from up to 90 days before the current date
#   in UTC time, with a maximum time range of 90 days." and "If granularity is HOUR, you can pull data from up to
#   8 days before the current date in UTC time, with a maximum time range of 3 days."
# POST reports: "If granularity is not HOUR, you can pull data from up to 914 days before the current date in UTC
#   time, with a maximum time range of 186 days." / the same HOUR sentence (8 / 3) / "If level is PRODUCT_ITEM, you can
#   pull data from up to 92 days before the current date in UTC time, with a maximum time range of 31 days."
_LIMIT = (
    r"you can pull data from up to (\d+) days before the current date in UTC time, "
    r"with a maximum time range of (\d+) days"
)
DATE_LIMITS = {  # key -> (path, method, condition sentence prefix)
    "sync": (COLUMNS_SOURCE, "get", "If granularity is not HOUR, "),
    "sync_hour": (COLUMNS_SOURCE, "get", "If granularity is HOUR, "),
    "async": (REPORTS, "post", "If granularity is not HOUR, "),
    "async_hour": (REPORTS, "post", "If granularity is HOUR, "),
    "async_product_item": (REPORTS, "post", "If level is PRODUCT_ITEM, "),
}


def _enum(values: Iterable[Any]) -> list[Any]:
    # Sorted so a spec release that only reorders an enum leaves the analytics facts unchanged; None is dropped because
    # OpenAPI 3.0 spells "nullable enum" with a null member.
    return sorted(v for v in values if v is not None)


def _params(converter: Converter, path: str) -> dict[str, Node]:
    return {p["name"]: p for p in map(converter.deref, converter.operation(path).get("parameters", []))}


def _param_items(converter: Converter, path: str, name: str) -> Node:
    """The item schema of an array query parameter, e.g. `columns`."""
    return converter.flatten(converter.flatten(_params(converter, path)[name]["schema"])["items"])


def sync_column_enums(converter: Converter) -> dict[str, list[str]]:
    """The `columns` enum of every sync ads analytics endpoint (they should all be the same list)."""
    paths = [p for pair in SYNC_ANALYTICS.values() for p in pair] + list(OTHER_SYNC_ANALYTICS)
    return {path: _enum(_param_items(converter, path, "columns")["enum"]) for path in paths}


def spec_column_types(converter: Converter) -> dict[str, str]:
    """Columns the sync analytics response schemas declare (the row ids), with their JSON type."""
    columns = set(_enum(_param_items(converter, COLUMNS_SOURCE, "columns")["enum"]))
    typed: dict[str, str] = {}
    for path in [p for p, _ in SYNC_ANALYTICS.values()] + list(OTHER_SYNC_ANALYTICS):
        row = converter.flatten(converter.flatten(converter.response(path))["items"])
        for name, prop in row.get("properties", {}).items():
            if name in columns:
                typed[name] = converter.flatten(prop)["type"]
    return typed


def column_type(name: str, spec_types: Mapping[str, str]) -> str:
    listed = (
        "string" if name in STRING_COLUMNS else "boolean" if name in BOOLEAN_COLUMNS else "number"
    )  # fmt: skip
    if name in spec_types and spec_types[name] != listed:
        raise ValueError(f"{name}: the spec says {spec_types[name]}, the lists say {listed}")
    if listed == "number" and _ATTRIBUTE_NAME.search(name) and name not in NUMERIC_ATTRIBUTES:
        raise ValueError(f"{name} looks like an attribute: classify it in STRING/BOOLEAN_COLUMNS/NUMERIC_ATTRIBUTES")
    return listed


def _date_limits(converter: Converter) -> dict[str, dict[str, int]]:
    limits = {}
    for key, (path, method, condition) in DATE_LIMITS.items():
        found = re.search(re.escape(condition) + _LIMIT, converter.operation(path, method)["description"])
        if not found:
            raise ValueError(f"{method.upper()} {path}: the sentence behind date limit {key!r} changed")
        limits[key] = {"max_days_back": int(found[1]), "max_range_days": int(found[2])}
    return limits


def _default_and_values(converter: Converter, path: str, name: str) -> Node:
    schema = converter.flatten(_params(converter, path)[name]["schema"])
    return {"default": schema.get("default"), "values": _enum(schema["enum"])}


# GET */targeting_analytics `targeting_types`: '... ["AGE_BUCKET_AND_GENDER", "CREATIVE_ENHANCEMENTS"] are in BETA and
# not yet available to all users.' (a reworded sentence fails generation rather than going stale)
_BETA = re.compile(r"\[([^\]]*)\] (?:is|are) in BETA and not yet available to all users")


def _beta_targeting_types(converter: Converter, path: str) -> list[str]:
    """Targeting types the endpoint's description marks BETA: Pinterest may refuse them to an ordinary account."""
    found = _BETA.search(_params(converter, path)["targeting_types"]["description"])
    if not found:
        raise ValueError(f"GET {path}: the sentence naming the BETA targeting types changed")
    return _enum(json.loads(f"[{found[1]}]"))


def analytics_facts(converter: Converter) -> Node:
    enums = sync_column_enums(converter)
    spec_types = spec_column_types(converter)
    report = converter.flatten(
        converter.operation(REPORTS, "post")["requestBody"]["content"]["application/json"]["schema"]
    )
    async_columns = _enum(converter.flatten(converter.flatten(report["properties"]["columns"])["items"])["enum"])
    known = set(enums[COLUMNS_SOURCE]) | set(async_columns)
    stale = (STRING_COLUMNS | BOOLEAN_COLUMNS | NUMERIC_ATTRIBUTES) - known
    if stale:
        raise ValueError(f"columns listed here but gone from the spec: {sorted(stale)}")
    pin_metrics = _param_items(converter, PIN_ANALYTICS, "metric_types")["oneOf"]
    return {
        "sync_columns": {c: column_type(c, spec_types) for c in enums[COLUMNS_SOURCE]},
        "async_columns": {c: column_type(c, spec_types) for c in async_columns},
        "async_levels": _enum(converter.flatten(report["properties"]["level"])["enum"]),
        "async_targeting_types": _enum(
            converter.flatten(converter.flatten(report["properties"]["targeting_types"])["items"])["enum"]
        ),
        "granularities": _enum(converter.flatten(_params(converter, COLUMNS_SOURCE)["granularity"]["schema"])["enum"]),
        "attribution_windows": {
            name: _default_and_values(converter, COLUMNS_SOURCE, name)
            for name in ("click_window_days", "engagement_window_days", "view_window_days")
        },
        "conversion_report_time": _default_and_values(converter, COLUMNS_SOURCE, "conversion_report_time"),
        "targeting_types": {
            level: _enum(_param_items(converter, targeting, "targeting_types")["enum"])
            for level, (_, targeting) in SYNC_ANALYTICS.items()
        },
        "targeting_beta_types": {
            level: _beta_targeting_types(converter, targeting) for level, (_, targeting) in SYNC_ANALYTICS.items()
        },
        "targeting_max_types": {
            level: converter.flatten(_params(converter, targeting)["targeting_types"]["schema"])["maxItems"]
            for level, (_, targeting) in SYNC_ANALYTICS.items()
        },
        # The pin endpoint's metric_types is a oneOf of two lists, told apart only by their descriptions.
        "pin_metric_types": {
            ("video" if "Video" in v["description"] else "standard"): _enum(v["enum"]) for v in pin_metrics
        },
        "user_account_metric_types": _enum(_param_items(converter, USER_ACCOUNT_ANALYTICS, "metric_types")["enum"]),
        "date_limits": _date_limits(converter),
        "top_pins": _top_pins_options(converter, TOP_PINS),
        "top_video_pins": _top_pins_options(converter, TOP_VIDEO_PINS),
        "targeting_option_types": _enum(
            converter.flatten(_params(converter, TARGETING_OPTIONS)["targeting_type"]["schema"])["enum"]
        ),
        "reporting_timezone": _reporting_timezone(converter, report),
    }


def _reporting_timezone(converter: Converter, report: Node) -> Node:
    """ReportingTimeZone: its values (the first is the API's default, UTC), whether it is a beta, and a check that
    every ads and targeting analytics endpoint and the report body take it, as the connector assumes."""
    paths = [path for pair in SYNC_ANALYTICS.values() for path in pair]
    missing = [path for path in paths if "reporting_timezone" not in _params(converter, path)]
    if missing or "reporting_timezone" not in report["properties"]:
        raise ValueError(f"reporting_timezone is no longer taken by {missing or [REPORTS]}")
    schema = converter.flatten(_params(converter, COLUMNS_SOURCE)["reporting_timezone"]["schema"])
    return {"values": list(schema["enum"]), "beta": "beta" in schema.get("description", "").lower()}


def _top_pins_options(converter: Converter, path: str) -> Node:
    return {
        "sort_by": _enum(converter.flatten(_params(converter, path)["sort_by"]["schema"])["enum"]),
        "metric_types": _enum(_param_items(converter, path, "metric_types")["enum"]),
    }


# ---------------------------------------------------------------------------------------------------------------
# Files


def render(document: Node) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def generate(spec: Node) -> dict[Path, str]:
    """Every generated file's path and text."""
    converter = Converter(spec)
    files = {SCHEMAS / f"{name}.json": render(stream_schema(converter, name)) for name in STREAMS}
    files[ANALYTICS_FACTS] = render(analytics_facts(converter))
    return files


def stale_files(files: Mapping[Path, str]) -> list[Path]:
    return [path for path, text in files.items() if not path.exists() or path.read_text() != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="list the files that differ instead of writing them")
    args = parser.parse_args(argv)
    files = generate(load_spec())
    if args.check:
        stale = stale_files(files)
        for path in stale:
            print(path.relative_to(ROOT))
        return 1 if stale else 0
    SCHEMAS.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
