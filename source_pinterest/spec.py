"""`spec` straight from the manifest's `spec` block: no CDK import, no declarative source built (~0.1 s, not ~3 s).

The platform calls `spec` often (every connector page, every upgrade); the answer is a fixed document, so parsing
the one YAML file is all it needs. unit_tests/test_spec.py keeps it equal to what the CDK would answer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

MANIFEST = Path(__file__).with_name("manifest.yaml")


def spec_message() -> dict[str, Any]:
    with MANIFEST.open(encoding="utf-8") as file:
        spec = yaml.load(file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["spec"]
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
