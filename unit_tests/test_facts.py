"""Each Pinterest fact has one home: generated files equal what the spec gives, and nothing imports in a circle."""

from __future__ import annotations

import ast
import copy
import dataclasses
import datetime as dt
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import yaml
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from integration_tests.clock import TODAY
from source_pinterest import SourcePinterest, facts
from source_pinterest.components import config_file, config_spec, config_validation
from source_pinterest.components.rate_categories import UNPACED, category
from source_pinterest.manifest_facts import with_facts
from source_pinterest.settings import Settings, apply_defaults
from unit_tests.conftest import oauth_config, token_config

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> ModuleType:
    # By path: tools/ is not an installed package.
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _imports_within(package: Path, dotted: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (at any depth, TYPE_CHECKING blocks included).

    `from package import module` counts as importing that module, not the package's __init__."""
    files = {".".join([dotted, *f.relative_to(package).with_suffix("").parts]).removesuffix(".__init__"): f
             for f in package.rglob("*.py")}  # fmt: skip
    graph: dict[str, set[str]] = {}
    for name, file in files.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.rsplit(".", node.level - (file.name == "__init__.py"))[0]
                    module = f"{base}.{node.module}" if node.module else base
                else:
                    module = node.module or ""
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in files else module for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            found.update(t for t in targets if t in files and t != name)
        graph[name] = found
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    circles: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for target in sorted(graph.get(module, ())):
            if target in path:
                circles.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target, [*path, target])
        done.add(module)

    for module in sorted(graph):
        visit(module, [module])
    return circles


def test_emulator_enums_are_generated_from_the_openapi_file() -> None:
    generator = _tool("generate_emulator_enums")
    committed = (ROOT / "pinterest_emulator" / "spec_enums.py").read_text()
    assert committed == generator.render(generator.enums(generator.gen.load_spec())), (
        "run `python tools/generate_emulator_enums.py`"
    )


def test_the_emulator_imports_nothing_in_a_circle() -> None:
    package = ROOT / "pinterest_emulator"
    assert _circles(_imports_within(package, "pinterest_emulator")) == []


def test_the_connector_imports_nothing_in_a_circle_and_facts_import_nothing_of_it() -> None:
    graph = _imports_within(ROOT / "source_pinterest", "source_pinterest")
    assert _circles(graph) == []
    assert graph["source_pinterest.facts"] == set()
    assert graph["source_pinterest.settings"] == {"source_pinterest.facts"}


# ------------------------------------------------------------------------------------------ facts against the spec
gen = _tool("generate_schemas")


@pytest.fixture(scope="module")
def converter() -> Any:
    return gen.Converter(gen.load_spec())  # ~0.6 s: parse once for the module


def _param(converter: Any, path: str, name: str) -> dict[str, Any]:
    return converter.flatten(gen._params(converter, path)[name]["schema"])


def _report_body(converter: Any) -> dict[str, Any]:
    operation = converter.operation(gen.REPORTS, "post")
    return converter.flatten(operation["requestBody"]["content"]["application/json"]["schema"])


def test_the_hand_written_facts_are_those_the_openapi_file_states(converter: Any) -> None:
    campaigns = "/ad_accounts/{ad_account_id}/campaigns"
    assert list(facts.ENTITY_STATUSES) == _param(converter, campaigns, "entity_statuses")["items"]["enum"]
    assert list(facts.PIN_APP_TYPES) == _param(converter, "/pins/analytics", "app_types")["enum"]
    assert _param(converter, "/pins/analytics", "pin_ids")["maxItems"] == facts.MAX_PINS_PER_REQUEST
    assert set(facts.GRANULARITIES) == set(_param(converter, gen.COLUMNS_SOURCE, "granularity")["enum"])
    sync_columns = set(facts.ANALYTICS_FACTS["sync_columns"])
    for name, level in facts.LEVELS.items():
        analytics, targeting = gen.SYNC_ANALYTICS[level.targeting_key]
        assert level.id_column in sync_columns and level.report_level in facts.REPORT_LEVELS, name
        if level.ids_parameter:
            assert _param(converter, analytics, level.ids_parameter)["maxItems"] == facts.MAX_IDS_PER_REQUEST, name
        assert (
            facts.MAX_TARGETING_TYPES[level.targeting_key]
            == _param(converter, targeting, "targeting_types")["maxItems"]
        )
    body = _report_body(converter)
    assert set(facts.REPORT_ID_COLUMNS) == {facts.base_level(level) for level in facts.REPORT_LEVELS}
    # Report files carry KEYWORD_ID and PRODUCT_ITEM_ID although the columns enum does not list them.
    assert set(facts.REPORT_ID_COLUMNS.values()) - set(facts.ANALYTICS_FACTS["async_columns"]) == {
        "KEYWORD_ID",
        "PRODUCT_ITEM_ID",
    }
    assert set(facts.REPORT_TARGETING_SOURCE) <= set(facts.REPORT_ID_COLUMNS)
    assert converter.flatten(body["properties"]["targeting_types"])["maxItems"] == facts.MAX_REPORT_TARGETING_TYPES
    for field, statuses in (("campaign_statuses", facts.RUN_STATUSES), ("ad_group_statuses", facts.RUN_STATUSES),
                            ("ad_statuses", facts.AD_STATUSES)):  # fmt: skip
        schema = converter.flatten(body["properties"][field])
        assert schema["maxItems"] == facts.MAX_REPORT_STATUSES
        assert list(statuses) == converter.flatten(schema["items"])["enum"]
    attribution = converter.flatten(body["properties"]["attribution_types"])
    assert list(facts.ATTRIBUTION_TYPES) == converter.flatten(attribution["items"])["enum"]
    assert list(facts.REPORT_FORMATS) == converter.flatten(body["properties"]["report_format"])["enum"]


def test_the_connector_asks_for_the_scopes_the_emulators_spec_derived_grant_holds(converter: Any) -> None:
    # The connector states its scopes (facts.OAUTH_SCOPES); the emulator, which must not import the connector,
    # derives its default grant from the spec's operations and scheme. They must agree, or the default scenario
    # would answer 403 to a stream, or pass one Pinterest refuses.
    from pinterest_emulator.scenarios import READ_SCOPES

    assert sorted(facts.OAUTH_SCOPES) == sorted(READ_SCOPES)
    assert len(set(facts.OAUTH_SCOPES)) == len(facts.OAUTH_SCOPES)
    oauth2 = converter.spec["components"]["securitySchemes"]["pinterest_oauth2"]["flows"]["authorizationCode"]
    assert set(facts.OAUTH_SCOPES) <= set(oauth2["scopes"]) and oauth2["authorizationUrl"] == facts.CONSENT_URL


def test_the_generated_facts_are_the_specs_limits_defaults_and_betas(converter: Any) -> None:
    assert dict(facts.ANALYTICS_FACTS) == gen.analytics_facts(converter)  # the file the facts are read from
    assert [facts.date_limits(level, "DAY") for level in ("ADVERTISER", "CAMPAIGN_TARGETING", "PRODUCT_ITEM")] == [
        (914, 186),
        (914, 186),
        (92, 31),
    ]
    assert facts.date_limits("ADVERTISER", "HOUR") == (8, 3) and facts.MAX_LOOKBACK_DAYS == 89
    assert dict(facts.ATTRIBUTION_DEFAULTS) == {"click_window_days": 30, "engagement_window_days": 30,
                                                "view_window_days": 1}  # fmt: skip
    assert facts.DEFAULT_CONVERSION_REPORT_TIME == "TIME_OF_AD_ACTION"
    for key in facts.ATTRIBUTION_WINDOW_KEYS:  # one list of windows serves all three
        assert list(facts.ATTRIBUTION_DAYS) == facts.ANALYTICS_FACTS["attribution_windows"][key]["values"]
    assert facts.TARGETING_BETA_TYPES["ad_group"] == {"AGE_BUCKET_AND_GENDER", "CREATIVE_ENHANCEMENTS"}
    assert "AGE_BUCKET_AND_GENDER" not in facts.default_targeting_types("campaign")


def test_the_connectors_spec_states_the_facts_defaults_and_ranges() -> None:
    spec = config_spec.spec_properties()
    defaults = {
        "entity_statuses": list(facts.ENTITY_STATUSES),
        "granularity": facts.DEFAULT_GRANULARITY,
        "lookback_window_days": facts.DEFAULT_LOOKBACK_DAYS,
        **facts.ATTRIBUTION_DEFAULTS,
        "conversion_report_time": facts.DEFAULT_CONVERSION_REPORT_TIME,
        "max_concurrent_reports": facts.DEFAULT_MAX_CONCURRENT_REPORTS,
        "num_workers": facts.DEFAULT_WORKERS,
        "api_base_url": facts.PRODUCTION_URL,
        "top_pins_sort_by": facts.DEFAULT_TOP_PINS_SORT_BY,
        "top_video_pins_sort_by": facts.DEFAULT_TOP_PINS_SORT_BY,
    }
    assert {key: spec[key]["default"] for key in defaults} == defaults
    assert (spec["lookback_window_days"]["minimum"], spec["lookback_window_days"]["maximum"]) == (
        0,
        facts.MAX_LOOKBACK_DAYS,
    )
    assert spec["num_workers"]["maximum"] == facts.MAX_WORKERS
    assert spec["max_concurrent_reports"]["maximum"] == facts.MAX_CONCURRENT_REPORTS
    report = spec["custom_reports"]["items"]["properties"]
    report_defaults = {**facts.CUSTOM_REPORT_DEFAULTS, **facts.ATTRIBUTION_DEFAULTS,
                       "conversion_report_time": facts.DEFAULT_CONVERSION_REPORT_TIME}  # fmt: skip
    assert {key: report[key]["default"] for key in report_defaults} == report_defaults
    for field in ("campaign_statuses", "ad_group_statuses", "ad_statuses"):
        assert report[field]["maxItems"] == facts.MAX_REPORT_STATUSES


# ------------------------------------------------------------------------------------------ one validation
@pytest.mark.parametrize(
    ("change", "good"),
    [
        ({"api_base_url": "https://api.pinterest.com/v5/"}, True),
        ({"api_base_url": "https://api-sandbox.pinterest.com/v5"}, True),
        ({"api_base_url": "http://127.0.0.1:8080/v5/"}, True),
        ({"api_base_url": "http://localhost:8080"}, True),
        ({"api_base_url": "http://[::1]:8080/v5/"}, True),  # accepted by config validation alone before
        ({"api_base_url": "https://evil.example.com/v5/"}, False),
        ({"api_base_url": "https://api.pinterest.com/v4/"}, False),
        ({"api_base_url": "http://api.pinterest.com/v5/"}, False),
        ({"api_base_url": "http://localhost:8080/v5?debug=1"}, False),
        ({"api_base_url": "http://[::2]:8080/v5/"}, False),
        ({"account_ids": ["549755885175"]}, True),
        ({"account_ids": ["act_549755885175"]}, False),
        ({"organic_ad_account_id": "549755885175"}, True),
        ({"organic_ad_account_id": "shop"}, False),
        ({"start_date": "2026-01-31"}, True),
        ({"start_date": "20260131"}, False),  # Python's fromisoformat alone takes it
        ({"start_date": "2026-01-31T00:00:00"}, False),
    ],
)
def test_the_spec_and_config_validation_accept_and_refuse_the_same_values(change: dict[str, Any], good: bool) -> None:
    user_config = oauth_config(**change)
    spec = SourcePinterest().spec(None).connectionSpecification
    spec_accepts = jsonschema.Draft7Validator(spec).is_valid(user_config)
    resolved = copy.deepcopy(user_config)
    apply_defaults(resolved)
    try:
        config_validation.validate(resolved, today=TODAY)
        python_accepts = True
    except AirbyteTracedException as error:
        assert error.failure_type == FailureType.config_error and f"'{next(iter(change))}'" in error.message
        python_accepts = False
    assert (spec_accepts, python_accepts) == (good, good)


# ------------------------------------------------------------------------------------------ Settings
def test_settings_are_made_once_per_sync_with_every_default_and_none_is_persisted() -> None:
    given = token_config(click_window_days=7)
    source = SourcePinterest(config=given)
    resolved = source._config
    made = source.sync.settings
    assert source.sync.settings is made and source.begin_sync().settings is not made  # one per run
    assert made.today == TODAY and made.start_date == TODAY - dt.timedelta(days=facts.DEFAULT_START_DAYS_AGO)
    assert (made.click_window_days, made.engagement_window_days, made.view_window_days) == (7, 30, 1)
    assert made.analytics_columns == facts.DEFAULT_ANALYTICS_COLUMNS and made.num_workers == facts.DEFAULT_WORKERS
    assert made.targeting_types["ad_group"] == tuple(facts.default_targeting_types("ad_group"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.granularity = "HOUR"  # type: ignore[misc]
    json.dumps(resolved)  # the CDK writes the resolved config out as JSON
    assert config_file.saved_view(resolved) == given  # no default, no Settings key


def test_a_config_that_never_had_its_defaults_applied_still_reads_every_default() -> None:
    made = Settings.from_config({"granularity": "WEEK"})
    assert (made.granularity, made.lookback_window_days, made.api_base_url) == ("WEEK", 30, facts.PRODUCTION_URL)
    assert made.pin_app_types == facts.PIN_APP_TYPES and made.late_days == 0
    assert (
        Settings.from_config({"conversion_report_time": "TIME_OF_CONVERSION", "click_window_days": 14}).late_days == 30
    )


# ------------------------------------------------------------------------------------------ the manifest reads them
MANIFEST_TEXT = (ROOT / "source_pinterest" / "manifest.yaml").read_text(encoding="utf-8")


def test_every_request_path_is_in_the_rate_limit_category_the_spec_gives_it(converter: Any) -> None:
    checked = 0
    sent = [(path, operations["get"]) for path, operations in converter.spec["paths"].items() if "get" in operations]
    sent.append((gen.REPORTS, converter.operation(gen.REPORTS, "post")))  # the only POST the connector sends
    for path, operation in sent:
        url = "/v5" + re.sub(r"\{[^}]+\}", "X1", path)
        found = category(url)
        if found != UNPACED:  # what the connector never requests may be in no category
            assert found == operation["x-ratelimit-category"], path
            checked += 1
    assert checked >= 40
    page_sizes = {
        converter.flatten(converter.deref(p)["schema"]).get("maximum")
        for operations in converter.spec["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for p in operation.get("parameters", [])
        if converter.deref(p).get("name") == "page_size"
    }
    assert page_sizes - {None} == {facts.MAX_PAGE_SIZE}


def test_the_api_budget_paces_each_category_of_the_facts_once() -> None:
    manifest = with_facts(yaml.safe_load(MANIFEST_TEXT))
    policies = manifest["api_budget"]["policies"]
    assert [p["rates"] for p in policies] == [
        [{"limit": limit, "interval": "PT60S"}] for limit in (285, 57, 950, 950, 95)
    ]
    assert [[m["url_path_pattern"] for m in p["matchers"]] for p in policies] == [
        list(limit.paths) for limit in facts.RATE_LIMITS.values()
    ]
    assert manifest["concurrency_level"]["max_concurrency"] == facts.MAX_WORKERS
    # What a manifest states itself is kept (an older one, compared by tools/compare_manifests.py).
    stated = {"api_budget": {"policies": []}, "concurrency_level": {"max_concurrency": 3}}
    assert with_facts(stated) == stated


def test_the_manifest_restates_no_limit_default_or_status_of_the_facts() -> None:
    templates = "\n".join(line.split(" #")[0] for line in MANIFEST_TEXT.splitlines())  # comments may name facts
    assert not re.search(r"day_delta\(-?\d", templates)  # date reach and default start: config['__facts__']
    assert not re.search(r"'P\d+D'|step: P\d+D", templates)  # windows: the date limits
    assert not re.search(r"\b(page_size|limit|max_concurrency): \d", templates)
    assert not re.search(r"num_workers'?, \d|\b20\b", templates)
    assert not any(status in templates for status in ("DELETED_DRAFT", "ARCHIVED"))
    for number in ("89", "90", "91", "913", "914", "186", "250", "285", "57", "950", "95"):
        assert not re.search(rf"\b{number}\b", MANIFEST_TEXT), number


def test_the_templates_read_the_facts_from_the_resolved_config_which_is_not_saved() -> None:
    config = oauth_config()
    apply_defaults(config)
    assert config[facts.FACTS] == json.loads(json.dumps(facts.template_facts()))  # plain JSON
    assert config[facts.FACTS]["reach"]["async"] == {"days_back": 913, "step": "P186D"}
    assert config[facts.FACTS]["reach"]["sync"] == {"days_back": 89, "step": "P90D"}
    assert facts.FACTS not in config_file.saved_view(config)


def test_the_day_column_is_named_only_by_facts_date_cursor() -> None:
    found = []
    for path in sorted((ROOT / "source_pinterest").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value == facts.DATE_CURSOR:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == ["source_pinterest/facts.py:" + str(_line_of("DATE_CURSOR = "))]


def _line_of(start: str) -> int:
    lines = (ROOT / "source_pinterest" / "facts.py").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(start))
