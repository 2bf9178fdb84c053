"""airbyte-cdk's standard source tests (spec lint, check, discover, basic read), against the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from pinterest_emulator import Emulator
from source_pinterest import SourcePinterest

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

# acceptance-test-config.yml's config files name this URL; the tests point it at their emulator's free port, so
# two suites (or a real service on that port) never collide.
CONFIGURED_URL = "http://127.0.0.1:18765/v5/"
_running: list[Emulator] = []


@pytest.fixture(scope="module", autouse=True)
def emulator() -> Iterator[Emulator]:
    with Emulator(scenario="tiny") as emu:
        _running.append(emu)
        try:
            yield emu
        finally:
            _running.remove(emu)


class TestSourcePinterest(SourceTestSuiteBase):
    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourcePinterest:
        # The default would build streams from an empty config (see the CDK notes): pass the scenario's config.
        config = (scenario or ConnectorTestScenario()).get_config_dict(
            connector_root=cls.get_connector_root_dir(), empty_if_missing=True
        )
        if config.get("api_base_url") == CONFIGURED_URL and _running:
            config = {**config, "api_base_url": _running[-1].base_url}
        return SourcePinterest(config=config)
