"""Tests build a ReportRunner outside a stream from the manifest's report requesters (same auth, same errors)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from airbyte_cdk.sources.declarative.models.declarative_component_schema import HttpRequester as HttpRequesterModel
from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.requesters.requester import Requester

from source_pinterest.components.reports.runner import ReportRunner
from source_pinterest.sync import Sync

MANIFEST = Path(__file__).resolve().parents[1] / "source_pinterest" / "manifest.yaml"
REQUESTERS = ("report_creation_requester", "report_polling_requester", "report_download_requester")


def report_requesters(config: Mapping[str, Any], name: str = "reports") -> tuple[Requester, Requester, Requester]:
    """The manifest's creation, polling and download requesters, built for `config` (defaults applied)."""
    manifest = ManifestReferenceResolver().preprocess_manifest(yaml.safe_load(MANIFEST.read_text()))
    factory = ModelToComponentFactory()
    built = []
    for key in REQUESTERS:
        definition = ManifestComponentTransformer().propagate_types_and_parameters(
            "", dict(manifest["definitions"][key]), {}
        )
        built.append(factory.create_component(HttpRequesterModel, definition, dict(config), name=name))
    return built[0], built[1], built[2]


def runner_from_config(config: Mapping[str, Any], sync: Sync | None = None, **options: Any) -> ReportRunner:
    """A ReportRunner on the manifest's requesters, in `sync` (default: a Sync of its own for `config`); `options`
    go to ReportRunner (max_attempts, poll_delays...)."""
    return ReportRunner(*report_requesters(config), sync or Sync(config), **options)
