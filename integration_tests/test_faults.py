"""Failures that must end a sync quickly and safely, and secrets that must never leak while things go wrong."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import time
from pathlib import Path

from integration_tests.cli import CLI, Run, run_cli
from integration_tests.resume import ENTITY_LOOKBACK_SECONDS, configured_catalog
from integration_tests.test_end_to_end import ENTITY_STREAMS, _assert_equal_to_truth
from pinterest_emulator import Emulator


def _ads_partitions(run: Run) -> dict[str, int]:
    """ads' per-ad-account cursors in the run's last state."""
    (state,) = [s for s in run.final_states() if s["stream"]["stream_descriptor"]["name"] == "ads"]
    stream_state = state["stream"]["stream_state"]
    return {p["partition"]["ad_account_id"]: int(p["cursor"]["updated_time"]) for p in stream_state["states"]}


def test_the_daily_cap_fails_the_stream_without_retrying_and_the_state_keeps_only_what_was_read(tmp_path: Path) -> None:
    with Emulator(scenario="small") as emulator:
        config = emulator.connector_config()
        catalog = configured_catalog(config, ["ads", "campaigns"])
        first_account, capped_account = (a["id"] for a in emulator.truth.entities("ad_accounts"))
        emulator.inject("daily_cap", path=f"/ad_accounts/{capped_account}/ads$")

        capped = run_cli(tmp_path, "read", config, catalog)

        assert capped.returncode != 0
        logs = [m["log"]["message"] for m in capped.messages if m["type"] == "LOG"]
        assert not [line for line in logs if "Retrying in" in line]  # no futile backoff (told without a wall clock)
        cap_error = next(e for e in capped.errors if "daily request limit" in e["message"])
        assert cap_error["failure_type"] == "transient_error"
        assert "run the sync again tomorrow" in cap_error["message"]
        assert f"/v5/ad_accounts/{capped_account}/ads?" in cap_error["message"]
        assert emulator.request_counts()["GET /ad_accounts/{ad_account_id}/ads"] == 2  # the cap is not retried

        ads = emulator.truth.entities("ads")
        read_ads = capped.records["ads"]
        assert {r["id"] for r in read_ads} == {r["id"] for r in ads if r["ad_account_id"] == first_account}
        cursors = _ads_partitions(capped)
        assert cursors[first_account] == max(r["updated_time"] for r in read_ads)
        assert cursors.get(capped_account, 0) == 0  # nothing of the capped account counts as read
        _assert_equal_to_truth(capped, emulator, "campaigns")  # other streams finish

        emulator.clear_faults()  # a day later
        resumed = run_cli(tmp_path, "read", config, catalog, state=capped.final_states())

        assert resumed.returncode == 0 and not resumed.errors, resumed.errors
        again = {r["id"] for r in resumed.records["ads"]}
        assert {r["id"] for r in ads if r["ad_account_id"] == capped_account} <= again
        # of the account read before, only ads within the entity lookback before its state come again
        assert all(
            r["updated_time"] >= cursors[first_account] - ENTITY_LOOKBACK_SECONDS
            for r in resumed.records["ads"]
            if r["id"] not in again - {r["id"] for r in read_ads}
        )


def _secrets(emulator: Emulator, config: dict, messages: list[dict]) -> set[str]:
    """Every credential of the sync: the configured ones and each token issued while it ran."""
    credentials = config["credentials"]
    secrets = {credentials["client_secret"], credentials["refresh_token"], emulator.access_token}
    secrets.add(base64.b64encode(f"{credentials['client_id']}:{credentials['client_secret']}".encode()).decode())
    for message in messages:
        if message["type"] == "CONTROL":
            issued = message["control"]["connectorConfig"]["config"]["credentials"]
            secrets |= {issued["refresh_token"], issued["access_token"]}
    return {s for s in secrets if s}


def _expire_tokens_mid_sync(emulator: Emulator, after_requests: int = 30) -> None:
    deadline = time.monotonic() + 60
    while sum(emulator.request_counts().values()) < after_requests and time.monotonic() < deadline:
        time.sleep(0.05)
    emulator.inject("expire_token")


def test_a_faulty_sync_never_prints_a_secret(tmp_path: Path) -> None:
    with Emulator(scenario="small", latency_ms=15) as emulator:
        config = emulator.connector_config(num_workers=4)
        catalog = configured_catalog(config, ENTITY_STREAMS)
        emulator.reset_counts()
        # Concurrent streams, so the waits overlap (dropped connections are covered by test_end_to_end).
        emulator.inject("429", path=r"/(campaigns|catalogs)$", count=2)
        emulator.inject("500", path=r"/ads$", count=1)
        emulator.inject("503", path=r"/pins$", count=1)
        emulator.inject("429", path=r"/oauth/token$", count=1)  # even the token refresh is throttled once
        expire = threading.Thread(target=_expire_tokens_mid_sync, args=(emulator,))
        paths = {name: tmp_path / f"{name}.json" for name in ("config", "catalog")}
        paths["config"].write_text(json.dumps(config))
        paths["catalog"].write_text(json.dumps(catalog))

        expire.start()
        done = subprocess.run(
            [*CLI, "read", "--config", str(paths["config"]), "--catalog", str(paths["catalog"])],
            capture_output=True,
            text=True,
            timeout=300,
        )
        expire.join()

        messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        run = Run(messages, done.returncode, done.stderr)
        assert done.returncode == 0 and not run.errors, run.errors
        for stream in ENTITY_STREAMS:
            _assert_equal_to_truth(run, emulator, stream)
        assert emulator.request_counts()["POST /oauth/token"] >= 3  # the first token, the 429, and after expiry
        secrets = _secrets(emulator, config, messages)
        assert len(secrets) >= 6
        # Rotated tokens belong in the CONNECTOR_CONFIG control message, which the platform stores; nowhere else.
        lines = [line for line in done.stdout.splitlines() if '"type":"CONTROL"' not in line]
        lines += done.stderr.splitlines()
        leaks = [(secret[:6], line[:200]) for line in lines for secret in secrets if secret in line]
        assert not leaks, leaks
