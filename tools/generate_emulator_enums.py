"""Generate the emulator's enums (pinterest_emulator/spec_enums.py) from the vendored OpenAPI.

    python tools/generate_emulator_enums.py          # (re)write spec_enums.py
    python tools/generate_emulator_enums.py --check  # exit 1 if the committed file differs from the spec's

The emulator validates requests against these lists as Pinterest does, so they keep the spec's own order (error
messages list values in it). Only the set of operations the emulator serves is chosen here; each one's rate-limit
category and OAuth scopes are read from the spec.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "pinterest_emulator" / "spec_enums.py"


def _schemas_generator() -> ModuleType:
    # By path, as the tests load it: tools/ is not a package.
    name = "generate_schemas"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "generate_schemas.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


gen = _schemas_generator()

SERVED: tuple[tuple[str, str], ...] = (
    ("GET", "/ad_accounts"),
    ("GET", "/ad_accounts/{ad_account_id}"),
    ("GET", "/ad_accounts/{ad_account_id}/campaigns"),
    ("GET", "/ad_accounts/{ad_account_id}/ad_groups"),
    ("GET", "/ad_accounts/{ad_account_id}/ads"),
    ("GET", "/user_account"),
    ("GET", "/boards"),
    ("GET", "/boards/{board_id}/sections"),
    ("GET", "/boards/{board_id}/pins"),
    ("GET", "/boards/{board_id}/sections/{section_id}/pins"),
    ("GET", "/pins"),
    ("GET", "/ad_accounts/{ad_account_id}/audiences"),
    ("GET", "/ad_accounts/{ad_account_id}/conversion_tags"),
    ("GET", "/ad_accounts/{ad_account_id}/customer_lists"),
    ("GET", "/ad_accounts/{ad_account_id}/keywords"),
    ("GET", "/catalogs"),
    ("GET", "/catalogs/feeds"),
    ("GET", "/catalogs/product_groups"),
    ("GET", "/ad_accounts/{ad_account_id}/analytics"),
    ("GET", "/ad_accounts/{ad_account_id}/campaigns/analytics"),
    ("GET", "/ad_accounts/{ad_account_id}/ad_groups/analytics"),
    ("GET", "/ad_accounts/{ad_account_id}/ads/analytics"),
    ("GET", "/ad_accounts/{ad_account_id}/targeting_analytics"),
    ("GET", "/ad_accounts/{ad_account_id}/campaigns/targeting_analytics"),
    ("GET", "/ad_accounts/{ad_account_id}/ad_groups/targeting_analytics"),
    ("GET", "/ad_accounts/{ad_account_id}/ads/targeting_analytics"),
    ("GET", "/pins/{pin_id}/analytics"),
    ("GET", "/pins/analytics"),
    ("GET", "/user_account/analytics"),
    ("GET", "/user_account/analytics/top_pins"),
    ("GET", "/user_account/analytics/top_video_pins"),
    ("GET", "/resources/targeting/interests/{interest_id}"),
    ("GET", "/resources/targeting/{targeting_type}"),
    ("GET", "/resources/metrics_ready_state"),
    ("POST", "/ad_accounts/{ad_account_id}/reports"),
    ("GET", "/ad_accounts/{ad_account_id}/reports"),
    ("POST", "/oauth/token"),
)


def _listed(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(v for v in values if v is not None)  # OpenAPI 3.0 spells a nullable enum with a null member


def _tuple(name: str, comment: str, values: Iterable[str]) -> str:
    lines = [f"# {comment}", f"{name}: tuple[str, ...] = ("]
    lines += [f'    "{v}",' for v in values]
    return "\n".join([*lines, ")"])


def _items(c: Any, array: dict[str, Any]) -> dict[str, Any]:
    return c.flatten(c.flatten(array)["items"])


def enums(spec: dict[str, Any]) -> dict[str, Any]:
    c = gen.Converter(spec)
    report = c.flatten(c.operation(gen.REPORTS, "post")["requestBody"]["content"]["application/json"]["schema"])
    pin_metrics = {
        ("video" if "Video" in v["description"] else "standard"): _listed(v["enum"])
        for v in gen._param_items(c, gen.PIN_ANALYTICS, "metric_types")["oneOf"]
    }
    operations = {}
    for method, path in SERVED:
        operation = spec["paths"][path][method.lower()]
        scopes = next((s["pinterest_oauth2"] for s in operation.get("security", []) if "pinterest_oauth2" in s), [])
        operations[(method, path)] = (operation["x-ratelimit-category"], tuple(scopes))
    return {
        "SPEC_VERSION": spec["info"]["version"],
        "SYNC_COLUMNS": _listed(gen._param_items(c, gen.COLUMNS_SOURCE, "columns")["enum"]),
        "ASYNC_COLUMNS": _listed(spec["components"]["schemas"]["ReportingColumnAsync"]["enum"]),
        "TARGETING_TYPES": {
            level.upper(): _listed(gen._param_items(c, targeting, "targeting_types")["enum"])
            for level, (_, targeting) in gen.SYNC_ANALYTICS.items()
        },
        "ASYNC_TARGETING_TYPES": _listed(_items(c, report["properties"]["targeting_types"])["enum"]),
        "REPORT_LEVELS": _listed(spec["components"]["schemas"]["MetricsReportingLevel"]["enum"]),
        "PIN_STANDARD_METRICS": pin_metrics["standard"],
        "PIN_VIDEO_METRICS": pin_metrics["video"],
        "USER_ACCOUNT_METRICS": _listed(gen._param_items(c, gen.USER_ACCOUNT_ANALYTICS, "metric_types")["enum"]),
        "OPERATIONS": operations,
        "OAUTH2_SCOPES": tuple(
            spec["components"]["securitySchemes"]["pinterest_oauth2"]["flows"]["authorizationCode"]["scopes"]
        ),
    }


def render(found: dict[str, Any]) -> str:
    targeting = ["# `targeting_types` of the four sync targeting_analytics endpoints, by reporting level."]
    targeting.append("TARGETING_TYPES: dict[str, tuple[str, ...]] = {")
    for level, values in found["TARGETING_TYPES"].items():
        targeting += [f'    "{level}": (', *(f'        "{v}",' for v in values), "    ),"]
    targeting.append("}")
    operations = [
        "# (method, path template) -> (x-ratelimit-category, OAuth scopes required), for every operation served."
    ]
    operations.append("OPERATIONS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {")
    for (method, path), (category, scopes) in found["OPERATIONS"].items():
        listed = "(" + ", ".join(f'"{s}"' for s in scopes) + ("," if len(scopes) == 1 else "") + ")"
        operations.append(f'    ("{method}", "{path}"): ("{category}", {listed}),')
    operations.append("}")
    parts = [
        f'"""Enums of the vendored OpenAPI description (tools/openapi, Pinterest API v{found["SPEC_VERSION"]}).\n\n'
        "Generated by tools/generate_emulator_enums.py; do not edit (unit_tests/test_facts.py fails on drift). The\n"
        'emulator validates requests against these, as the real API does.\n"""',
        "from __future__ import annotations",
        f'SPEC_VERSION = "{found["SPEC_VERSION"]}"',
        _tuple(
            "SYNC_COLUMNS",
            f"`columns` of the sync analytics endpoints ({len(found['SYNC_COLUMNS'])} values).",
            found["SYNC_COLUMNS"],
        ),
        _tuple(
            "ASYNC_COLUMNS",
            f"ReportingColumnAsync: `columns` of async report requests ({len(found['ASYNC_COLUMNS'])} values).",
            found["ASYNC_COLUMNS"],
        ),
        "\n".join(targeting),
        _tuple("ASYNC_TARGETING_TYPES", "`targeting_types` of async report requests.", found["ASYNC_TARGETING_TYPES"]),
        _tuple("REPORT_LEVELS", "MetricsReportingLevel: `level` of async report requests.", found["REPORT_LEVELS"]),
        _tuple(
            "PIN_STANDARD_METRICS", "`metric_types` of pin analytics for standard pins.", found["PIN_STANDARD_METRICS"]
        ),
        _tuple("PIN_VIDEO_METRICS", "`metric_types` of pin analytics for video pins.", found["PIN_VIDEO_METRICS"]),
        _tuple(
            "USER_ACCOUNT_METRICS",
            "`metric_types` of /user_account/analytics (all of them by default).",
            found["USER_ACCOUNT_METRICS"],
        ),
        "\n".join(operations),
        _tuple(
            "OAUTH2_SCOPES",
            "securitySchemes.pinterest_oauth2: every scope a consent URL may ask for.",
            found["OAUTH2_SCOPES"],
        ),
    ]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")
    args = parser.parse_args(argv)
    text = render(enums(gen.load_spec()))
    if args.check:
        stale = not TARGET.exists() or TARGET.read_text() != text
        if stale:
            print(TARGET.relative_to(ROOT))
        return int(stale)
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
