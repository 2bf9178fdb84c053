"""The connector's spec, kept in spec.yaml beside the manifest: read it, and add it to a manifest as its `spec`.

The CDK reads the manifest's `spec` block for the config form, validation and config normalisation; the spec
command (spec.py) and the config's validation patterns (components/config_spec.py) read the file alone. A leaf module:
it imports nothing of the connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

SPEC = Path(__file__).with_name("spec.yaml")


def load_spec() -> dict[str, Any]:
    with SPEC.open(encoding="utf-8") as file:  # a few ms with the C loader
        return dict(yaml.load(file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def with_spec(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest as the CDK reads it: with the connector's spec as its `spec` block."""
    return {**manifest, "spec": load_spec()}
