"""Full sync through the real connector CLI into a local DuckDB file, with a per-stream summary.

Offline by default: starts the project's Pinterest API emulator and points the connector at it.
With PINTEREST_CONFIG=/path/config.json the same run syncs that (real) account; rotated refresh tokens
announced by the connector are written back to that file so the next run still authenticates.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from integration_tests.cli import catalog_for
from source_pinterest.components.progress import is_progress

# The console script installed beside this interpreter (the venv scripts/demo.sh made), else the one on PATH.
_BESIDE = Path(sys.executable).parent / "source-pinterest"
CLI = str(_BESIDE) if _BESIDE.exists() else shutil.which("source-pinterest") or "source-pinterest"


def _cli(*args: str) -> Iterator[dict[str, Any]]:
    with subprocess.Popen([CLI, *args], stdout=subprocess.PIPE, text=True, bufsize=1 << 20) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("{"):
                message = json.loads(line)
                if is_progress(message):  # the connector's live progress and summary, on the terminal
                    print(message["log"]["message"], file=sys.stderr, flush=True)
                yield message
    if process.returncode:
        raise SystemExit(f"source-pinterest {args[0]} failed (exit {process.returncode}); see the messages above.")


def _catalog(config_path: str) -> dict[str, Any]:
    streams = next(m["catalog"]["streams"] for m in _cli("discover", "--config", config_path) if m["type"] == "CATALOG")
    return catalog_for(streams)


@contextlib.contextmanager
def _config(workdir: Path, scenario: str) -> Iterator[tuple[str, str]]:
    real = os.environ.get("PINTEREST_CONFIG")
    if real:
        yield real, "your Pinterest account"
        return
    from integration_tests.pinterest_emulator import Emulator

    # The emulator runs on the connector's clock, so analytics land on today's dates.
    with Emulator(scenario=scenario, today=dt.datetime.now(dt.timezone.utc).date()) as emulator:
        config = {
            "credentials": {
                "auth_method": "oauth2.0",
                "client_id": emulator.client_id,
                "client_secret": emulator.client_secret,
                "refresh_token": emulator.refresh_token,
            },
            "api_base_url": emulator.base_url,
            "start_date": (emulator.today - dt.timedelta(days=30)).isoformat(),
        }
        path = workdir / "config.json"
        path.write_text(json.dumps(config))
        yield str(path), f"the local Pinterest API emulator ({scenario} scenario, {emulator.base_url})"


def _load(db_path: Path, files: dict[str, Path], keys: dict[str, list[list[str]]]) -> dict[str, int]:
    import duckdb

    db_path.parent.mkdir(parents=True, exist_ok=True)
    counts = {}
    with duckdb.connect(str(db_path)) as db:
        for stream, path in files.items():
            source = f"read_json_auto('{path}', format='newline_delimited', sample_size=-1)"
            key = ", ".join(f'"{part[0]}"' for part in keys.get(stream, []))
            # The last version of each record wins, as a dedup destination would keep it.
            dedup = f" QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _line DESC) = 1" if key else ""
            db.execute(
                f'CREATE OR REPLACE TABLE "{stream}" AS SELECT * EXCLUDE (_line) FROM '
                f"(SELECT *, row_number() OVER () AS _line FROM {source}){dedup}"
            )
            counts[stream] = db.execute(f'SELECT count(*) FROM "{stream}"').fetchone()[0]
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="small", help="emulator scenario: tiny, small or large")
    parser.add_argument("--db", default="demo_output/pinterest.duckdb", help="DuckDB file to write")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, _config(Path(tmp), args.scenario) as (config_path, target):
        workdir = Path(tmp)
        print(f"Syncing {target} into {args.db}", file=sys.stderr)
        catalog = _catalog(config_path)
        catalog_path = workdir / "catalog.json"
        catalog_path.write_text(json.dumps(catalog))
        keys = {c["stream"]["name"]: c["primary_key"] for c in catalog["streams"]}

        started = time.monotonic()
        first_seen: dict[str, float] = {}
        last_seen: dict[str, float] = {}
        handles: dict[str, Any] = {}
        errors = []
        for message in _cli("read", "--config", config_path, "--catalog", str(catalog_path)):
            kind = message["type"]
            if kind == "RECORD":
                stream = message["record"]["stream"]
                now = time.monotonic() - started
                first_seen.setdefault(stream, now)
                last_seen[stream] = now
                if stream not in handles:
                    handles[stream] = (workdir / f"{stream}.jsonl").open("w")
                handles[stream].write(json.dumps(message["record"]["data"]) + "\n")
            elif kind == "CONTROL" and os.environ.get("PINTEREST_CONFIG"):
                Path(config_path).write_text(json.dumps(message["control"]["connectorConfig"]["config"]))
            elif kind == "TRACE" and message["trace"]["type"] == "ERROR":
                errors.append(message["trace"]["error"]["message"])
        for handle in handles.values():
            handle.close()
        elapsed = time.monotonic() - started

        counts = _load(Path(args.db), {s: workdir / f"{s}.jsonl" for s in handles}, keys)
        print(f"\n{'stream':32} {'rows':>8}  {'first..last record (s)':>22}")
        for stream in sorted(keys):
            span = f"{first_seen[stream]:.1f}..{last_seen[stream]:.1f}" if stream in first_seen else "-"
            print(f"{stream:32} {counts.get(stream, 0):>8}  {span:>22}")
        print(f"{'total':32} {sum(counts.values()):>8}  sync took {elapsed:.1f} s; DuckDB file: {args.db}")
        if errors:
            raise SystemExit("The sync reported errors:\n- " + "\n- ".join(errors))


if __name__ == "__main__":
    main()
