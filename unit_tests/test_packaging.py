"""metadata.yaml in Airbyte's registry format, and the Dockerfile's contract with it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from airbyte_connector_models.metadata.v0.connector_metadata_definition_v0 import ConnectorMetadataDefinitionV0

ROOT = Path(__file__).resolve().parents[1]


def test_metadata_passes_airbytes_strict_model() -> None:
    metadata = ConnectorMetadataDefinitionV0.model_validate(yaml.safe_load((ROOT / "metadata.yaml").read_text()))
    data = metadata.data
    assert data.connector_type.value == "source"
    assert {"language:python", "cdk:low-code"} <= set(data.tags)
    assert [h for h in data.allowed_hosts.hosts] == ["api.pinterest.com", "api-sandbox.pinterest.com"]


def test_dockerfile_uses_the_metadata_base_image_and_runs_the_console_script() -> None:
    metadata = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert metadata["connectorBuildOptions"]["baseImage"] in dockerfile
    assert 'ENTRYPOINT ["source-pinterest"]' in dockerfile
    assert f"io.airbyte.version={metadata['dockerImageTag']}" in dockerfile
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^source-pinterest = "source_pinterest.spec:main"$', pyproject, re.M)
