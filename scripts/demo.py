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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from integration_tests.cli import catalog_for
from pinterest_emulator.scenarios import SCENARIOS
from source_pinterest.components.progress import is_progress

# The console script installed beside this interpreter (the venv scripts/demo.sh made), else the one on PATH.
_BESIDE = Path(sys.executable).parent / "source-pinterest"
CLI = [str(_BESIDE) if _BESIDE.exists() else shutil.which("source-pinterest") or "source-pinterest"]
BATCH = 20_000  # records per stream spooled to disk, then inserted at once: memory never holds a whole stream
DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}


class SyncFailed(SystemExit):
    pass


def _cli(args: Sequence[str], errors: list[str]) -> Iterator[dict[str, Any]]:
    """The connector's messages; a failed run ends with what the connector said went wrong."""
    with tempfile.TemporaryFile("w+") as stderr:
        with subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=stderr, text=True) as process:
            assert process.stdout is not None
            for line in process.stdout:
                if not line.startswith("{"):
                    continue
                message = json.loads(line)
                if is_progress(message):  # the connector's live progress and summary, on the terminal
                    print(message["log"]["message"], file=sys.stderr, flush=True)
                if message["type"] == "TRACE" and message["trace"]["type"] == "ERROR":
                    errors.append(message["trace"]["error"]["message"])
                elif message["type"] == "LOG" and message["log"]["level"] in ("ERROR", "FATAL"):
                    errors.append(message["log"]["message"])
                yield message
        if process.returncode:
            stderr.seek(0)
            said = errors or [line for line in stderr.read().strip().splitlines()[-5:]] or ["(no output)"]
            raise SyncFailed(f"source-pinterest {args[0]} failed (exit {process.returncode}):\n- " + "\n- ".join(said))


def demo_streams(discovered: list[dict[str, Any]], reports: bool) -> list[str]:
    """Every stream, except without `reports` the async report streams (`*_report`, `custom_*`): they carry the
    same metrics as the analytics streams by another route, and on the large scenario they are half the rows and
    more than half the sync time (benchmarks/report.md)."""
    names = [s["name"] for s in discovered]
    if reports:
        return names
    return [n for n in names if not (n.endswith("_report") or n.startswith("custom_"))]


def _catalog(config_path: str, reports: bool = True) -> dict[str, Any]:
    errors: list[str] = []
    messages = _cli(["discover", "--config", config_path], errors)
    streams = next((m["catalog"]["streams"] for m in messages if m["type"] == "CATALOG"), None)
    if streams is None:
        raise SyncFailed("source-pinterest discover listed no streams:\n- " + "\n- ".join(errors or ["(no output)"]))
    return catalog_for(streams, demo_streams(streams, reports))


@contextlib.contextmanager
def _config(workdir: Path, scenario: str) -> Iterator[tuple[str, str]]:
    real = os.environ.get("PINTEREST_CONFIG")
    if real:
        yield real, "your Pinterest account"
        return
    from pinterest_emulator import Emulator

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


def open_db(path: Path) -> Any:
    """The DuckDB file, opened before any sync work: a file another process holds fails here, in a line."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path))
    except duckdb.Error as error:
        reason = str(error).splitlines()[0]
        fix = "Fix: close the program that holds it, or pass another --db."
        raise SystemExit(f"Cannot open the DuckDB file {path}: {reason}\n{fix}") from None


def _column_type(schema: dict[str, Any]) -> str:
    types = schema.get("type", [])
    types = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
    return DUCKDB_TYPES.get(types[0], "JSON") if len(types) == 1 else "JSON"


class Loader:
    """Streams records into one table per catalog stream, BATCH at a time through a small spool file per stream.

    Every stream's table exists from the start (0 rows still get a table, typed from the stream's schema); the
    last version of each primary key wins at the end, as a dedup destination would keep it."""

    def __init__(self, db: Any, catalog: dict[str, Any], workdir: Path, batch: int = BATCH) -> None:
        self.db, self.workdir, self.batch = db, workdir, batch
        self.columns: dict[str, dict[str, str]] = {}
        self.keys: dict[str, list[str]] = {}
        self.counts: dict[str, int] = {}
        self._spools: dict[str, tuple[IO[str], int]] = {}
        self._line = 0
        for configured in catalog["streams"]:
            stream = configured["stream"]["name"]
            properties = configured["stream"]["json_schema"].get("properties", {})
            columns = {name: _column_type(schema) for name, schema in properties.items()}
            columns["_line"] = "BIGINT"
            self.columns[stream] = columns
            self.keys[stream] = [part[0] for part in configured.get("primary_key") or []]
            self.counts[stream] = 0
            ddl = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
            db.execute(f'CREATE OR REPLACE TABLE "{stream}" ({ddl})')

    def add(self, stream: str, data: dict[str, Any]) -> None:
        if stream not in self.columns:
            return
        spool, pending = self._spools.get(stream) or ((self.workdir / f"{stream}.jsonl").open("w"), 0)
        self._line += 1
        spool.write(json.dumps({**data, "_line": self._line}) + "\n")
        self._spools[stream] = (spool, pending + 1)
        if pending + 1 >= self.batch:
            self._flush(stream)

    def _flush(self, stream: str) -> None:
        spool, pending = self._spools.pop(stream)
        spool.close()
        columns = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in self.columns[stream].items()) + "}"
        self.db.execute(
            f"INSERT INTO \"{stream}\" BY NAME SELECT * FROM read_json('{spool.name}', "
            f"format='newline_delimited', columns={columns})"
        )
        Path(spool.name).unlink()

    def finish(self) -> dict[str, int]:
        for stream in list(self._spools):
            self._flush(stream)
        for stream, key in self.keys.items():
            name = f'"{stream}"'
            if key:
                partition = ", ".join(f'"{part}"' for part in key)
                self.db.execute(
                    f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name} "
                    f"QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY _line DESC) = 1"
                )
            self.db.execute(f"ALTER TABLE {name} DROP COLUMN _line")
            self.counts[stream] = self.db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        return self.counts


def sync(config_path: str, catalog: dict[str, Any], loader: Loader, workdir: Path) -> list[str]:
    """Runs `read`, feeding the loader; prints per-stream timings. Returns the errors the connector reported."""
    catalog_path = workdir / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    started = time.monotonic()
    seen: dict[str, list[float]] = {}
    errors: list[str] = []
    for message in _cli(["read", "--config", config_path, "--catalog", str(catalog_path)], errors):
        kind = message["type"]
        if kind == "RECORD":
            stream = message["record"]["stream"]
            now = time.monotonic() - started
            seen.setdefault(stream, [now, now])[1] = now
            loader.add(stream, message["record"]["data"])
        elif kind == "CONTROL" and os.environ.get("PINTEREST_CONFIG"):
            Path(config_path).write_text(json.dumps(message["control"]["connectorConfig"]["config"]))
    elapsed = time.monotonic() - started
    counts = loader.finish()
    print(f"\n{'stream':32} {'rows':>8}  {'first..last record (s)':>22}")
    for stream in sorted(counts):
        span = f"{seen[stream][0]:.1f}..{seen[stream][1]:.1f}" if stream in seen else "-"
        print(f"{stream:32} {counts[stream]:>8}  {span:>22}")
    print(f"{'total':32} {sum(counts.values()):>8}  sync took {elapsed:.1f} s")
    return errors


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="small", choices=sorted(SCENARIOS), help="emulator scenario")
    parser.add_argument("--db", default="demo_output/pinterest.duckdb", help="DuckDB file to write")
    parser.add_argument(
        "--reports", action="store_true", help="also sync the async report streams (the emulator's are left out)"
    )
    args = parser.parse_args(argv)

    db = open_db(Path(args.db))
    with db, tempfile.TemporaryDirectory() as tmp, _config(Path(tmp), args.scenario) as (config_path, target):
        print(f"Syncing {target} into {args.db}", file=sys.stderr)
        # A real account (PINTEREST_CONFIG) gets every stream; the emulator's reports only with --reports.
        catalog = _catalog(config_path, reports=args.reports or bool(os.environ.get("PINTEREST_CONFIG")))
        errors = sync(config_path, catalog, Loader(db, catalog, Path(tmp)), Path(tmp))
    print(f"DuckDB file: {args.db}")
    if errors:
        raise SystemExit("The sync reported errors:\n- " + "\n- ".join(errors))


if __name__ == "__main__":
    main()
