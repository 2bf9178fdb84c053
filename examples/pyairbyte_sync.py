"""Check, then read, source-pinterest through PyAirbyte into a local DuckDB cache, keeping config.json's refresh token
current (docs/pyairbyte.md).

    pip install -e ".[pyairbyte]"
    python examples/pyairbyte_sync.py --config config.json --streams ad_accounts,campaigns

Pinterest rotates refresh tokens: every refresh (the first happens in `check`) returns a new one and retires the old.
The connector announces the new config in a CONNECTOR_CONFIG control message; PyAirbyte hands it to
`config_change_callback`, which must save it (for the next run) and give it to the source (for the next command of
this run). Without that, `read` presents the retired token and Pinterest answers 401, code 283.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The connector runs from this project's executable, so PyAirbyte needs no registry lookup (which fails without
# internet: AirbyteConnectorRegistryError), and sends no telemetry. Set AIRBYTE_OFFLINE_MODE=0 to allow both.
os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")

import airbyte as ab  # noqa: E402 - after the offline default, which PyAirbyte reads on import

ConfigCallback = Callable[[dict[str, Any]], None]


def save_json(path: Path, content: dict[str, Any]) -> None:
    """Replace `path` atomically, keeping it readable by its owner only (it holds the app secret)."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as out:
        json.dump(content, out, indent=2)
    os.replace(temp, path)


def connector_executable() -> str:
    """The `source-pinterest` installed next to this Python (this project's, not the registry's connector)."""
    beside = Path(sys.executable).with_name("source-pinterest")
    return str(beside) if beside.exists() else (shutil.which("source-pinterest") or "source-pinterest")


def sync(
    config_path: Path,
    streams: list[str],
    cache_dir: Path,
    persist: Callable[[Path, Any], ConfigCallback] | None,
) -> dict[str, int]:
    """check then read `streams`; returns the rows now in the cache per stream."""
    holder: dict[str, Any] = {}
    callback = persist(config_path, holder) if persist else None
    source = ab.get_source(
        "source-pinterest",
        config=json.loads(config_path.read_text()),
        local_executable=connector_executable(),
        config_change_callback=callback,
        streams=streams,
    )
    holder["source"] = source
    source.check()
    cache = ab.new_local_cache("pinterest", cache_dir=cache_dir, cleanup=False)
    result = source.read(cache=cache)  # incremental state lives in the cache: the next run resumes from it
    return {name: len(dataset) for name, dataset in result.streams.items()}


def persist_rotated_tokens(config_path: Path, holder: dict[str, Any]) -> ConfigCallback:
    def on_config_change(new_config: dict[str, Any]) -> None:
        save_json(config_path, new_config)  # the next run starts from the new refresh token
        holder["source"].set_config(new_config, validate=False)  # so does this run's next command (read)

    return on_config_change


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="source-pinterest through PyAirbyte: check, then read")
    parser.add_argument("--config", type=Path, default=Path("config.json"))
    parser.add_argument("--streams", default="ad_accounts,campaigns,ad_groups,ads", help="comma-separated")
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache"), help="DuckDB cache (default: %(default)s)")
    args = parser.parse_args(argv)
    streams = [name.strip() for name in args.streams.split(",") if name.strip()]
    counts = sync(args.config.resolve(), streams, args.cache_dir, persist_rotated_tokens)
    for name, rows in sorted(counts.items()):
        print(f"{name}: {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
