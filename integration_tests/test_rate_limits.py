"""Pacing against an emulator that enforces Pinterest's per-category quotas.

Pinterest's windows are a minute long; to keep the test short, time is scaled down: every quota and the
connector's own budget are divided by SCALE and the minute becomes WINDOW seconds. The manifest's matchers and
policies are used as they are otherwise, so the test proves each request is charged to the right category and
that the workers are paced below the server's limits.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.utils.yaml_loader import safe_load_yaml

import source_pinterest
from integration_tests.cli import Run
from integration_tests.test_end_to_end import ENTITY_STREAMS, _assert_equal_to_truth
from pinterest_emulator import Emulator
from source_pinterest import SourcePinterest
from source_pinterest.manifest_facts import with_facts
from source_pinterest.spec_file import with_spec

PINTEREST_LIMITS = {"ads_analytics": 300, "org_analytics": 60, "ads_read": 1000, "org_read": 1000, "catalogs_read": 100}
MANIFEST = Path(source_pinterest.__file__).parent / "manifest.yaml"
SCALE = 30
WINDOW = 2


def _scaled(manifest: dict[str, Any], with_budget: bool) -> dict[str, Any]:
    manifest = copy.deepcopy(manifest)
    if not with_budget:
        del manifest["api_budget"]
        return manifest
    for policy in manifest["api_budget"]["policies"]:
        for rate in policy["rates"]:
            rate["limit"] = math.floor(rate["limit"] / SCALE)
            rate["interval"] = f"PT{WINDOW}S"
    return manifest


def _source(with_budget: bool) -> type[SourcePinterest]:
    class ScaledSource(SourcePinterest):
        def read_manifest(self) -> dict[str, Any]:
            # The CDK resolves the file next to the class's module, which for this subclass is the test's.
            with open(MANIFEST) as manifest:
                return _scaled(with_facts(with_spec(safe_load_yaml(manifest.read()))), with_budget)

    return ScaledSource


def _sync(
    emulator: Emulator, with_budget: bool, streams: list[str] = ENTITY_STREAMS, quotas: Mapping[str, int] | None = None
) -> tuple[EntrypointOutput, Counter[str]]:
    for category, limit in PINTEREST_LIMITS.items():
        emulator.set_rate_limit(category, (quotas or {}).get(category, math.ceil(limit / SCALE)), WINDOW)
    emulator.rate_limits_enforced = True
    refused: Counter[str] = Counter()
    limiter = emulator.api.limiter
    hit = limiter.hit

    def counting_hit(category: str):  # noqa: ANN202 - the emulator's Verdict
        verdict = hit(category)
        if not verdict.allowed:
            refused[category] += 1
        return verdict

    limiter.hit = counting_hit
    config = emulator.connector_config(num_workers=8)
    builder = CatalogBuilder()
    for name in streams:
        builder = builder.with_stream(name, SyncMode.full_refresh)
    catalog = builder.build()
    try:
        output = read(_source(with_budget)(catalog=catalog, config=config), config, catalog)
    finally:
        limiter.hit = hit
    return output, refused


def _as_run(output: EntrypointOutput) -> Run:
    records = [{"type": "RECORD", "record": {"stream": m.record.stream, "data": m.record.data}} for m in output.records]
    return Run(records, 0, "")


@pytest.fixture(autouse=True)
def _own_request_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUEST_CACHE_PATH", str(tmp_path / "request_cache"))


def test_the_budget_paces_every_category_below_the_quota_and_the_sync_is_complete() -> None:
    with Emulator(scenario="small") as emulator:
        output, refused = _sync(emulator, with_budget=True)

        assert not output.errors, [e.trace.error.message for e in output.errors]
        for stream in ENTITY_STREAMS:
            _assert_equal_to_truth(_as_run(output), emulator, stream)
        org_reads = sum(n for k, n in emulator.request_counts().items() if "/boards" in k or "/pins" in k)
        # More than one window's quota, and the server refused (almost) none: the workers waited for the window to
        # move. Server and client windows are not aligned to the millisecond; a stray refusal is tolerated.
        assert org_reads > math.ceil(PINTEREST_LIMITS["org_read"] / SCALE)
        assert sum(refused.values()) <= 1, refused


def test_without_the_budget_concurrent_workers_run_into_the_quota_and_wait_it_out() -> None:
    # The control: unpaced, the 8 workers start the 20 boards' section listings together, and a quota of 4 a window
    # refuses the rest of that burst however slow the machine is (a burst of 8 takes milliseconds, not a second).
    streams = ["boards", "board_sections"]
    with Emulator(scenario="small") as emulator:
        output, refused = _sync(emulator, with_budget=False, streams=streams, quotas={"org_read": 4})

        assert not output.errors  # 429s are waited out and retried...
        for stream in streams:
            _assert_equal_to_truth(_as_run(output), emulator, stream)
        assert refused["org_read"] >= 3, refused  # ...but only after the API refused them
