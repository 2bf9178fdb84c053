"""Run the installed `source-pinterest` CLI as a subprocess and parse its Airbyte messages."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "source_pinterest.run"]


@dataclass
class Run:
    messages: list[dict[str, Any]]
    returncode: int
    stderr: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for message in self.messages:
            if message["type"] == "RECORD":
                self.records.setdefault(message["record"]["stream"], []).append(message["record"]["data"])

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["state"] for m in self.messages if m["type"] == "STATE"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [m["trace"]["error"] for m in self.messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]

    def final_states(self) -> list[dict[str, Any]]:
        """The last state of every stream: what a platform would pass to the next sync."""
        latest = {s["stream"]["stream_descriptor"]["name"]: s for s in self.states}
        return list(latest.values())

    def statuses(self) -> dict[str, str]:
        """Each stream's last status (STARTED, RUNNING, COMPLETE, INCOMPLETE)."""
        statuses: dict[str, str] = {}
        for message in self.messages:
            if message["type"] == "TRACE" and message["trace"]["type"] == "STREAM_STATUS":
                status = message["trace"]["stream_status"]
                statuses[status["stream_descriptor"]["name"]] = status["status"]
        return statuses


def run_cli(  # `config` is updated in place from CONNECTOR_CONFIG control messages
    tmp: Path,
    command: str,
    config: dict[str, Any],
    catalog: dict[str, Any] | None = None,
    state: list[dict[str, Any]] | None = None,
    timeout: float = 300,
) -> Run:
    args = [command, "--config", _write(tmp / "config.json", config)]
    if catalog is not None:
        args += ["--catalog", _write(tmp / "catalog.json", catalog)]
    if state is not None:
        args += ["--state", _write(tmp / "state.json", state)]
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    # Persist rotated tokens the way the platform does, so the next run authenticates.
    for message in messages:
        if message["type"] == "CONTROL":
            config.clear()
            config.update(message["control"]["connectorConfig"]["config"])
    return Run(messages, done.returncode, done.stderr)


def catalog_for(discovered: list[dict[str, Any]], names: list[str] | None = None) -> dict[str, Any]:
    streams = []
    for stream in discovered:
        if names is not None and stream["name"] not in names:
            continue
        incremental = "incremental" in stream["supported_sync_modes"]
        streams.append(
            {
                "stream": stream,
                "sync_mode": "incremental" if incremental else "full_refresh",
                "destination_sync_mode": "append_dedup" if incremental else "overwrite",
                "cursor_field": stream.get("default_cursor_field") or [],
                "primary_key": stream.get("source_defined_primary_key") or [],
            }
        )
    return {"streams": streams}


def _write(path: Path, content: Any) -> str:
    path.write_text(json.dumps(content))
    return str(path)
