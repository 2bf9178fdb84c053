"""Issue 23: a dead host or refused credentials end a read with one trace that names the cause and the fix, and a
summary that agrees with it; never one trace per stream. Traces and their contents are asserted, never wall times."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

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


# The same, with the token refresh's read timeouts shrunk too: a silent host is given up on after two attempts in a
# read (0.5 s each, 2 s apart, within a 3 s budget) and after one in a check.
_SILENT_CLI = [
    sys.executable,
    "-c",
    "import sys; from source_pinterest.components import auth, reachability; reachability.UNREACHABLE_SECONDS = 3.0; "
    "reachability.CHECK_UNREACHABLE_SECONDS = 1.0; auth.TIMEOUT_SECONDS = (1, 0.5); "
    "reachability.CHECK_READ_TIMEOUT_SECONDS = 0.5; from source_pinterest.run import run; run()",
]


@contextmanager
def _silent_host() -> Iterator[tuple[int, list[socket.socket]]]:
    """A loopback port that accepts connections and never answers (a hung server or proxy); yields the port and
    the connections it accepted. Its thread ends when the listener closes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted: list[socket.socket] = []

    def hold() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:  # the listener was closed
                return

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(timeout=10)
        for connection in accepted:
            connection.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(
    tmp: Path,
    command: str,
    config: dict[str, Any],
    catalog: dict[str, Any] | None = None,
    cli: list[str] = _SHRUNK_CLI,
    hang_guard: float = 300,
) -> Run:
    args = [command, "--config", str(tmp / "config.json")]
    (tmp / "config.json").write_text(json.dumps(config))
    if catalog is not None:
        (tmp / "catalog.json").write_text(json.dumps(catalog))
        args += ["--catalog", str(tmp / "catalog.json")]
    done = subprocess.run([*cli, *args], capture_output=True, text=True, timeout=hang_guard)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return Run(messages, done.returncode, done.stderr)


def _dead_config(port: int | None = None) -> tuple[str, dict[str, Any]]:
    base_url = f"http://127.0.0.1:{port or _closed_port()}/v5/"
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


def test_read_against_a_host_that_never_answers_says_it_once_and_stops_asking(tmp_path: Path) -> None:
    with _silent_host() as (port, accepted):
        base_url, config = _dead_config(port)
        catalog = configured_catalog(config)
        assert len(catalog["streams"]) >= 30

        # Before: every stream's token refresh waited out 5 read timeouts and 30 s of pauses of its own.
        done = _run(tmp_path, "read", config, catalog, cli=_SILENT_CLI, hang_guard=120)
        attempts = len(accepted)

    assert done.returncode != 0
    assert len(done.errors) == 2, [e["message"][:120] for e in done.errors]
    first, summary = done.errors
    assert first["failure_type"] == "transient_error"
    assert "accepted the connection but sent no answer" in first["message"]
    assert "Fix:" in first["message"] and "'api_base_url'" in first["message"]
    assert summary["failure_type"] == "transient_error" and first["message"] in summary["message"]
    assert attempts == 2  # the first refresh and its one retry within the budget; no other stream asks again
    assert not done.records


# What the check waits for first: the OAuth token refresh, or (a static access token) the ad account listing.
SILENT_CHECKS = {
    "oauth2.0": ({}, "Refreshing the OAuth access token", "pinr.some-refresh-token"),
    "access_token": (
        {"auth_method": "access_token", "access_token": "pina.some-access-token"},
        "GET /v5/ad_accounts",
        "pina.some-access-token",
    ),
}


@pytest.mark.parametrize("auth", sorted(SILENT_CHECKS))
def test_check_against_a_host_that_never_answers_gives_up_after_one_attempt(tmp_path: Path, auth: str) -> None:
    credentials, waited_for, secret = SILENT_CHECKS[auth]
    with _silent_host() as (port, accepted):
        _, config = _dead_config(port)
        if credentials:
            config["credentials"] = credentials

        done = _run(tmp_path, "check", config, cli=_SILENT_CLI, hang_guard=120)
        attempts = len(accepted)

    statuses = [m["connectionStatus"] for m in done.messages if m["type"] == "CONNECTION_STATUS"]
    assert [s["status"] for s in statuses] == ["FAILED"], done.messages[-3:]
    message = statuses[0]["message"]
    assert "accepted the connection but sent no answer within 0.5 s" in message and "Fix:" in message
    assert waited_for in message and "'api_base_url'" in message
    assert "state" not in message.lower()  # a check reads nothing, so it has no state to keep
    assert secret not in json.dumps(done.messages)
    # Before: five attempts with 30 s of pauses (OAuth), the manifest's 300 s read timeout retried (access token).
    assert attempts == 1
