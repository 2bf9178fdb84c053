"""airbyte-cdk's standard source tests (spec lint, check, discover, basic read), against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from boltons.typeutils import classproperty

from pinterest_emulator import Emulator
from source_pinterest import SourcePinterest

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

ROOT = Path(__file__).resolve().parents[1]
# acceptance-test-config.yml names a real account's secrets/config.json; here the emulator's config stands in for it,
# and every config is pointed at this module's emulator (a free port, so two suites never collide).
REAL_ACCOUNT = "secrets/config.json"
EMULATOR_CONFIG = "integration_tests/emulator_config.json"
_running: list[Emulator] = []


@pytest.fixture(scope="module", autouse=True)
def emulator() -> Iterator[Emulator]:
    with Emulator(scenario="tiny") as emu:
        _running.append(emu)
        try:
            yield emu
        finally:
            _running.remove(emu)


def _with_emulator_config(entry: Any) -> Any:
    if isinstance(entry, dict):
        return {k: EMULATOR_CONFIG if v == REAL_ACCOUNT else _with_emulator_config(v) for k, v in entry.items()}
    return [_with_emulator_config(item) for item in entry] if isinstance(entry, list) else entry


class TestSourcePinterest(SourceTestSuiteBase):
    @classproperty
    def acceptance_test_config(cls) -> Any:
        return _with_emulator_config(yaml.safe_load((ROOT / "acceptance-test-config.yml").read_text()))

    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourcePinterest:
        # The suite's default, SourcePinterest(), would build streams from an empty config: pass the scenario's config.
        config = (scenario or ConnectorTestScenario()).get_config_dict(
            connector_root=cls.get_connector_root_dir(), empty_if_missing=True
        )
        if config and _running:
            config = {**config, "api_base_url": _running[-1].base_url}
        return SourcePinterest(config=config)
