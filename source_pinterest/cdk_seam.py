"""Every private airbyte-cdk name the source itself reaches, in one place.

The CDK's `ConcurrentDeclarativeSource` takes its manifest and config through public constructor arguments, but
builds its component factory, record queue and thread pool inside `__init__` and offers no hook for them. What the
connector needs from those, and from the CDK's manifest preparation, is here: source.py, discovery.py and run.py
reach the CDK through these functions and `PreparedManifestSource` only. unit_tests/test_cdk_contract.py checks
each name used here against the installed CDK, and that the public re-readings below read as the CDK does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.sources.declarative.models.declarative_component_schema import Spec as SpecModel
from airbyte_cdk.sources.declarative.spec import Spec
from airbyte_cdk.sources.streams.call_rate import APIBudget
from airbyte_cdk.sources.streams.concurrent.abstract_stream import AbstractStream

from source_pinterest.components.factory import PinterestComponentFactory

# Preparing the manifest (resolving $refs, propagating $parameters) costs about 0.3 s of CPU, 0.6 s when a substituted
# manifest is also validated against the CDK's schema, and depends only on its text. A container builds one source;
# tests and embedders build many (measured: 0.17 s per source with this cache, 0.50 s without).
_PREPARED: dict[str, dict[str, Any]] = {}  # canonical manifest JSON -> the prepared, validated manifest
_PREPARED_MAX = 4


class PreparedManifestSource(ConcurrentDeclarativeSource):
    """The CDK's declarative source, with the prepared manifest cached and the resolved config kept as ours.

    After `__init__`: `resolved_config` is the config every component interpolates (the CDK's own, same object
    unless empty), `spec_component` the manifest's Spec (or None), `resolved_manifest` (the CDK's public property)
    the prepared manifest.
    """

    # Set before this __init__ runs when the manifest is the package's own, which a unit test checks against the
    # CDK's schema (test_config_and_check.py) instead of every start (~0.2 s of CPU of a `discover`).
    manifest_schema_tested = False
    resolved_config: Mapping[str, Any]  # both set in _migrate_and_transform_config, during the CDK's __init__
    spec_component: Spec | None

    def resolve_config(self, config: Mapping[str, Any] | None, config_path: str | None) -> Mapping[str, Any] | None:
        """The config the components read, from the one given (the CDK's spec migrations and transformations)."""
        return config

    def _pre_process_manifest(self, manifest: dict[str, Any]) -> dict[str, Any]:
        self._manifest_key = json.dumps(manifest, sort_keys=True, default=str)
        prepared = _PREPARED.get(self._manifest_key)
        return copy.deepcopy(prepared) if prepared is not None else super()._pre_process_manifest(manifest)

    def _validate_source(self) -> None:
        if self._manifest_key in _PREPARED:
            return
        if not self.manifest_schema_tested:
            super()._validate_source()
        _PREPARED[self._manifest_key] = copy.deepcopy(dict(self.resolved_manifest))
        while len(_PREPARED) > _PREPARED_MAX:
            del _PREPARED[next(iter(_PREPARED))]

    def _migrate_and_transform_config(
        self, config_path: str | None, config: Mapping[str, Any] | None
    ) -> Mapping[str, Any] | None:
        # The CDK calls this once, after preparing the manifest and before building anything from the config.
        spec = self.resolved_manifest.get("spec")
        self.spec_component = self._constructor.create_component(SpecModel, spec, {}) if spec else None
        resolved = self.resolve_config(config, config_path)
        self.resolved_config = resolved or {}
        return resolved


def adopt_factory_class(source: ConcurrentDeclarativeSource, factory_class: type[PinterestComponentFactory]) -> None:
    """The CDK builds its factory inside __init__ and takes none from outside; ours only adds behaviour."""
    source._constructor.__class__ = factory_class
    source._constructor._init_mappings()  # its table of constructors holds methods bound before the switch


def component_factory(source: ConcurrentDeclarativeSource) -> PinterestComponentFactory:
    """The factory that builds the source's components (a PinterestComponentFactory once adopted)."""
    return source._constructor  # type: ignore[return-value]


def api_budget(source: ConcurrentDeclarativeSource) -> APIBudget | None:
    """The budget every requester of the source's streams takes its calls from."""
    return component_factory(source).shared_budget


def set_api_budget_once(source: ConcurrentDeclarativeSource, config: Mapping[str, Any]) -> None:
    """The manifest's api_budget, built once per source (PinterestComponentFactory.set_api_budget keeps the first)."""
    model = source.resolved_manifest.get("api_budget")
    if model:
        component_factory(source).set_api_budget(model, config)


def build_streams(
    source: ConcurrentDeclarativeSource, selected: list[dict[str, Any]], definitions: list[dict[str, Any]]
) -> list[AbstractStream]:
    """The streams of the selected definitions, parent caching decided over all `definitions`."""
    return source._create_streams(selected, definitions)


def limit_record_queue(source: ConcurrentDeclarativeSource, size: int) -> None:
    """Bound the queue of records between the read's workers and its main thread (Queue.put reads maxsize)."""
    source._concurrent_source._queue.maxsize = size


def stop_idle_workers(source: ConcurrentDeclarativeSource) -> None:
    """Shut the read's thread pool down without waiting (a failed stream ends the CDK's read before it does)."""
    source._concurrent_source._threadpool._threadpool.shutdown(wait=False, cancel_futures=True)


# ---- The manifest read as the CDK reads it, through public data: test_cdk_contract.py checks both against the CDK.
def stream_definitions(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The static stream definitions of a prepared manifest, in the order streams() builds them."""
    definitions = list(manifest.get("streams", []))
    conditional = [d for d in definitions if d.get("type") == "ConditionalStreams"]
    if conditional:  # the CDK evaluates their condition against the config; the connector's manifest has none
        raise NotImplementedError("source-pinterest reads no ConditionalStreams in its manifest")
    return definitions


def parent_stream_names(definition: Mapping[str, Any]) -> set[str]:
    """The streams a definition partitions by (its partition routers' parents, nested routers included)."""
    parent = (definition.get("incremental_sync") or {}).get("parent_stream")
    if parent:
        return {parent["name"]}
    names: set[str] = set()
    router = (definition.get("retriever") or {}).get("partition_router")
    routers = list(router) if isinstance(router, list) else [router]
    while routers:
        current = routers.pop()
        if isinstance(current, Mapping):
            names.update(config["stream"]["name"] for config in current.get("parent_stream_configs") or [])
            routers.extend(current.get("partition_routers") or [])
            routers.append(current.get("underlying_partition_router"))
    return names


def with_read_timeout(definition: Mapping[str, Any], seconds: float) -> dict[str, Any]:
    """A copy of a stream definition whose requester waits `seconds` for an answer."""
    copied = copy.deepcopy(dict(definition))
    copied["retriever"]["requester"]["read_timeout_in_seconds"] = seconds
    return copied
