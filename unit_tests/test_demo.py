"""scripts/demo.py as a newcomer meets it: bad options and a locked file fail at once and plainly, records stream
into DuckDB in batches, every stream gets its table, and a failed sync shows what the connector said."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

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
