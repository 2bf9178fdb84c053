"""Bad command-line input ends in a config_error trace that names the field or file and the fix, before any request.

Config field rules themselves are tabled in test_config_and_check.py; here every case goes through the CLI.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from unit_tests.conftest import oauth_config

CAMPAIGNS = {"name": "campaigns", "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}
CATALOG = {"streams": [{"stream": CAMPAIGNS, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
UNKNOWN = {"name": "campaign_stats", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
STATE_FIX = "Fix: pass the state of the previous sync"

# name: (config changes, file contents by flag, what the message must name)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], list[str]]] = {
    "state_not_json": ({}, {"--state": "[{'type': 'STREAM'"}, ["--state file", "state.txt", STATE_FIX]),
    "state_legacy_dict": ({}, {"--state": {"campaigns": {"updated_time": 5}}}, ["--state file", STATE_FIX]),
    "catalog_unknown_stream": (
        {},
        {"--catalog": {"streams": [{**CATALOG["streams"][0], "stream": UNKNOWN}]}},
        ["campaign_stats", "Fix: refresh the source schema"],
    ),
    "start_date_format": ({"start_date": "01/02/2025"}, {}, ["'start_date'", "YYYY-MM-DD"]),
    "start_date_future": ({"start_date": "2999-01-01"}, {}, ["'start_date'", "in the future", "on or before"]),
    "credentials_empty": (
        {"credentials": {"auth_method": "oauth2.0", "client_id": "", "client_secret": "s", "refresh_token": "r"}},
        {},
        ["'credentials.client_id'", "re-authenticate"],
    ),
}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Counting(BaseHTTPRequestHandler):
    """A loopback API that answers 500 to everything and remembers the paths it was asked for."""

    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        self.seen.append(self.path)
        self.send_error(500)

    do_POST = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, name="counting-api")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _run(tmp: Path, api: str, case: str, changes: dict[str, Any], files: dict[str, Any]) -> subprocess.CompletedProcess:
    # Each case has its own path on one loopback API, so a request that bad input should never make is seen.
    config = oauth_config(api_base_url=f"{api}/{case}/v5/", **changes)
    inputs = {"--config": config, "--catalog": CATALOG, **files}
    args = ["read"]
    for flag, content in inputs.items():
        path = tmp / f"{flag.strip('-')}.{'txt' if isinstance(content, str) else 'json'}"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        args += [flag, str(path)]
    return subprocess.run(
        [sys.executable, "-m", "source_pinterest.run", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def runs(api: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess]:
    # The cases are independent subprocesses: run them side by side to keep the suite quick.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(_run, tmp_path_factory.mktemp(name), api, name, changes, files)
            for name, (changes, files, _) in CASES.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_ends_in_a_config_error_naming_the_fix_before_any_request(runs: dict, case: str) -> None:
    done = runs[case]
    traces = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"type":"TRACE"')]
    errors = [t["trace"]["error"] for t in traces if t["trace"]["type"] == "ERROR"]
    assert errors, f"no error trace: {done.stdout[-1500:]} {done.stderr[-1500:]}"
    assert errors[0]["failure_type"] == "config_error"
    for needle in CASES[case][2]:
        assert needle in errors[0]["message"], errors[0]["message"]
    assert not [line for line in done.stdout.splitlines() if line.startswith('{"type":"RECORD"')]
    assert done.returncode != 0
    assert not [path for path in _Counting.seen if path.startswith(f"/{case}/")], "bad input reached the API"


def test_check_against_an_unreachable_host_fails_fast_and_says_why(tmp_path: Path) -> None:
    # A fresh OAuth config: the token refresh comes first, with its own minutes-long retries, then the API call.
    base_url = f"http://127.0.0.1:{_closed_port()}/v5/"
    config = oauth_config(api_base_url=base_url)
    del config["credentials"]["access_token"], config["credentials"]["token_expiry_date"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))

    done = subprocess.run(
        [sys.executable, "-m", "source_pinterest.run", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard, not a speed test
    )

    status = next(json.loads(line) for line in done.stdout.splitlines() if '"CONNECTION_STATUS"' in line)
    assert status["connectionStatus"]["status"] == "FAILED"
    message = status["connectionStatus"]["message"]
    assert f"Could not reach the Pinterest API at {base_url}" in message and "'api_base_url'" in message
    assert "Connection refused" in message
    # within seconds, told without a wall clock: the check's short budget, with one log line per retry
    retries = [line for line in done.stdout.splitlines() if "retrying in" in line]
    assert retries and all("Cannot connect for POST /v5/oauth/token" in line for line in retries)
