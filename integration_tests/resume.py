"""Kill a `read` at chosen points, resume it from the last STATE messages, and judge the union of what was emitted.

Reusable for any streams: give it the configured catalog. A stream's cursor field comes from the catalog
(incremental streams); full-refresh streams have no checkpoint to resume from and are read again on every attempt.

The platform's view is simulated: whatever the reader has taken from stdout before the kill was delivered
(records and states), the rest is lost, and the next attempt gets the latest state of every stream so far.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from airbyte_cdk.models.airbyte_protocol_serializers import AirbyteStreamSerializer
from isodate import parse_duration

from integration_tests.cli import CLI, catalog_for

MANIFEST = Path(__file__).parent.parent / "source_pinterest" / "manifest.yaml"


def _entity_lookback_seconds() -> float:
    """The re-read window of the entity cursors (`updated_time`), as the manifest declares it."""
    cursor = yaml.safe_load(MANIFEST.read_text())["definitions"]["ad_entity_stream"]["incremental_sync"]
    return parse_duration(cursor["lookback_window"]).total_seconds()


ENTITY_LOOKBACK_SECONDS = _entity_lookback_seconds()


_DISCOVERED: dict[str, list[dict[str, Any]]] = {}  # config without credentials and URL -> discovered streams


def configured_catalog(config: dict[str, Any], streams: list[str] | None = None) -> dict[str, Any]:
    """The configured catalog a platform would build from `discover`, run in-process and kept per config (the CLI's
    own discover has its tests): saves a subprocess per read."""
    from source_pinterest import SourcePinterest

    key = json.dumps({k: v for k, v in config.items() if k not in ("credentials", "api_base_url")}, sort_keys=True)
    if key not in _DISCOVERED:
        discovered = SourcePinterest(config=config).discover(logging.getLogger("airbyte"), config)
        if len(_DISCOVERED) >= 16:
            _DISCOVERED.clear()
        _DISCOVERED[key] = [AirbyteStreamSerializer.dump(s) for s in discovered.streams]
    return catalog_for(_DISCOVERED[key], streams)


@dataclass(frozen=True)
class KillPoint:
    """Kill after this many STATE messages, or this many seconds after the first message, whichever comes first."""

    states: int | None = None
    seconds: float | None = None


@dataclass
class Attempt:
    state_in: list[dict[str, Any]]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    states: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    killed: bool = False
    returncode: int | None = None


def read_until(
    tmp: Path, config: dict[str, Any], catalog: dict[str, Any], state: list[dict[str, Any]], kill: KillPoint | None
) -> Attempt:
    """One `read` subprocess, killed (SIGKILL, no chance to flush) at `kill`, or run to its end."""
    paths = {"config": tmp / "config.json", "catalog": tmp / "catalog.json", "state": tmp / "state.json"}
    paths["config"].write_text(json.dumps(config))
    paths["catalog"].write_text(json.dumps(catalog))
    paths["state"].write_text(json.dumps(state))
    args = [*CLI, "read", *(arg for name, path in paths.items() for arg in (f"--{name}", str(path)))]
    attempt = Attempt(state_in=state)
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        assert process.stdout is not None
        first_output: float | None = None
        for line in process.stdout:
            if not line.startswith("{"):
                continue
            first_output = first_output or time.monotonic()
            message = json.loads(line)
            kind = message["type"]
            if kind == "RECORD":
                attempt.records.setdefault(message["record"]["stream"], []).append(message["record"]["data"])
            elif kind == "STATE":
                attempt.states.append(message["state"])
            elif kind == "TRACE" and message["trace"]["type"] == "ERROR":
                attempt.errors.append(message["trace"]["error"])
            elif kind == "CONTROL":  # a rotated refresh token: persist it as the platform does
                config.clear()
                config.update(message["control"]["connectorConfig"]["config"])
            if kill and (
                (kill.states is not None and len(attempt.states) >= kill.states)
                or (kill.seconds is not None and time.monotonic() - first_output >= kill.seconds)
            ):
                process.kill()
                attempt.killed = True
                break
        process.wait(timeout=300)
        attempt.returncode = process.returncode
    return attempt


def latest_states(previous: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The state a platform hands to the next attempt: per stream, the newest checkpoint it received."""
    latest = {_stream(s): s for s in [*previous, *new]}
    return list(latest.values())


def read_with_kills(
    tmp: Path, config: dict[str, Any], catalog: dict[str, Any], kills: list[KillPoint]
) -> list[Attempt]:
    """Attempts killed at each of `kills` in turn, each resumed from the last states, then one run to the end."""
    attempts: list[Attempt] = []
    state: list[dict[str, Any]] = []
    for kill in [*kills, None]:
        attempt = read_until(tmp, config, catalog, state, kill)
        attempts.append(attempt)
        state = latest_states(state, attempt.states)
    return attempts


def judge(
    attempts: list[Attempt], catalog: dict[str, Any], truth: dict[str, list[dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Per stream: missing and extra ids against `truth`, duplicates within one attempt, and unexpected duplicates.

    A record emitted again by a later attempt is expected when its stream has no cursor (full refresh), or when
    the state that attempt started from does not cover it: its cursor value is at or after the checkpoint of its
    partition minus the stream's lookback (at: the cursor is inclusive). Re-emitting a covered record is a bug.
    """
    verdicts: dict[str, dict[str, Any]] = {}
    for configured in catalog["streams"]:
        name = configured["stream"]["name"]
        cursor = configured["cursor_field"][0] if configured["sync_mode"] == "incremental" else None
        seen: set[Any] = set()
        within: list[Any] = []
        unexpected: list[Any] = []
        for attempt in attempts:
            records = attempt.records.get(name, [])
            ids = Counter(_key(r) for r in records)
            within += [i for i, n in ids.items() if n > 1]
            state = next((s for s in attempt.state_in if _stream(s) == name), None)
            for record in records:
                if _key(record) in seen and cursor and _covered(state, cursor, record):
                    unexpected.append(_key(record))
            seen |= set(ids)
        expected = {_key(r) for r in truth[name]}
        verdicts[name] = {
            "missing": sorted(expected - seen, key=str),
            "extra": sorted(seen - expected, key=str),
            "duplicated_within_an_attempt": within,
            "unexpected_duplicates": unexpected,
            "re_read": sum(len(a.records.get(name, [])) for a in attempts) - len(seen),
        }
    return verdicts


def _stream(state: dict[str, Any]) -> str:
    return state["stream"]["stream_descriptor"]["name"]


def _key(record: dict[str, Any]) -> Any:
    return record.get("id", json.dumps(record, sort_keys=True))


def _covered(state: dict[str, Any] | None, cursor: str, record: dict[str, Any]) -> bool:
    """Whether `state` says the record was already delivered (its cursor value is before the checkpoint)."""
    if state is None or record.get(cursor) is None:
        return False
    checkpoint = _checkpoint(state["stream"]["stream_state"], cursor, record)
    lookback = ENTITY_LOOKBACK_SECONDS if cursor == "updated_time" else 0
    return checkpoint is not None and _instant(record[cursor]) < _instant(checkpoint) - lookback


def _checkpoint(stream_state: dict[str, Any], cursor: str, record: dict[str, Any]) -> Any:
    # Per-partition cursors (a partition missing from `states` starts from the start: nothing covers it), a global
    # substream cursor, or a plain {cursor: value}.
    for partition in stream_state.get("states", []):
        keys = {k: v for k, v in partition["partition"].items() if k != "parent_slice"}
        if all(str(record.get(k)) == str(v) for k, v in keys.items()):
            return partition["cursor"].get(cursor)
    if "states" in stream_state and not stream_state.get("use_global_cursor"):
        return None
    if "state" in stream_state:
        return stream_state["state"].get(cursor)
    return stream_state.get(cursor)


def _instant(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        moment = dt.datetime.fromisoformat(str(value))
        return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).timestamp()
