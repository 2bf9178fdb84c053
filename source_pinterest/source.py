from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import AirbyteConnectionStatus, AirbyteStateMessage, ConfiguredAirbyteCatalog, Status
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

from source_pinterest.components import config as pinterest_config
from source_pinterest.components.check import check_connection


class SourcePinterest(YamlDeclarativeSource):
    """The declarative source; config, catalog and state must reach the constructor (the CDK reads them there)."""

    def __init__(
        self,
        catalog: ConfiguredAirbyteCatalog | None = None,
        config: Mapping[str, Any] | None = None,
        state: list[AirbyteStateMessage] | None = None,
        config_path: str | None = None,
    ) -> None:
        super().__init__(
            path_to_yaml="manifest.yaml", catalog=catalog, config=config, state=state, config_path=config_path
        )

    def streams(self, config: Mapping[str, Any]) -> list[Any]:
        # check, discover and read all build streams here: one gate for a clear config_error.
        if self._config:
            pinterest_config.validate(self._config)
        return super().streams(config)

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        succeeded, message = check_connection(self, self._config)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED if succeeded else Status.FAILED, message=message)
