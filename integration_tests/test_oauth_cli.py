"""The bare command line with one OAuth config file, as a newcomer meets it: rotated refresh tokens are written back
to the file, and a refused refresh token ends in a trace that says what to fix (a dead host: test_bad_input)."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path
from typing import Any

from integration_tests.cli import CLI, Run, catalog_for, run_cli
from integration_tests.resume import configured_catalog
from pinterest_emulator import Emulator

ROTATED = ("access_token", "refresh_token", "token_expiry_date")


def _run(*args: str) -> Run:
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)
    return Run(
        [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")], done.returncode, done.stderr
    )


def _without_rotated(config: dict[str, Any]) -> dict[str, Any]:
    credentials = {k: v for k, v in config["credentials"].items() if k not in ROTATED}
    return {**config, "credentials": credentials}


def test_check_discover_read_from_one_config_file_with_rotating_refresh_tokens(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        config = emulator.connector_config(granularity="WEEK")  # what a user writes: no defaults, no access token
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        path.chmod(0o640)

        checked = _run("check", "--config", str(path))
        statuses = [m["connectionStatus"]["status"] for m in checked.messages if m["type"] == "CONNECTION_STATUS"]
        assert checked.returncode == 0 and statuses == ["SUCCEEDED"], checked.messages
        saved = json.loads(path.read_text())
        assert saved["credentials"]["refresh_token"] == emulator.refresh_token != config["credentials"]["refresh_token"]
        assert _without_rotated(saved) == _without_rotated(config)  # no defaults frozen in
        emitted = [m["control"]["connectorConfig"]["config"] for m in checked.messages if m["type"] == "CONTROL"]
        assert emitted == [saved]  # the control message stays for the platform

        discovered = _run("discover", "--config", str(path))
        assert discovered.returncode == 0 and not discovered.errors
        (catalog,) = [m["catalog"]["streams"] for m in discovered.messages if m["type"] == "CATALOG"]
        catalog_path = tmp_path / "catalog.json"
        catalog_path.write_text(json.dumps(catalog_for(catalog, ["ad_accounts", "campaigns"])))

        emulator.inject("expire_token")  # the saved access token stops working: read refreshes with the saved token
        read = _run("read", "--config", str(path), "--catalog", str(catalog_path))

        assert read.returncode == 0 and not read.errors, read.errors
        assert read.records["campaigns"] and read.records["ad_accounts"]
        again = json.loads(path.read_text())
        assert again["credentials"]["refresh_token"] == emulator.refresh_token != saved["credentials"]["refresh_token"]
        assert _without_rotated(again) == _without_rotated(config)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.json", "config.json"]  # no temp file left


def test_a_refused_refresh_token_ends_the_read_with_a_config_error_that_says_to_reauthenticate(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        config = emulator.connector_config()
        config["credentials"]["refresh_token"] = "pinr.revoked-long-ago"
        catalog = configured_catalog(config, ["campaigns"])

        run = run_cli(tmp_path, "read", config, catalog)

        assert run.returncode != 0 and run.errors
        for error in run.errors:
            assert error["failure_type"] == "config_error", error
            assert "code 283: The authorization grant is invalid" in error["message"]
            assert "re-authenticate" in error["message"] and "'credentials.refresh_token'" in error["message"]
        assert emulator.request_counts()["POST /oauth/token"] <= 2  # no retries: one refusal per stream at most
        assert "pinr.revoked-long-ago" not in json.dumps(run.messages) + run.stderr
