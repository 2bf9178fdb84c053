"""examples/pyairbyte_sync.py against the emulator: PyAirbyte runs `check` then `read` from one config, the check
rotates the refresh token, and only the example's config_change_callback keeps the read authenticated."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pinterest_emulator import Emulator

pytest.importorskip("airbyte", reason='PyAirbyte is optional: pip install -e ".[pyairbyte]"')

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pyairbyte_sync.py"
STREAMS = "ad_accounts,campaigns"
# PyAirbyte would fetch Airbyte's connector registry and send telemetry: neither is wanted (nor allowed) in tests.
OFFLINE = {"AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1"}


def _config_file(emulator: Emulator, tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(emulator.connector_config()))
    path.chmod(0o600)
    return path


def _python(tmp_path: Path, *args: str, offline: dict[str, str] = OFFLINE) -> subprocess.CompletedProcess[str]:
    # Its logs (otherwise under the shared /tmp/airbyte) stay in the test's directory, where they are checked too.
    env = {**os.environ, **offline, "HOME": str(tmp_path), "AIRBYTE_LOGGING_ROOT": str(tmp_path / "logs")}
    if "AIRBYTE_OFFLINE_MODE" not in offline:
        env.pop("AIRBYTE_OFFLINE_MODE", None)
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False
    )


def _logs(tmp_path: Path) -> str:
    return "".join(path.read_text(errors="replace") for path in (tmp_path / "logs").rglob("*") if path.is_file())


def test_the_example_checks_then_reads_and_saves_the_rotated_refresh_token(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        config = _config_file(emulator, tmp_path)
        first_refresh_token = emulator.refresh_token

        done = _python(tmp_path, str(EXAMPLE), "--config", str(config), "--streams", STREAMS, "--cache-dir", "cache")

        assert done.returncode == 0, done.stderr[-3000:]
        rows = dict(re.findall(r"^(\w+): (\d+) rows$", done.stdout, re.M))
        assert rows == {
            "ad_accounts": str(len(emulator.truth.entities("ad_accounts"))),
            "campaigns": str(len(emulator.truth.entities("campaigns"))),
        }
        saved = json.loads(config.read_text())["credentials"]
        assert saved["refresh_token"] == emulator.refresh_token != first_refresh_token  # the next run can start
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        said = done.stdout + done.stderr + _logs(tmp_path)
        for secret in (emulator.client_secret, first_refresh_token, emulator.refresh_token):
            assert secret not in said


def test_the_example_runs_as_the_docs_show_without_airbyte_offline_mode_set(tmp_path: Path) -> None:
    # Before, PyAirbyte looked the connector up in Airbyte's registry first: without internet (here the test
    # sandbox refuses the socket) it stopped with AirbyteConnectorRegistryError before `check`.
    with Emulator(scenario="tiny") as emulator:
        config = _config_file(emulator, tmp_path)
        args = ("--config", str(config), "--streams", STREAMS, "--cache-dir", "cache")

        done = _python(tmp_path, str(EXAMPLE), *args, offline={"DO_NOT_TRACK": "1"})

    assert done.returncode == 0, done.stderr[-3000:]
    assert "ad_accounts: " in done.stdout and "campaigns: " in done.stdout


def test_without_the_callback_the_read_after_check_presents_a_retired_token(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        config = _config_file(emulator, tmp_path)
        script = (
            f"import sys; from pathlib import Path; sys.path.insert(0, {str(EXAMPLE.parent)!r}); import pyairbyte_sync;"
            f"pyairbyte_sync.sync(Path({str(config)!r}), {STREAMS.split(',')!r}, Path('cache'), persist=None)"
        )

        done = _python(tmp_path, "-c", script)

        assert done.returncode != 0
        assert "code 283: The authorization grant is invalid" in done.stdout + done.stderr
        assert emulator.request_counts()["POST /oauth/token"] == 2  # check's refresh, then read's refused one
