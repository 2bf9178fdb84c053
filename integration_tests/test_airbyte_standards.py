"""airbyte-cdk's standard source tests (spec lint, check, discover, basic read), against the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from integration_tests.pinterest_emulator import Emulator
from source_pinterest import SourcePinterest

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

EMULATOR_PORT = 18765  # fixed, because acceptance-test-config.yml's config files name it


@pytest.fixture(scope="module", autouse=True)
def emulator() -> Iterator[Emulator]:
    emu = Emulator(scenario="tiny").start(port=EMULATOR_PORT)
    try:
        yield emu
    finally:
        emu.stop()


class TestSourcePinterest(SourceTestSuiteBase):
    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourcePinterest:
        # The default would build streams from an empty config (see the CDK notes): pass the scenario's config.
        config = (scenario or ConnectorTestScenario()).get_config_dict(
            connector_root=cls.get_connector_root_dir(), empty_if_missing=True
        )
        return SourcePinterest(config=config)
