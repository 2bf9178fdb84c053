"""scripts/demo.py as a newcomer meets it: bad options and a locked file fail at once and plainly, records stream
into DuckDB in batches, every stream gets its table, and a failed sync shows what the connector said."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import duckdb
import pytest

from integration_tests.clock import TODAY
from pinterest_emulator import Emulator
from scripts import demo

CATALOG = {
    "streams": [
        {
            "stream": {"name": name, "json_schema": {"properties": properties}},
            "primary_key": key,
        }
        for name, properties, key in [
            ("campaigns", {"id": {"type": "string"}, "spend": {"type": ["null", "number"]}, "tags": {}}, [["id"]]),
            ("boards", {"id": {"type": "string"}}, [["id"]]),
        ]
    ]
}


def test_an_unknown_scenario_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--scenario", "bogus"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'bogus' (choose from" in capsys.readouterr().err


def test_a_locked_duckdb_file_fails_before_the_sync(tmp_path: Path) -> None:
    db_path = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; db = duckdb.connect({str(db_path)!r}); print('held'); input()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SystemExit, match=r"Cannot open the DuckDB file .*locked\.duckdb.*\nFix: close"):
            demo.open_db(db_path)
    finally:
        holder.communicate("\n", timeout=60)


def test_records_stream_in_batches_and_every_stream_gets_its_table(tmp_path: Path) -> None:
    db = duckdb.connect(str(tmp_path / "out.duckdb"))
    loader = demo.Loader(db, CATALOG, tmp_path, batch=2)
    for i in range(5):
        loader.add("campaigns", {"id": str(i % 3), "spend": i / 2, "tags": ["a"], "undeclared": 1})
        if i == 2:  # two batches went in already; the rest is still in the spool
            assert db.execute('SELECT count(*) FROM "campaigns"').fetchone()[0] == 2

    counts = loader.finish()

    assert counts == {"campaigns": 3, "boards": 0}
    rows = db.execute('SELECT id, spend, tags FROM "campaigns" ORDER BY id').fetchall()
    assert rows == [("0", 1.5, '["a"]'), ("1", 2.0, '["a"]'), ("2", 1.0, '["a"]')]  # the last version wins
    assert db.execute('SELECT count(*) FROM "boards"').fetchone()[0] == 0


def test_a_failed_sync_shows_what_the_connector_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "fake_connector.py"
    fake.write_text(
        textwrap.dedent(
            """
            import json, sys
            error = {"message": "Pinterest rejected the refresh token. Fix: re-authenticate.", "failure_type": "x"}
            print(json.dumps({"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": 0, "error": error}}))
            sys.exit(1)
            """
        )
    )
    monkeypatch.setattr(demo, "CLI", [sys.executable, str(fake)])
    with pytest.raises(SystemExit, match=r"source-pinterest read failed \(exit 1\):\n- Pinterest rejected the refresh"):
        demo.sync("config.json", CATALOG, demo.Loader(duckdb.connect(), CATALOG, tmp_path), tmp_path)


def test_demo_sh_installs_once_and_again_only_when_pyproject_changes(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "demo.sh").write_text((root / "scripts" / "demo.sh").read_text())
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    # A fake python3 whose `-m venv .venv` makes a venv of fakes: every call is logged instead of installing.
    fake = f'#!/usr/bin/env bash\necho "$(basename "$0") $*" >> {log}\n'
    (tmp_path / "fake").write_text(fake)
    venv = f"mkdir -p .venv/bin; for t in python pip; do cp {tmp_path}/fake .venv/bin/$t; done\n"
    (bin_dir / "python3").write_text(fake + venv)
    for script in (tmp_path / "fake", bin_dir / "python3"):
        script.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}

    def run() -> list[str]:
        log.write_text("")
        subprocess.run(["bash", "scripts/demo.sh", "--scenario", "tiny"], cwd=tmp_path, env=env, check=True)
        return [line.split()[0] + " " + line.split()[1] for line in log.read_text().splitlines()]

    assert run() == ["python3 -m", "pip install", "pip install", "python -m"]  # venv, pip, the project, the demo
    assert run() == ["python -m"]  # installed: straight to the demo
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'y'\n")
    assert run()[0] == "python3 -m"  # the dependencies may have changed: install again


def test_the_emulator_demo_leaves_the_report_streams_out_unless_asked() -> None:
    discovered = [{"name": n} for n in ("campaigns", "ad_analytics", "advertiser_report", "custom_spend")]
    assert demo.demo_streams(discovered, reports=False) == ["campaigns", "ad_analytics"]
    assert demo.demo_streams(discovered, reports=True) == ["campaigns", "ad_analytics", "advertiser_report",
                                                           "custom_spend"]  # fmt: skip


# ------------------------------------------------------------------ first contact: failures, paths, one table


def _table_rows(db_path: Path, table: str) -> int:
    with duckdb.connect(str(db_path)) as db:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def _earlier_demo(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db_path)) as db:
        db.execute("CREATE TABLE campaigns AS SELECT * FROM range(3) t(id)")


def test_a_failed_sync_keeps_the_earlier_duckdb_file_and_says_why_in_a_few_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    caller = tmp_path / "caller"
    caller.mkdir()
    monkeypatch.chdir(caller)  # every path below is relative to the caller's directory
    db_path = caller / "out" / "pinterest.duckdb"
    _earlier_demo(db_path)
    with Emulator(scenario="tiny", today=TODAY) as emulator:
        config = emulator.connector_config()
        config["credentials"]["refresh_token"] = "revoked-refresh-token"  # Pinterest refuses it
        (caller / "config.json").write_text(json.dumps(config))
        monkeypatch.setenv("PINTEREST_CONFIG", "config.json")
        with pytest.raises(SystemExit) as exit_info:
            demo.main(["--db", "out/pinterest.duckdb"])

    said = f"{capsys.readouterr().err}\n{exit_info.value.code}"
    assert _table_rows(db_path, "campaigns") == 3  # the earlier demo's data is still there
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["pinterest.duckdb", "pinterest.sync.log"]
    assert f"{db_path} is unchanged" in said
    assert len(said.strip().splitlines()) <= 40, said
    assert "Traceback" not in said
    assert "credentials.refresh_token" in said  # the cause and its fix, from the connector's error
    assert f"Full log: {db_path.parent / 'pinterest.sync.log'}" in said
    log = (db_path.parent / "pinterest.sync.log").read_text()
    assert "stack_trace" in log and "revoked-refresh-token" not in log  # everything, but no secret


def test_a_successful_sync_replaces_the_file_and_prints_one_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PINTEREST_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    db_path = tmp_path / "demo_output" / "pinterest.duckdb"
    _earlier_demo(db_path)
    demo.main(["--scenario", "tiny"])

    out, err = capsys.readouterr()
    assert _table_rows(db_path, "campaigns") >= 1 and _table_rows(db_path, "boards") >= 1
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["pinterest.duckdb", "pinterest.sync.log"]
    assert out.count("records read") == 1 and "Sync summary:" not in out + err  # one table, the demo's own
    assert "Starting the sync: " in err  # the connector's start line, shown as it came


def test_the_console_shows_progress_live_and_each_distinct_warning_and_error_once(tmp_path: Path) -> None:
    def log(level: str, text: str) -> dict[str, Any]:
        return {"type": "LOG", "log": {"level": level, "message": text}}

    cause = "Pinterest refused the refresh token. Fix: re-authenticate."
    streams = ["campaigns", "ad_groups", "boards"]
    messages = [
        log("INFO", "Starting the sync: all ad accounts the token sees"),
        log("INFO", "Some info a person does not need now"),
        log("WARN", "Cannot connect for POST /v5/oauth/token (Connection refused); retrying in 2 s."),
        log("WARN", "Cannot connect for POST /v5/oauth/token (Connection refused); retrying in 4 s."),
        log("INFO", "Progress overall: 0 records, 0 requests, 30 s; 3 streams: 0 done, 0 running, 0 waiting"),
        *[log("ERROR", f"Exception while syncing stream {name}") for name in streams],
        *[{"type": "TRACE", "trace": {"type": "ERROR", "error": {"message": cause}}} for _ in streams],
        log("FATAL", f"During the sync, the following streams did not sync successfully: campaigns: {cause}"),
        {"type": "TRACE", "trace": {"type": "ERROR", "error": {"message": "streams did not sync successfully: x"}}},
        {"type": "TRACE", "trace": {"type": "ERROR", "error": {"message": "No connection for 58 s."}}},
        {"type": "TRACE", "trace": {"type": "ERROR", "error": {"message": "No connection for 59 s."}}},
        {"type": "CONTROL", "control": {"connectorConfig": {"config": {"refresh_token": "secret-token"}}}},
        log("INFO", "Sync summary:\nstream  records"),
    ]
    shown = io.StringIO()
    with (tmp_path / "sync.log").open("w") as log_file:
        console = demo.Console(log_file, streams, out=shown)
        for message in messages:
            console.message(json.dumps(message), message)
    assert shown.getvalue().splitlines() == [
        "Starting the sync: all ad accounts the token sees",
        "WARN: Cannot connect for POST /v5/oauth/token (Connection refused); retrying in 2 s.",
        "Progress overall: 0 records, 0 requests, 30 s; 3 streams: 0 done, 0 running, 0 waiting",
        "ERROR: Exception while syncing stream campaigns",
        f"ERROR (error): {cause}",
        "ERROR (error): No connection for 58 s.",
    ]
    assert console.causes() == [f"{cause} (x3)", "No connection for 58 s. (x2)"]  # the closing summary is left out
    logged = (tmp_path / "sync.log").read_text()
    assert "Some info a person does not need now" in logged and "secret-token" not in logged


def test_demo_sh_runs_the_demo_from_the_callers_directory_and_says_it_installs(tmp_path: Path) -> None:
    root, caller = tmp_path / "checkout", tmp_path / "caller"
    (root / "scripts").mkdir(parents=True)
    caller.mkdir()
    (root / "scripts" / "demo.sh").write_text((Path(__file__).resolve().parents[1] / "scripts" / "demo.sh").read_text())
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    log = tmp_path / "calls.log"
    # Fakes: python3 makes the venv it is given (of fakes); the venv's python logs where and how it runs.
    fake = f'#!/usr/bin/env bash\necho "$(basename "$0") $PWD $PYTHONPATH $*" >> {log}\n'
    (tmp_path / "fake").write_text(fake)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    make_venv = f'mkdir -p "$3/bin"; for t in python pip; do cp {tmp_path}/fake "$3/bin/$t"; done\n'
    (bin_dir / "python3").write_text(fake + make_venv)
    for script in (tmp_path / "fake", bin_dir / "python3"):
        script.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}

    done = subprocess.run(
        ["bash", str(root / "scripts" / "demo.sh"), "--db", "mine.duckdb"],
        cwd=caller, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip

    assert "Installing the connector and DuckDB into" in done.stderr and "first run only" in done.stderr
    calls = log.read_text().splitlines()
    assert calls[0].startswith(f"python3 {caller} ") and f"-m venv {root}/.venv" in calls[0]
    assert calls[-1] == f"python {caller} {root} -m scripts.demo --db mine.duckdb"  # paths stay the caller's
