"""The analytics streams' JSON schemas: ads and targeting rows from the configured columns, organic rows from the
configured (or every) metric."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from typing import Any

from airbyte_cdk.sources.declarative.schema.schema_loader import SchemaLoader
from airbyte_cdk.sources.types import Config

from source_pinterest.components import readiness
from source_pinterest.components.reports.report_columns import TARGETING_COLUMNS
from source_pinterest.facts import ANALYTICS_FACTS, DATE_CURSOR, LEVELS


@dataclass
class AnalyticsSchemaLoader(SchemaLoader):
    """The stream's schema from the configured columns, typed by the sync column types the OpenAPI states."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.level: str = parameters["level"]
        self.targeting = bool(parameters.get("targeting"))
        self._types: Mapping[str, str] = ANALYTICS_FACTS["sync_columns"]

    def get_json_schema(self) -> Mapping[str, Any]:
        id_column = LEVELS[self.level].id_column
        keys = [id_column, DATE_CURSOR, *(TARGETING_COLUMNS if self.targeting else ())]
        properties: dict[str, Any] = {key: {"type": "string"} for key in keys}
        properties[DATE_CURSOR] = {"type": "string", "format": "date"}
        if self.config.get("granularity") == "HOUR":
            properties[DATE_CURSOR] = {"type": "string"}  # "YYYY-MM-DDTHH:00:00", no offset
        for column in self.config.get("analytics_columns") or ():
            if column not in properties:
                properties[column] = {"type": [self._types.get(column, "string"), "null"]}
        properties.update(readiness.schema_properties(self.config))
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": True,
            "properties": properties,
        }


@dataclass
class OrganicSchemaLoader(SchemaLoader):
    """pin_analytics / user_account_analytics: one row per (pin,) day with the requested metrics."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.by_pin = bool(parameters.get("by_pin"))

    def get_json_schema(self) -> Mapping[str, Any]:
        properties: dict[str, Any] = {
            DATE_CURSOR: {"type": "string", "format": "date"},
            "DATA_STATUS": {"type": ["string", "null"]},
        }
        if self.by_pin:
            properties["PIN_ID"] = {"type": "string"}
            properties["APP_TYPE"] = {"type": "string"}
            metrics = self.config.get("pin_metric_types") or ()
        else:
            metrics = ANALYTICS_FACTS["user_account_metric_types"]
        for metric in metrics:
            properties[metric] = {"type": ["number", "null"]}
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": True,
            "properties": properties,
        }
