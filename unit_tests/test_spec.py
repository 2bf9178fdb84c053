"""`source-pinterest spec` is served from the manifest without the CDK, and says exactly what the CDK would."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from airbyte_cdk.models import ConnectorSpecificationSerializer

from source_pinterest import SourcePinterest
from source_pinterest.spec import spec_message


def test_the_fast_spec_equals_the_declarative_sources_spec() -> None:
    built = ConnectorSpecificationSerializer.dump(SourcePinterest().spec(logging.getLogger("test")))
    assert spec_message()["spec"] == json.loads(json.dumps(built))


def test_the_spec_command_loads_neither_the_cdk_nor_the_source() -> None:
    probe = (
        "import sys; sys.argv = ['source-pinterest', 'spec']\n"
        "from source_pinterest.spec import main; main()\n"
        "assert not [m for m in sys.modules if m.startswith(('airbyte_cdk', 'source_pinterest.source'))]"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (message,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert message["type"] == "SPEC" and message["spec"]["connectionSpecification"]["required"] == ["credentials"]
