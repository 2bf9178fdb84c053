"""Show that two manifests build the same streams: `python tools/compare_manifests.py [GIT_REF]`.

Builds every stream (and two custom reports) from the manifest at GIT_REF (default: where this branch left
`main`; both use the working tree's components) and from the working tree, walks each built stream's components
and compares what they do rather than how the YAML spells it: a requester by the URL, query, headers and body it
sends for a sample slice, an interpolated value by its value, everything else by its attributes (paginator, record
selector, error handler, cursor, schema, parents), and the spec. A `class_name` of the older manifest whose class
has moved to another module is read as where it is now; the run's decisions (`sync`, its clock included) are not
components. Prints the differing paths per stream; exits 1 if any.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from airbyte_cdk.sources.declarative.concurrency_level import ConcurrencyLevel
from airbyte_cdk.sources.declarative.incremental.concurrent_partition_cursor import ConcurrentCursorFactory
from airbyte_cdk.sources.declarative.requesters.http_requester import HttpRequester
from airbyte_cdk.sources.declarative.requesters.paginators import DefaultPaginator
from airbyte_cdk.sources.types import StreamSlice

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from source_pinterest import SourcePinterest  # noqa: E402
from source_pinterest.manifest_facts import with_facts  # noqa: E402
from source_pinterest.spec_file import with_spec  # noqa: E402

MANIFEST = "source_pinterest/manifest.yaml"
CONFIG: dict[str, Any] = {
    "credentials": {"auth_method": "access_token", "access_token": "compare-token"},
    "start_date": "2026-01-01",
    "custom_reports": [{"name": "items", "level": "PRODUCT_ITEM"}, {"name": "hourly", "granularity": "HOUR"}],
}
# One slice holding every key a path or parameter of any stream reads.
PARTITION = {
    "ad_account_id": "A1",
    "board_id": "B1",
    "section_id": "S1",
    "ownership_type": "OWNED",
    "ids": "G1,G2",
    "id": "X1",
    "download_url": "https://reports.example/file.json",
    "parent_slice": {"board_id": "B1", "ad_account_id": "A1"},
}
SAMPLE = StreamSlice(
    partition=PARTITION,
    cursor_slice={"start_time": "2026-01-01", "end_time": "2026-01-31"},
    extra_fields={"path": "pins/P1/analytics", "params": {"pin_ids": "P1"}, "board_pins_modified_at": "2026-01-02"},
)
EVALUATED_WITH: dict[str, Any] = {}  # the config as the source normalised it (defaults applied)
SKIP = {
    "config", "_config", "parameters", "_parameters", "_logger", "logger", "_message_repository",
    "message_repository", "_connector_state_manager", "_lock", "_session", "_http_client", "_record_counter",
    "_stream_slicer_lock", "_semaphore", "_timer", "_state_lock", "_lookback_window_lock", "sync", "_sync",
}  # fmt: skip


def _evaluated(obj: Any) -> Any:
    try:
        return obj.eval(EVALUATED_WITH, stream_slice=SAMPLE, **(SAMPLE.extra_fields or {}))
    except Exception as error:  # noqa: BLE001 - an expression that needs more context is compared as written
        return f"<unevaluated {type(error).__name__}: {getattr(obj, 'string', obj)!r}>"


def _request(requester: HttpRequester, seen: set[int]) -> dict[str, Any]:
    call = {"stream_slice": SAMPLE}
    return {
        "url": requester._get_url(stream_slice=SAMPLE),
        "method": requester.get_method().name,
        "params": dict(requester.get_request_params(**call)),
        "headers": dict(requester.get_request_headers(**call)),
        "json": requester.get_request_body_json(**call),
        "data": requester.get_request_body_data(**call),
        "use_cache": requester.use_cache,
        "timeouts": [requester.connect_timeout_in_seconds, requester.read_timeout_in_seconds],
        "keepalive": requester.use_tcp_keepalive,
        "authenticator": type(requester._authenticator).__name__,
        "error_handler": describe(requester.error_handler, seen),
        "decoder": type(requester.decoder).__name__,
    }


def describe(obj: Any, seen: set[int]) -> Any:
    """A plain-data picture of a built component graph."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Mapping):
        picture = {str(k): describe(v, seen) for k, v in obj.items() if k not in SKIP}
        text = json.dumps(picture, sort_keys=True, default=str)
        return picture if len(text) < 4000 else f"<{len(text)} chars sha1 {hashlib.sha1(text.encode()).hexdigest()}>"
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = [describe(v, seen) for v in obj]
        return sorted(items, key=str) if isinstance(obj, (set, frozenset)) else items
    module = type(obj).__module__
    if module in ("datetime", "isodate.duration", "re", "enum"):  # values: dates, steps, patterns
        return repr(obj)
    if not module.startswith(("airbyte_cdk", "source_pinterest")):
        return f"<{type(obj).__name__}>"
    if id(obj) in seen:  # a cycle (a stream's cursor points back at its router...)
        return f"<cycle {type(obj).__name__}>"
    seen.add(id(obj))
    try:
        return _component(obj, module, seen)
    finally:
        seen.discard(id(obj))  # shared objects (parents) are described wherever they occur


def _component(obj: Any, module: str, seen: set[int]) -> Any:
    if isinstance(obj, HttpRequester):
        return {"type": "HttpRequester", **_request(obj, seen)}
    if isinstance(obj, ConcurrentCursorFactory):  # a partition's cursor: its start, end, step, lookback...
        return {"type": "ConcurrentCursorFactory", "creates": describe(obj.create({}, None), seen)}
    if module.startswith("airbyte_cdk.sources.declarative.interpolation") and hasattr(obj, "eval"):
        return {"type": type(obj).__name__, "value": describe(_evaluated(obj), seen)}
    if callable(obj) and not hasattr(obj, "__dict__"):
        return f"<{type(obj).__name__}>"
    fields = dict(vars(obj)) if hasattr(obj, "__dict__") else {}
    if isinstance(obj, DefaultPaginator):  # a copy of the requester's base, read only for page tokens in the path
        fields.pop("url_base", None)
    return {"type": type(obj).__name__, **{k: describe(v, seen) for k, v in fields.items() if k not in SKIP}}


def streams(manifest: Mapping[str, Any]) -> dict[str, Any]:
    with mock.patch.object(SourcePinterest, "read_manifest", return_value=manifest):  # with its spec
        source = SourcePinterest(config=CONFIG)
        EVALUATED_WITH.clear()
        EVALUATED_WITH.update(source.resolved_config)
        built = {stream.name: describe(stream, set()) for stream in source.streams(source.resolved_config)}
        level = manifest["concurrency_level"]
        concurrency = ConcurrencyLevel(
            level["default_concurrency"], level.get("max_concurrency"), source.resolved_config, {}
        )
        # Not streams, but what paces and spreads them: the budget's policies and the workers of this config.
        built["(source)"] = {"api_budget": manifest["api_budget"], "workers": concurrency.get_concurrency_level()}
        return built


def flatten(picture: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(picture, dict):
        for key, value in picture.items():
            yield from flatten(value, f"{path}.{key}")
    elif isinstance(picture, list):
        for index, value in enumerate(picture):
            yield from flatten(value, f"{path}[{index}]")
    else:
        yield path, picture


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            found[name] = ["only in " + ("the working tree" if name in after else "the base")]
            continue
        old, new = dict(flatten(before[name])), dict(flatten(after[name]))
        lines = [f"{p}: {old.get(p, '<absent>')!r} -> {new.get(p, '<absent>')!r}" for p in sorted(set(old) | set(new))
                 if old.get(p, "<absent>") != new.get(p, "<absent>")]  # fmt: skip
        if lines:
            found[name] = lines
    return found


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def _where_defined(class_name: str) -> str:
    """`class_name` as it resolves today: an older manifest may name a class by a module it has since moved from
    (the comparison is of what the components do, not where they live)."""
    module_name, _, name = class_name.rpartition(".")
    try:
        if hasattr(importlib.import_module(module_name), name):
            return class_name
    except ImportError:
        pass
    for info in pkgutil.walk_packages([str(ROOT / "source_pinterest")], "source_pinterest."):
        found = getattr(importlib.import_module(info.name), name, None)
        if isinstance(found, type) and found.__module__ == info.name:
            return f"{info.name}.{name}"
    return class_name


def with_current_class_names(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {
            k: _where_defined(v) if k == "class_name" and isinstance(v, str) else with_current_class_names(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [with_current_class_names(item) for item in node]
    return node


def main() -> int:
    ref = sys.argv[1] if len(sys.argv) > 1 else git("merge-base", "HEAD", "main").strip()
    base = with_current_class_names(yaml.safe_load(git("show", f"{ref}:{MANIFEST}")))
    current = yaml.safe_load((ROOT / MANIFEST).read_text())
    # Older manifests hold the spec, and the values with_facts adds (it keeps those a manifest states).
    base, current = (with_facts(m if "spec" in m else with_spec(m)) for m in (base, current))
    before, after = streams(base), streams(current)
    found = differences(before, after)
    if base["spec"] != current["spec"]:
        found["spec"] = ["the spec differs"]
    for name, lines in found.items():
        print(f"{name}:", *lines, sep="\n  ")
    checked = sum(len(dict(flatten(p))) for p in after.values())
    print(f"{len(after)} streams, {checked} properties compared with {ref}: {len(found)} streams differ")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
