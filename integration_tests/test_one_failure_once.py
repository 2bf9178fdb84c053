"""Issue 23: a dead host or refused credentials end a read with one trace that names the cause and the fix, and a
summary that agrees with it; never one trace per stream. Traces and their contents are asserted, never wall times."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from integration_tests.cli import Run
from integration_tests.resume import configured_catalog
from pinterest_emulator import Emulator

# The CLI entry point with the unreachable budgets shrunk (module attributes, read at call time): seconds, not half a
# minute, so the test stays fast; the trace counts are what is asserted.
_SHRUNK_CLI = [
    sys.executable,
    "-c",
    "import sys; from source_pinterest.components import reachability; reachability.UNREACHABLE_SECONDS = 1.5; "
    "reachability.CHECK_UNREACHABLE_SECONDS = 1.0; from source_pinterest.run import run; run()",
]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(tmp: Path, command: str, config: dict[str, Any], catalog: dict[str, Any] | None = None) -> Run:
    args = [command, "--config", str(tmp / "config.json")]
    (tmp / "config.json").write_text(json.dumps(config))
    if catalog is not None:
        (tmp / "catalog.json").write_text(json.dumps(catalog))
        args += ["--catalog", str(tmp / "catalog.json")]
    done = subprocess.run([*_SHRUNK_CLI, *args], capture_output=True, text=True, timeout=300)  # a hang guard
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return Run(messages, done.returncode, done.stderr)


def _dead_config() -> tuple[str, dict[str, Any]]:
    base_url = f"http://127.0.0.1:{_closed_port()}/v5/"
    config = {
        "credentials": {
            "auth_method": "oauth2.0",
            "client_id": "1234",
            "client_secret": "app-secret",
            "refresh_token": "pinr.some-refresh-token",
        },
        "account_ids": ["549755885175"],
        "api_base_url": base_url,
    }
    return base_url, config


def _logs(done: Run) -> list[str]:
    return [m["log"]["message"] for m in done.messages if m["type"] == "LOG"]


def test_read_against_a_refused_port_says_it_once_as_a_transient_error(tmp_path: Path) -> None:
    base_url, config = _dead_config()
    catalog = configured_catalog(config)
    assert len(catalog["streams"]) >= 30

    done = _run(tmp_path, "read", config, catalog)

    assert done.returncode != 0
    assert len(done.errors) == 2, [e["message"][:120] for e in done.errors]
    first, summary = done.errors
    assert first["failure_type"] == "transient_error"
    assert f"Could not reach the Pinterest API at {base_url}" in first["message"]
    assert "Fix:" in first["message"] and "'api_base_url'" in first["message"]
    assert summary["failure_type"] == "transient_error" and summary.get("stream_descriptor") is None
    assert f"{len(catalog['streams'])} streams stopped (" in summary["message"]
    assert first["message"] in summary["message"]  # the same cause, not the CDK's "ConnectionError(...)"
    assert not done.records
    logs = _logs(done)
    # The shared parents' warm-up does not wait for the dead host: every token retry comes after "Starting syncing".
    # (How many retries follow depends on how long building the streams took: the budget runs from the first failure.)
    before_sync = logs[: logs.index("Starting syncing")]
    assert not [line for line in before_sync if line.startswith("Cannot connect for")], before_sync
    # One traceback log for the cause, not one per stream.
    assert len([line for line in logs if line.startswith("Exception while syncing stream")]) == 1


def test_read_with_a_revoked_refresh_token_says_it_once_as_a_config_error(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        config = emulator.connector_config()
        config["credentials"]["refresh_token"] = "pinr.revoked-long-ago"  # the emulator refuses it: code 283
        catalog = configured_catalog(config)
        assert len(catalog["streams"]) >= 30

        done = _run(tmp_path, "read", config, catalog)
        token_requests = emulator.request_counts().get("POST /oauth/token", 0)

    assert done.returncode != 0
    assert len(done.errors) == 2, [e["message"][:120] for e in done.errors]
    first, summary = done.errors
    assert first["failure_type"] == "config_error"
    assert "'credentials.refresh_token'" in first["message"] and "re-authenticate" in first["message"]
    assert summary["failure_type"] == "config_error" and first["message"] in summary["message"]
    assert "pinr.revoked-long-ago" not in json.dumps(done.messages)
    assert token_requests == 1  # once refused, no other stream asks Pinterest again


def test_check_against_a_dead_host_fails_with_a_message_fit_for_a_check(tmp_path: Path) -> None:
    base_url, config = _dead_config()

    done = _run(tmp_path, "check", config)

    statuses = [m["connectionStatus"] for m in done.messages if m["type"] == "CONNECTION_STATUS"]
    assert [s["status"] for s in statuses] == ["FAILED"], done.messages[-3:]
    message = statuses[0]["message"]
    assert f"Could not reach the Pinterest API at {base_url}" in message and "Fix:" in message
    assert "state" not in message.lower()  # a check reads nothing, so it has no state to keep
