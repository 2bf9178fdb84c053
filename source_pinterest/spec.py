"""`spec` answered from spec.yaml (spec_file.py): no CDK import, no source built (~0.1 s, not ~3 s).

The platform calls `spec` often (every connector page, every upgrade); the answer is a fixed document, so parsing
one YAML file is all it needs. unit_tests/test_spec.py keeps it equal to what the CDK would answer.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from source_pinterest.spec_file import load_spec


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
