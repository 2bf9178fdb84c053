"""Issue 21 (5): report file downloads through the CLI against the emulator's file host, which fails, stalls and
hands out presigned links (X-Amz-*). Records equal the truth, a stall times out and is retried, a download that
never works fails its stream only (state kept, job slot given back), and no link's query string is ever printed."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from integration_tests.cli import Run
from integration_tests.clock import TODAY
from integration_tests.resume import configured_catalog
from pinterest_emulator import SCENARIOS, Emulator
from source_pinterest.components.reports import report_columns

START = TODAY - dt.timedelta(days=10)
SECRET_PARAMS = ("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token")
# The CLI with the download read timeout and retry waits shrunk (module attributes, read at call time): a stall
# times out in a second, not 300 s. Tolerant of a connector without them, so that the old code shows its hang.
_SHRUNK_CLI = [
    sys.executable,
    "-c",
    "try:\n"
    "    from source_pinterest.components.reports import downloads\n"
    "    downloads.READ_TIMEOUT_SECONDS = 1.0\n"
    "    downloads.RETRY_WAIT_SECONDS = 0.05\n"
    "except ImportError:\n"
    "    pass\n"
    "from source_pinterest.run import run\n"
    "run()\n",
]
HANG_GUARD_SECONDS = 120  # a read here takes seconds; a download without a read timeout waits out a stall (600 s)
CUSTOM_CSV = {"name": "spend_csv", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "report_format": "CSV"}


def _read(tmp: Path, config: dict[str, Any], streams: list[str], state: list[Any] | None = None) -> tuple[Run, str]:
    """One `read` (`config` takes the rotated token), with the whole of stdout and stderr for the leak checks."""
    (tmp / "config.json").write_text(json.dumps(config))
    (tmp / "catalog.json").write_text(json.dumps(configured_catalog(config, streams)))
    args = ["read", "--config", str(tmp / "config.json"), "--catalog", str(tmp / "catalog.json")]
    if state is not None:
        (tmp / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp / "state.json")]
    done = subprocess.run([*_SHRUNK_CLI, *args], capture_output=True, text=True, timeout=HANG_GUARD_SECONDS)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    for message in messages:  # the rotated refresh token, persisted as the platform does
        if message["type"] == "CONTROL":
            config.clear()
            config.update(message["control"]["connectorConfig"]["config"])
    return Run(messages, done.returncode, done.stderr), done.stdout + done.stderr


def _assert_no_link_secret(emu: Emulator, output: str) -> None:
    issued = [
        value
        for _, path, query in emu.requests_log
        if path.startswith("/downloads/")
        for name in SECRET_PARAMS
        for value in query.get(name, [])
    ]
    assert issued, "the connector downloaded no file"
    leaked = sorted({value[:12] for value in issued if value in output})
    assert not leaked, f"presigned link values printed: {leaked}"
    assert "X-Amz-" not in output, "a presigned link's query string was printed"


def _truth(emu: Emulator, level: str, columns: list[str]) -> dict[tuple[str, ...], dict[str, Any]]:
    id_column = report_columns.id_column(level)
    rows = {}
    for account in emu.world.ad_accounts:
        body = {"level": level, "granularity": "DAY", "columns": columns}
        window = {**body, "start_date": START.isoformat(), "end_date": TODAY.isoformat()}
        for row in emu.truth.report_rows(account, window):
            rows[(str(row[id_column]), row["DATE"])] = {**row, "AD_ACCOUNT_ID": account}
    return rows


def _by_key(records: list[dict[str, Any]], level: str) -> dict[tuple[str, ...], dict[str, Any]]:
    keys = Counter((str(r[report_columns.id_column(level)]), r["DATE"]) for r in records)
    assert not [k for k, n in keys.items() if n > 1], "a row was emitted twice"
    return {(str(r[report_columns.id_column(level)]), r["DATE"]): r for r in records}


def _cursors(run: Run, stream: str) -> dict[str, Any]:
    states = [s for s in run.final_states() if s["stream"]["stream_descriptor"]["name"] == stream]
    entries = states[0]["stream"]["stream_state"].get("states", []) if states else []
    return {e["partition"]["ad_account_id"]: e["cursor"].get("DATE") for e in entries}


def _assert_every_row_after_retries(emu: Emulator, run: Run, output: str, retries: int) -> None:
    """The read succeeded after `retries` extra downloads, its rows equal the truth, and no link secret leaked."""
    assert run.returncode == 0 and not run.errors, run.errors
    assert emu.request_counts()["GET /downloads/{file}"] == len(emu.world.ad_accounts) + retries
    assert _by_key(run.records["advertiser_report"], "ADVERTISER") == _truth(
        emu, "ADVERTISER", report_columns.default_columns()
    )
    _assert_no_link_secret(emu, output)


def _emulator() -> Emulator:
    return Emulator(SCENARIOS["small"].with_options(report_polls=0), today=TODAY)


def test_downloads_failing_for_a_while_are_retried_and_the_records_equal_the_truth(tmp_path: Path) -> None:
    with _emulator() as emu:
        config = emu.connector_config(start_date=START.isoformat())
        emu.inject("503", path="^/downloads/", count=2)  # an HTML gateway page
        emu.inject("500", path="^/downloads/", count=1)
        emu.inject("drop", path="^/downloads/", count=1)  # the connection closes without an answer
        emu.inject("403", path="^/downloads/", count=1)  # as an expired link: a fresh one is asked for
        run, output = _read(tmp_path, config, ["advertiser_report"])

        _assert_every_row_after_retries(emu, run, output, retries=5)


def test_a_stalled_download_times_out_and_is_retried_without_hanging(tmp_path: Path) -> None:
    with _emulator() as emu:
        config = emu.connector_config(start_date=START.isoformat())
        emu.inject("stall", path="^/downloads/", count=1, seconds=600)  # accepts, then sends nothing
        emu.inject("stall_body", path="^/downloads/", count=1, seconds=600)  # sends half, then nothing
        run, output = _read(tmp_path, config, ["advertiser_report"])

        _assert_every_row_after_retries(emu, run, output, retries=2)


def test_a_download_failing_for_good_fails_its_stream_only_keeps_its_state_and_frees_its_slot(tmp_path: Path) -> None:
    streams = ["advertiser_report", "custom_spend_csv", "campaign_analytics_report"]
    with _emulator() as emu:
        # One job slot for the whole sync: a failed download that kept it would stop every other report stream.
        config = emu.connector_config(
            start_date=START.isoformat(), custom_reports=[CUSTOM_CSV], max_concurrent_reports=1
        )
        emu.inject("500", path=r"^/downloads/.*\.csv$", count=None)  # the custom report's CSV files never come
        run, output = _read(tmp_path, config, streams)

        assert run.returncode != 0 and run.errors
        statuses = run.statuses()
        assert statuses["custom_spend_csv"] == "INCOMPLETE"
        assert statuses["advertiser_report"] == statuses["campaign_analytics_report"] == "COMPLETE"
        assert "custom_spend_csv" not in run.records
        assert _by_key(run.records["advertiser_report"], "ADVERTISER") == _truth(
            emu, "ADVERTISER", report_columns.default_columns()
        )
        assert _by_key(run.records["campaign_analytics_report"], "CAMPAIGN") == _truth(
            emu, "CAMPAIGN", report_columns.default_columns()
        )
        kept = _cursors(run, "custom_spend_csv")  # where the next sync starts: no day read, so at most START
        assert all(day <= START.isoformat() for day in kept.values()), f"the state moved past unread days: {kept}"
        message = " ".join(e["message"] for e in run.errors)
        assert "could not be downloaded" in message and "/downloads/" in message
        _assert_no_link_secret(emu, output)

        # The next sync, with the file host back, reads every day the failed one missed.
        emu.clear_faults()
        again, output = _read(tmp_path, config, ["custom_spend_csv"], state=run.final_states())
        assert again.returncode == 0 and not again.errors, again.errors
        expected = _truth(emu, "CAMPAIGN", CUSTOM_CSV["columns"])
        assert _by_key(again.records["custom_spend_csv"], "CAMPAIGN") == {
            key: {"SPEND_IN_DOLLAR": 0, **row} for key, row in expected.items()
        }
