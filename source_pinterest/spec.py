"""The connector's spec (spec.yaml), and `spec` answered from it: no CDK import, no source built (~0.1 s, not ~3 s).

The spec lives beside the manifest rather than in it: `with_spec` adds it as the manifest's `spec` block, which
the CDK reads for the config form, validation and config normalisation. The platform calls `spec` often (every
connector page, every upgrade); the answer is a fixed document, so parsing one YAML file is all it needs.
unit_tests/test_spec.py keeps it equal to what the CDK would answer.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

SPEC = Path(__file__).with_name("spec.yaml")


def load_spec() -> dict[str, Any]:
    with SPEC.open(encoding="utf-8") as file:
        return dict(yaml.load(file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def with_spec(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest as the CDK reads it: with the connector's spec as its `spec` block."""
    return {**manifest, "spec": load_spec()}


def spec_message() -> dict[str, Any]:
    spec = load_spec()
    body: dict[str, Any] = {"connectionSpecification": spec["connection_specification"]}
    if spec.get("documentation_url"):
        body["documentationUrl"] = spec["documentation_url"]
    body["supportsNormalization"] = False
    body["supportsDBT"] = False
    if spec.get("advanced_auth"):
        body["advanced_auth"] = spec["advanced_auth"]
    return {"type": "SPEC", "spec": body}


def main() -> None:
    """The `source-pinterest` command: `spec` answered here, every other command by run.py."""
    if sys.argv[1:] == ["spec"]:
        print(json.dumps(spec_message(), separators=(",", ":")))
        return
    from source_pinterest.run import run

    run()
