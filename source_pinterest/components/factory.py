"""The CDK's component factory, extended: `PinterestComponentFactory` (see its docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources.declarative.models import declarative_component_schema as models
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.streams.call_rate import APIBudget
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor
from airbyte_cdk.sources.types import Config

from source_pinterest.components import cdk_internals
from source_pinterest.components.fast_cursor import CachedDates
from source_pinterest.components.reports import report_columns
from source_pinterest.components.reports.report_columns import TARGETING_COLUMNS
from source_pinterest.components.state import WINDOW_END, FirstDayState, WindowEndState, last_final
from source_pinterest.components.uses_sync import UsesSync, hand_over
from source_pinterest.facts import CUSTOM_REPORT_DEFAULTS, DATE_CURSOR, LEVELS
from source_pinterest.sync import Sync


class PinterestComponentFactory(ModelToComponentFactory):
    """The CDK's component factory, with cursors of `$parameters.checkpoint: window_end` checkpointing window ends,
    keys derived from a stream's level, nested routers named after their stream, and every cursor's per-record
    parsing done once per distinct value (fast_cursor.py). It hands `sync`, the run's decisions, to every custom
    component that uses them; SourcePinterest sets a fresh one for each check, discover and read."""

    sync: Sync  # set by SourcePinterest before it builds anything, anew for each check, discover and read
    shared_budget: APIBudget | None = None  # the first budget built from the manifest's api_budget

    def create_component(self, model_type: Any, component_definition: Any, config: Config, **kwargs: Any) -> Any:
        component = super().create_component(model_type, component_definition, config, **kwargs)
        if model_type is models.HTTPAPIBudget:
            self.shared_budget = component
        return component

    def set_api_budget(self, component_definition: Any, config: Config) -> None:
        # The CDK builds a new budget for every streams() call, and a read builds streams twice (parent warm-up,
        # then the read): the first one stays, so one process counts each quota once.
        if self.shared_budget is None:
            super().set_api_budget(component_definition, config)

    def create_custom_component(self, model: Any, config: Config, **kwargs: Any) -> Any:
        component = super().create_custom_component(with_stream_names(model), config, **kwargs)
        if isinstance(component, UsesSync):
            component.sync = self.sync
        return component

    def create_parent_stream_config_with_substream_wrapper(self, *args: Any, **kwargs: Any) -> Any:
        parent = super().create_parent_stream_config_with_substream_wrapper(*args, **kwargs)
        hand_over(parent, self.sync)  # the CDK builds parent streams with a plain factory of its own
        return parent

    def create_concurrent_cursor_from_datetime_based_cursor(self, *args: Any, **kwargs: Any) -> ConcurrentCursor:
        cursor = super().create_concurrent_cursor_from_datetime_based_cursor(*args, **kwargs)
        definition = kwargs["component_definition"] if "component_definition" in kwargs else args[1]
        parameters = definition.get("$parameters") or definition.get("parameters") or {}
        # The connector's converter in place of the CDK's, made with the same arguments: the cursor converted the
        # incoming state with the CDK's in its __init__, as it would have with this one.
        converter: CachedDates
        if cursor.cursor_field.cursor_field_key != DATE_CURSOR:
            converter = cdk_internals.same_converter(definition, CachedDates)
        elif parameters.get("checkpoint") == WINDOW_END:
            converter = cdk_internals.same_converter(definition, WindowEndState)
            converter.last_final = last_final(converter, self.sync.settings)
        else:
            converter = cdk_internals.same_converter(definition, FirstDayState)
        if cdk_internals.use_converter(cursor, converter) and isinstance(converter, FirstDayState):
            converter.start_at_first_day(cursor)
        return cursor

    def create_concurrent_cursor_from_perpartition_cursor(self, *args: Any, **kwargs: Any) -> Any:
        cursor = super().create_concurrent_cursor_from_perpartition_cursor(*args, **kwargs)
        definition = kwargs["component_definition"] if "component_definition" in kwargs else args[2]
        # Its own converter (for the global cursor), made as the CDK made it; its partitions' cursors are made by
        # the method above.
        cdk_internals.use_converter(cursor, cdk_internals.same_converter(definition, CachedDates))
        return cursor

    def create_default_stream(self, model: models.DeclarativeStream, config: Config, **kwargs: Any) -> Any:
        # Analytics and report streams name their level, which decides their key; a custom report's is in its item.
        written = model.primary_key.__root__ if model.primary_key else None  # the CDK's default is ""
        key = None if written else derived_primary_key(model.name, model.parameters or {}, config)
        if key:
            model = model.copy(update={"primary_key": models.PrimaryKey(__root__=key)})
        return super().create_default_stream(model, config, **kwargs)


def with_stream_names(model: Any) -> Any:
    """The custom component's model, its nested components given their stream's name as `stream_name`.

    A router nested in a custom component takes `stream_name` from its own `$parameters` only; the stream's
    `$parameters.name` reaches every nested component, so it need not be written twice in the manifest. (The CDK
    propagates `$parameters` into components only: a plain dict has them only where the manifest writes them.)"""
    update: dict[str, Any] = {}
    for field, value in vars(model).items():
        if isinstance(value, dict):
            named: Any = _with_stream_name(value)
            changed = named is not value
        elif isinstance(value, list):
            named = [_with_stream_name(item) if isinstance(item, dict) else item for item in value]
            changed = any(new is not old for new, old in zip(named, value, strict=True))
        else:
            continue
        if changed:
            update[field] = named
    return model.copy(update=update) if update else model


def _with_stream_name(component: dict[str, Any]) -> dict[str, Any]:
    parameters = component.get("$parameters") or {}
    if parameters.get("name") and "stream_name" not in parameters:
        return {**component, "$parameters": {**parameters, "stream_name": parameters["name"]}}
    return component


def derived_primary_key(stream: str | None, parameters: Mapping[str, Any], config: Config) -> list[str] | None:
    """The key of a stream whose definition writes none: its level's, or its custom report's; None: no such key."""
    return _level_key(parameters) or _custom_report_key(stream, config)


def _level_key(parameters: Mapping[str, Any]) -> list[str] | None:
    """An ads analytics level's id column (the facts.LEVELS names), else a report level's key; None: no level."""
    level = parameters.get("level")
    if level in LEVELS:
        return [LEVELS[level].id_column, DATE_CURSOR] + (list(TARGETING_COLUMNS) if parameters.get("targeting") else [])
    return report_columns.primary_key(level) if level else None


def _custom_report_key(stream: str | None, config: Config) -> list[str] | None:
    for item in config.get("custom_reports") or []:
        if stream == f"custom_{item.get('name')}":
            return report_columns.primary_key(item.get("level") or CUSTOM_REPORT_DEFAULTS["level"])
    return None
