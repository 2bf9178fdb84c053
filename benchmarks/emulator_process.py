"""An emulator in its own process, so that a benchmark's connector shares no interpreter (nor GIL) with it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def emulator_config(scenario: str, *args: str) -> Iterator[dict[str, Any]]:
    """Starts `python -m pinterest_emulator --scenario SCENARIO ARGS` and yields an OAuth connector config for it."""
    command = [sys.executable, "-m", "pinterest_emulator", "--scenario", scenario, *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as emulator:
        assert emulator.stdout is not None
        try:
            details = json.loads(emulator.stdout.readline())
            credentials = {key: details[key] for key in ("client_id", "client_secret", "refresh_token")}
            yield {"credentials": {**credentials, "auth_method": "oauth2.0"}, "api_base_url": details["base_url"]}
        finally:
            emulator.terminate()
