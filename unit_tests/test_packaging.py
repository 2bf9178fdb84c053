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


AIRBYTE_SOURCE_PINTEREST = "5cb7e5fe-38c2-11ec-8d3d-0242ac130003"  # Airbyte's registry id of source-pinterest


def test_metadata_is_airbytes_source_pinterest_one_major_version_above_2x() -> None:
    # The same connector (users of 2.x keep config, stream names and state), so a breaking change names the costs.
    data = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
    assert data["definitionId"] == AIRBYTE_SOURCE_PINTEREST and data["dockerRepository"] == "airbyte/source-pinterest"
    major = int(data["dockerImageTag"].split(".")[0])
    assert major >= 3
    change = data["releases"]["breakingChanges"][f"{major}.0.0"]
    assert all(word in change["message"] for word in ("TOTAL", "account_id", "num_threads", "state", "schema"))
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(rf'^version = "{re.escape(data["dockerImageTag"])}"$', pyproject, re.M)
