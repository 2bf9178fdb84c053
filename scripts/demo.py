"""Full sync through the real connector CLI into a local DuckDB file, with a per-stream summary.

Offline by default: starts the project's Pinterest API emulator and points the connector at it.
With PINTEREST_CONFIG=/path/config.json the same run syncs that (real) account; rotated refresh tokens
announced by the connector are written back to that file so the next run still authenticates.

On the terminal: the connector's start and progress lines, and its warnings and errors (each distinct one once), as
they come; every message but the records goes to a log file next to the DuckDB file. The sync loads into a
temporary file beside the DuckDB file, which replaces it only when the sync succeeded: a failed sync keeps the data
of the last good one.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TextIO

from integration_tests.cli import catalog_for
from pinterest_emulator.scenarios import SCENARIOS
from source_pinterest.components.progress_lines import LINE_PREFIX, START_PREFIX

# The console script installed beside this interpreter (the venv scripts/demo.sh made), else the one on PATH.
_BESIDE = Path(sys.executable).parent / "source-pinterest"
CLI = [str(_BESIDE) if _BESIDE.exists() else shutil.which("source-pinterest") or "source-pinterest"]
BATCH = 20_000  # records per stream spooled to disk, then inserted at once: memory never holds a whole stream
DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}
LIVE_NOTES = 15  # distinct warnings/errors shown as they come; the rest only in the log
SHOWN_CAUSES = 5  # distinct error messages a failure prints
CAUSE_CHARS = 600  # ... each cut to this length (the log has them whole)
# The CDK's closing trace of a read in which streams failed; it quotes their errors, which came before it.
CDK_SUMMARY = "did not sync successfully"
LIVE_CHARS = 240  # an error shown as it comes is cut shorter: the failure repeats it at the end


class SyncFailed(SystemExit):
    pass


class Console:
    """What the terminal shows of the connector's messages, and the log file that keeps all of them."""

    def __init__(self, log: TextIO, streams: Iterable[str] = (), out: TextIO | None = None) -> None:
        self.log, self.out = log, out or sys.stderr
        self.errors: list[str] = []  # distinct error messages, in order
        self.counts: dict[str, int] = {}  # error message -> how many times it came (once per stream, often)
        self._seen: set[str] = set()  # warnings and errors shown, told apart without stream names and numbers
        self._noted = 0
        names = sorted(streams, key=len, reverse=True)
        self._streams = re.compile("|".join(map(re.escape, names))) if names else None

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def message(self, line: str, message: dict[str, Any]) -> None:
        """One connector message (not a record): logged, and shown when a person needs it now."""
        kind = message.get("type")
        if kind == "CONTROL":  # the new config holds the rotated refresh token
            self.log.write('{"type": "CONTROL", "note": "connector config updated (not logged: it holds secrets)"}\n')
            return
        self.log.write(line if line.endswith("\n") else line + "\n")
        if kind == "LOG":
            level, text = message["log"].get("level", ""), str(message["log"].get("message", ""))
            if text.startswith((LINE_PREFIX, START_PREFIX)):
                self.say(text)
            elif level in ("WARN", "WARNING", "ERROR", "FATAL"):
                self._note(f"{level}: {text.splitlines()[0] if text else ''}")
        elif kind == "TRACE" and message["trace"].get("type") == "ERROR":
            error = message["trace"]["error"]
            text = str(error.get("message") or error.get("internal_message") or "(no message)")
            if text not in self.counts:
                self._note(f"ERROR ({error.get('failure_type', 'error')}): {_cut(text, LIVE_CHARS)}")
                self.errors.append(text)
            self.counts[text] = self.counts.get(text, 0) + 1

    def _key(self, text: str) -> str:
        """Messages that differ only in a stream's name or a number (ids, seconds) say the same thing."""
        return re.sub(r"\d+", "#", self._streams.sub("<stream>", text) if self._streams else text)

    def _note(self, text: str) -> None:
        key = self._key(text)
        summary = CDK_SUMMARY in text or any(error[:200] in text for error in self.errors)
        if key in self._seen or (summary and self.errors):  # a summary of errors already shown
            return
        self._seen.add(key)
        self._noted += 1
        if self._noted <= LIVE_NOTES:
            self.say(text)
        elif self._noted == LIVE_NOTES + 1:
            self.say(f"(further warnings and errors only in the log: {self.log.name})")

    def causes(self) -> list[str]:
        """The distinct error messages, without summaries that only repeat another one (the CDK's closing trace
        quotes every stream's error)."""
        own = [e for e in self.errors if CDK_SUMMARY not in e] or self.errors
        kept = [e for e in own if not any(other != e and other[:200] in e for other in own)]
        grouped: dict[str, tuple[str, int]] = {}
        for error in kept:
            first, count = grouped.get(self._key(error), (error, 0))
            grouped[self._key(error)] = (first, count + self.counts[error])
        return [f"{_cut(e)}{f' (x{n})' if n > 1 else ''}" for e, n in grouped.values()]


def _cut(text: str, limit: int = CAUSE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _cli(args: Sequence[str], console: Console) -> Iterator[dict[str, Any]]:
    """The connector's messages as they come; a failed run ends with what the connector said went wrong."""
    with tempfile.TemporaryFile("w+") as stderr:
        with subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=stderr, text=True) as process:
            assert process.stdout is not None
            for line in process.stdout:
                try:
                    message = json.loads(line) if line.startswith("{") else None
                except json.JSONDecodeError:
                    message = None
                if not isinstance(message, dict) or "type" not in message:
                    console.log.write(line)  # not an Airbyte message: the log keeps it
                    continue
                if message["type"] != "RECORD":
                    console.message(line, message)
                yield message
        stderr.seek(0)
        said = stderr.read()
        if said:
            console.log.write(f"--- stderr of source-pinterest {args[0]} ---\n{said}")
        console.log.flush()
        if process.returncode:
            causes = console.causes() or [line for line in said.strip().splitlines()[-5:]] or ["(no output)"]
            shown = causes[:SHOWN_CAUSES] + (
                [f"... {len(causes) - SHOWN_CAUSES} more"] if len(causes) > SHOWN_CAUSES else []
            )
            raise SyncFailed(
                f"source-pinterest {args[0]} failed (exit {process.returncode}):\n- "
                + "\n- ".join(shown)
                + f"\nFull log: {console.log.name}"
            )


def demo_streams(discovered: list[dict[str, Any]], reports: bool) -> list[str]:
    """Every stream, except without `reports` the async report streams (`*_report`, `custom_*`): they carry the
    same metrics as the analytics streams by another route, and on the large scenario they are half the rows and
    more than half the sync time (benchmarks/report.md)."""
    names = [s["name"] for s in discovered]
    if reports:
        return names
    return [n for n in names if not (n.endswith("_report") or n.startswith("custom_"))]


def _catalog(config_path: str, console: Console, reports: bool = True) -> dict[str, Any]:
    messages = _cli(["discover", "--config", config_path], console)
    streams = next((m["catalog"]["streams"] for m in messages if m["type"] == "CATALOG"), None)
    if streams is None:
        said = "\n- ".join(console.causes() or ["(no output)"])
        raise SyncFailed(f"source-pinterest discover listed no streams:\n- {said}\nFull log: {console.log.name}")
    return catalog_for(streams, demo_streams(streams, reports))


@contextlib.contextmanager
def _config(workdir: Path, scenario: str) -> Iterator[tuple[str, str]]:
    real = os.environ.get("PINTEREST_CONFIG")
    if real:
        path = Path(real).expanduser().resolve()  # relative to where the command was run
        if not path.is_file():
            raise SystemExit(f"PINTEREST_CONFIG names {path}, which is not a file. Fix: pass the config.json path.")
        yield str(path), f"your Pinterest account ({path})"
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


def _partial(db_path: Path) -> Path:
    """The file a sync loads into, beside the DuckDB file (same file system: the rename is atomic)."""
    return db_path.with_name(f".{db_path.name}.{os.getpid()}.partial")  # one per run: two runs never share it


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def replace_db(partial: Path, db_path: Path) -> None:
    """The loaded file becomes the DuckDB file in one rename; the old file's write-ahead log would replay onto the
    new file, so it goes first (its data is being replaced anyway)."""
    db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
    os.replace(partial, db_path)


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


def sync(
    config_path: str, catalog: dict[str, Any], loader: Loader, workdir: Path, console: Console | None = None
) -> None:
    """Runs `read`, feeding the loader; prints one table of the streams. Raises SyncFailed unless it succeeded."""
    if console is None:
        console = Console((workdir / "sync.log").open("w"), [s["stream"]["name"] for s in catalog["streams"]])
    catalog_path = workdir / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    started = time.monotonic()
    seen: dict[str, list[float]] = {}
    read: dict[str, int] = {}
    for message in _cli(["read", "--config", config_path, "--catalog", str(catalog_path)], console):
        kind = message["type"]
        if kind == "RECORD":
            stream = message["record"]["stream"]
            now = time.monotonic() - started
            seen.setdefault(stream, [now, now])[1] = now
            read[stream] = read.get(stream, 0) + 1
            loader.add(stream, message["record"]["data"])
        elif kind == "CONTROL" and os.environ.get("PINTEREST_CONFIG"):
            _write_config(Path(config_path), message["control"]["connectorConfig"]["config"])
    elapsed = time.monotonic() - started
    if console.errors:  # exit 0 with an error trace is still no complete sync
        raise SyncFailed(
            "source-pinterest read reported errors:\n- "
            + "\n- ".join(console.causes()[:SHOWN_CAUSES])
            + f"\nFull log: {console.log.name}"
        )
    counts = loader.finish()
    print(f"\n{'stream':32} {'records read':>12} {'rows in DuckDB':>14}  {'first..last record (s)':>22}")
    for stream in sorted(counts):
        span = f"{seen[stream][0]:.1f}..{seen[stream][1]:.1f}" if stream in seen else "-"
        print(f"{stream:32} {read.get(stream, 0):>12} {counts[stream]:>14}  {span:>22}")
    print(f"{'total':32} {sum(read.values()):>12} {sum(counts.values()):>14}  sync took {elapsed:.1f} s")


def _write_config(path: Path, config: dict[str, Any]) -> None:
    """The rotated token written back in one rename, readable by the owner only (it holds secrets)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(config, indent=2))
    partial.chmod(0o600)
    os.replace(partial, path)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="small", choices=sorted(SCENARIOS), help="emulator scenario")
    parser.add_argument(
        "--db", default="demo_output/pinterest.duckdb", help="DuckDB file to write (relative to this directory)"
    )
    parser.add_argument(
        "--reports", action="store_true", help="also sync the async report streams (the emulator's are left out)"
    )
    args = parser.parse_args(argv)

    db_path = Path(args.db).expanduser().resolve()
    if db_path.exists():
        open_db(db_path).close()  # held by another program: say so now, not after the sync
    partial = _partial(db_path)
    _remove(partial)  # what an interrupted run of a process with the same id left
    db = open_db(partial)
    log_path = db_path.with_name(f"{db_path.stem}.sync.log")
    try:
        with (
            db,
            log_path.open("w") as log,
            tempfile.TemporaryDirectory() as tmp,
            _config(Path(tmp), args.scenario) as (config_path, target),
        ):
            console = Console(log)
            console.say(f"Syncing {target} into {db_path} (log: {log_path})")
            # A real account (PINTEREST_CONFIG) gets every stream; the emulator's reports only with --reports.
            catalog = _catalog(config_path, console, reports=args.reports or bool(os.environ.get("PINTEREST_CONFIG")))
            console = Console(log, [s["stream"]["name"] for s in catalog["streams"]])
            sync(config_path, catalog, Loader(db, catalog, Path(tmp)), Path(tmp), console)
    except BaseException as error:
        _remove(partial)
        kept = f"{db_path} is unchanged" if db_path.exists() else f"{db_path} was not written"
        if isinstance(error, SystemExit) and isinstance(error.code, str):
            raise SystemExit(f"{error.code}\nThe sync did not succeed: {kept}.") from None
        print(f"The sync did not succeed: {kept}.", file=sys.stderr)
        raise
    replace_db(partial, db_path)
    print(f"DuckDB file: {db_path}")


if __name__ == "__main__":
    main()
