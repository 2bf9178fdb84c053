"""Pinterest's deep-paging limit (issue 21, deliverables 4 and 7), through the CLI against the emulator: a board whose
pins listing Pinterest refuses past its limit ends there with one warning naming the board and the request;
board_pins ends INCOMPLETE, the other boards arrive in full, and the state stays before that board, so the next sync
lists it again."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

from integration_tests.cli import Run, run_cli
from integration_tests.clock import TODAY
from integration_tests.resume import configured_catalog
from integration_tests.test_emulator import Client
from integration_tests.test_end_to_end import _present
from pinterest_emulator import Emulator
from pinterest_emulator.clock import now_ts
from pinterest_emulator.generate import add_pin, refresh_counts

LIMIT = 250  # the emulator's stand-in for Pinterest's 100,000: one page of the connector's 250
EXTRA_PINS = 300  # the deep board's pins: two pages and a bit, so its second page is refused


def _deepen(emulator: Emulator, board: str) -> None:
    """Give `board` more than LIMIT pins, created a month ago (so another board has newer changes)."""
    rng = random.Random(21)
    for i in range(EXTRA_PINS):
        add_pin(emulator.world, rng, board, now_ts(TODAY) - 30 * 86_400 - i * 60)
    refresh_counts(emulator.world)


def _warnings(run: Run) -> list[str]:
    return [m["log"]["message"] for m in run.messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]


def _cursor_values(state: Any, field: str) -> list[str]:
    """Every `field` value in a stream state (its own cursor and its parent's)."""
    if isinstance(state, dict):
        return [v for k, v in state.items() if k == field] + [
            x for k, v in state.items() if k != field for x in _cursor_values(v, field)
        ]
    return [x for v in state for x in _cursor_values(v, field)] if isinstance(state, list) else []


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _board_pins_state(run: Run) -> dict[str, Any]:
    states = [s for s in run.final_states() if s["stream"]["stream_descriptor"]["name"] == "board_pins"]
    assert states, "no board_pins state"
    return states[0]["stream"]["stream_state"]


def test_a_board_refused_past_the_paging_limit_ends_with_a_warning_incomplete_and_its_state_kept(
    tmp_path: Path,
) -> None:
    with Emulator(scenario="tiny", today=TODAY) as emulator:
        boards = {b["id"]: b for b in emulator.truth.entities("boards")}
        newest = max(boards, key=lambda b: boards[b]["board_pins_modified_at"])
        deep = next(b for b in sorted(boards) if b != newest)
        _deepen(emulator, deep)
        boards = {b["id"]: b for b in emulator.truth.entities("boards")}
        deep_modified = boards[deep]["board_pins_modified_at"]
        assert deep_modified < boards[newest]["board_pins_modified_at"], "the state would have nothing to hold back"
        emulator.inject("deep_paging_limit", path=r"/boards/[^/]+/pins$", limit=LIMIT)
        config = emulator.connector_config()
        secrets = [config["credentials"]["client_secret"], config["credentials"]["refresh_token"]]
        catalog = configured_catalog(config, ["board_pins"])

        run = run_cli(tmp_path, "read", config, catalog)

        # The sync says it missed data: INCOMPLETE, a failed exit whose last trace names the board.
        assert run.returncode != 0
        assert run.statuses()["board_pins"] == "INCOMPLETE"
        assert run.errors and f"board {deep}" in run.errors[-1]["message"], [e["message"] for e in run.errors]
        assert "board_pins" in run.errors[-1]["message"]
        # One warning, naming the board and the request; no bookmark (a query string) and no secret anywhere.
        named = [w for w in _warnings(run) if f"board {deep}" in w]
        assert len(named) == 1, _warnings(run)
        assert f"GET /v5/boards/{deep}/pins" in named[0]
        output = "\n".join(str(m) for m in run.messages if m["type"] != "CONTROL") + run.stderr  # CONTROL: the config
        assert "bookmark=" not in output
        for secret in secrets:
            assert secret not in output
        # Records: every other board in full, the deep board exactly its first LIMIT pins (newest first).
        got = run.records.get("board_pins", [])
        ids = Counter(r["id"] for r in got)
        assert not [i for i, n in ids.items() if n > 1], "duplicated pins"
        truth = {p["id"]: p for p in emulator.truth.entities("board_pins")}
        deep_truth = sorted((i for i, p in truth.items() if p["board_id"] == deep), key=int, reverse=True)
        assert len(deep_truth) > LIMIT
        expected = {i for i, p in truth.items() if p["board_id"] != deep} | set(deep_truth[:LIMIT])
        assert set(ids) == expected, (sorted(expected - set(ids))[:5], sorted(set(ids) - expected)[:5])
        for record in got:
            assert record.pop("board_pins_modified_at") == boards[record["board_id"]]["board_pins_modified_at"]
            assert _present(record) == _present(truth[record["id"]])
        # The state is not ahead of the deep board's unread pins (the newest board alone would move it on).
        state = _board_pins_state(run)
        values = _cursor_values(state, "board_pins_modified_at")
        assert values, state
        assert all(_moment(v) < _moment(deep_modified) for v in values), (values, deep_modified)

        # The next sync lists the deep board again (it is not skipped as unchanged).
        emulator.reset_counts()
        again = run_cli(tmp_path, "read", config, catalog, state=run.final_states())
        assert {r["id"] for r in again.records.get("board_pins", []) if r["board_id"] == deep} == set(
            deep_truth[:LIMIT]
        )
        assert again.statuses()["board_pins"] == "INCOMPLETE"
        values = _cursor_values(_board_pins_state(again), "board_pins_modified_at")
        assert values and all(_moment(v) < _moment(deep_modified) for v in values), (values, deep_modified)


def test_the_emulator_refuses_a_page_at_or_past_the_limit_and_serves_the_items_before_it() -> None:
    with Emulator(scenario="tiny", today=TODAY) as emulator:
        client = Client(emulator)
        board = sorted(emulator.world.boards)[0]
        path = f"boards/{board}/pins"
        everything = client.all_pages(path, page_size=2)
        assert len(everything) > 4
        emulator.inject("deep_paging_limit", path=rf"/boards/{board}/pins$", limit=4, count=1)  # count is ignored
        first = client.get(path, page_size=2).json()
        second = client.get(path, page_size=2, bookmark=first["bookmark"]).json()
        assert first["items"] + second["items"] == everything[:4]
        for _ in range(2):  # for good, and for any page size
            refused = client.get(path, page_size=2, bookmark=second["bookmark"])
            assert refused.status_code == 400
            assert refused.json() == {"code": 1, "message": "Pagination beyond 4 pins are not allowed"}
        assert client.get(path, page_size=1, bookmark=first["bookmark"]).status_code == 200  # item 3 is within
        other = sorted(emulator.world.boards)[1]  # the fault's path decides where it applies
        assert len(client.all_pages(f"boards/{other}/pins", page_size=1)) == len(
            [p for p in emulator.world.pins.values() if p["board_id"] == other]
        )
