"""The catalog `discover` lists, read from the prepared manifest's stream definitions.

A stream's catalog entry is its name, schema, key and cursor field. The CDK builds every stream whole to list them
(retrievers, requesters, one OAuth authenticator each, partition routers, cursors): ~1 s of CPU for ~40 streams.
Here only each stream's schema loader is built; the key and the cursor field are read from the definition the way
the CDK's factory reads them (`create_default_stream`, `_build_concurrent_cursor`) and laid out as
`DefaultStream.as_airbyte_stream` lays them out. unit_tests/test_discovery.py keeps both catalogs equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import AirbyteCatalog, AirbyteStream, SyncMode
from airbyte_cdk.sources.declarative.interpolation.interpolated_string import InterpolatedString
from airbyte_cdk.sources.declarative.models import declarative_component_schema as models
from airbyte_cdk.sources.streams.concurrent.helpers import get_primary_key_from_stream

from source_pinterest import cdk_seam
from source_pinterest.cdk_seam import PreparedManifestSource
from source_pinterest.components.factory import derived_primary_key

CURSORS = ("DatetimeBasedCursor", "IncrementingCountCursor")  # the cursors whose field the CDK reads as below


def airbyte_catalog(source: PreparedManifestSource) -> AirbyteCatalog:
    """Every stream, static then dynamic (`custom_*`), in the order the CDK's `streams()` builds them."""
    definitions = cdk_seam.stream_definitions(source.resolved_manifest) + source.dynamic_streams
    return AirbyteCatalog(streams=[airbyte_stream(source, d, definitions) for d in definitions])


def read_from_definition(definition: Mapping[str, Any]) -> bool:
    """Whether `airbyte_stream` reads this definition as the CDK would. Features the manifest does not use (file
    uploads, catalog-defined cursors, other stream or cursor types, composite schema loaders) are left to the CDK."""
    cursor = definition.get("incremental_sync")
    return (
        definition.get("type") == "DeclarativeStream"
        and isinstance(definition.get("schema_loader"), Mapping)
        and not definition.get("file_uploader")
        and (not cursor or (cursor.get("type") in CURSORS and not cursor.get("allow_catalog_defined_cursor_field")))
    )


def airbyte_stream(
    source: PreparedManifestSource, definition: dict[str, Any], definitions: list[dict[str, Any]]
) -> AirbyteStream:
    if not read_from_definition(definition):
        return cdk_seam.build_streams(source, [definition], definitions)[0].as_airbyte_stream()
    config = source.resolved_config
    name = definition["name"]
    loader = definition["schema_loader"]
    factory = cdk_seam.component_factory(source)
    schema = factory.create_component(getattr(models, loader["type"]), loader, config).get_json_schema()
    stream = AirbyteStream(
        name=name,
        json_schema=dict(schema),
        supported_sync_modes=[SyncMode.full_refresh],
        is_resumable=False,
        is_file_based=False,
    )
    cursor = definition.get("incremental_sync")
    if cursor:  # without one the CDK's FinalStateCursor has no cursor field
        field = InterpolatedString.create(cursor["cursor_field"], parameters=cursor.get("$parameters") or {})
        stream.source_defined_cursor = True  # not catalog-defined (read_from_definition)
        stream.is_resumable = True
        stream.supported_sync_modes.append(SyncMode.incremental)
        stream.default_cursor_field = [field.eval(config=config)]
    written = definition.get("primary_key")
    key = written or derived_primary_key(name, definition.get("$parameters") or {}, config)
    keys = get_primary_key_from_stream(key)
    if keys:
        stream.source_defined_primary_key = [[k] for k in keys]
    return stream
