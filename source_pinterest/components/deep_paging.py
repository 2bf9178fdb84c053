"""Pinterest's deep-paging limit: a board's pins listing refused past its 100,000th pin.

Pinterest answers a later page of a long listing with a 400 ("Pagination beyond 100.000 pins are not allowed",
airbytehq/airbyte#33282). Recognised by what the request sent, not by the wording: a 400 (not a transient one) to a
board's pins listing that carried a `bookmark`. Pinterest answered its earlier pages, so the board's pins end there:

- `refusal()` (PinterestErrorHandler) logs one warning naming the board and the request, ends that board's listing
  (the other boards are read on), notes the stream as unreadable (INCOMPLETE, and the read's closing trace says why),
  and remembers the board for `StateHold`.
- `StateHold` (one per read, in SourcePinterest.read) keeps board_pins's state before the change time of every board
  whose listing was cut (its records carry it), so the next sync lists that board again instead of skipping it as
  unchanged. board_pins keeps one cursor for all boards, so the boards changed after it are read again too.

The cut boards are the run's (`Sync.cut_boards`), like its unreadable streams.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from airbyte_cdk.models import AirbyteMessage, AirbyteStateBlob, Type
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from source_pinterest.components.pinterest_said import pinterest_message
from source_pinterest.components.unreadable import Unreadable

logger = logging.getLogger("airbyte")

# A board's pins, or the pins of one of its sections: GET /v5/boards/{board_id}[/sections/{section_id}]/pins.
_BOARD_PINS = re.compile(r"/boards/([^/]+)/(?:sections/[^/]+/)?pins$")
# Streams whose state is one cursor over every board, and the record field that carries a board's part of it.
HELD_CURSORS: Mapping[str, str] = {"board_pins": "board_pins_modified_at"}
_STATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"  # the manifest's board_pins_cursor datetime_format
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class CutBoards:
    """The boards whose listing Pinterest refused to page deeper, per stream. Thread-safe (every worker's error
    handler adds to it; the read's StateHold reads it). Built to be held by the run's decisions (one per read)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._boards: dict[str, set[str]] = {}

    def add(self, stream: str, board: str) -> bool:
        """Record a cut board; True the first time for this stream and board."""
        with self._lock:
            boards = self._boards.setdefault(stream, set())
            first = board not in boards
            boards.add(board)
            return first

    def boards(self, stream: str) -> set[str]:
        with self._lock:
            return set(self._boards.get(stream, ()))

    def reset(self) -> None:
        with self._lock:
            self._boards.clear()


def refused_board(response: requests.Response) -> str | None:
    """The board whose pins listing Pinterest refused to page deeper, or None: a 400 to a later page (the request
    carried a `bookmark`) of /boards/{id}/pins or /boards/{id}/sections/{sid}/pins."""
    request = response.request
    if response.status_code != 400 or request is None or (request.method or "GET") != "GET":
        return None
    url = urlsplit(str(request.url or response.url))
    found = _BOARD_PINS.search(url.path)
    if found is None or not dict(parse_qsl(url.query)).get("bookmark"):
        return None
    return found.group(1)


def refusal(response: requests.Response, stream: str, cut: CutBoards, unreadable: Unreadable) -> ErrorResolution | None:
    """End one board's listing refused deep into it (see the module docstring); None for any other response."""
    board = refused_board(response)
    if board is None:
        return None
    request = response.request
    # The path only: the query holds the bookmark, and a URL's query string is never logged.
    what = f"{request.method} {urlsplit(str(request.url)).path}"
    kept = (
        "keeps its state before this board's change time, so the next sync reads this board again"
        if stream in HELD_CURSORS
        else "is incomplete"
    )
    message = (
        f"Pinterest refused to page deeper into the pins of board {board}: {what} for a later page answered 400 "
        f"({pinterest_message(response)}). Pinterest lists at most 100,000 items of a listing; "
        f"{stream or 'the stream'} has "
        f"this board's pins up to there (newest first), the other boards are read in full, and the stream {kept}. "
        "The older pins of this board cannot be listed here; boards with fewer pins are not affected."
    )
    if cut.add(stream, board):
        logger.warning(message)
    unreadable.note(stream or what, message)
    return ErrorResolution(ResponseAction.IGNORE, None, message)


def _parse(value: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class StateHold:
    """Keeps a held stream's state messages before the change time of each board whose listing was cut."""

    def __init__(self, cut: CutBoards) -> None:
        self._cut = cut
        self._oldest: dict[tuple[str, str], dt.datetime] = {}  # (stream, board) -> the board's cursor in its records

    def adjust(self, message: AirbyteMessage) -> AirbyteMessage:
        if message.type == Type.RECORD and message.record is not None and message.record.stream in HELD_CURSORS:
            data = message.record.data or {}
            moment = _parse(data.get(HELD_CURSORS[message.record.stream]))
            key = (message.record.stream, str(data.get("board_id")))
            if moment is not None and (key not in self._oldest or moment < self._oldest[key]):
                self._oldest[key] = moment
        elif message.type == Type.STATE and message.state is not None and message.state.stream is not None:
            stream = message.state.stream.stream_descriptor.name
            cut = self._cut.boards(stream) if stream in HELD_CURSORS else set()
            if cut and message.state.stream.stream_state is not None:
                # Just before the oldest cut board's change time: a board changed at it is read again.
                known = [self._oldest.get((stream, board), _EPOCH) for board in cut]
                limit = max(min(known) - dt.timedelta(microseconds=1), _EPOCH)
                state = message.state.stream.stream_state
                raw = dict(state.__dict__) if isinstance(state, AirbyteStateBlob) else dict(state)
                message.state.stream.stream_state = AirbyteStateBlob(_held(raw, HELD_CURSORS[stream], limit))
        return message


def _held(state: Any, field: str, limit: dt.datetime) -> Any:
    """`state` with every `field` value later than `limit` set to `limit` (nested: the stream's own cursor and
    its parent's)."""
    if isinstance(state, Mapping):
        out = {}
        for key, value in state.items():
            moment = _parse(value) if key == field else None
            later = moment is not None and moment > limit
            out[key] = limit.strftime(_STATE_FORMAT) if later else _held(value, field, limit)
        return out
    if isinstance(state, list):
        return [_held(item, field, limit) for item in state]
    return state
