"""Pinterest's deep-paging refusal (components/deep_paging.py): recognised by what the request sent, it ends one
board's listing with one warning and holds board_pins's state before that board."""

from __future__ import annotations

import json
import logging

import pytest
import requests
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    StreamDescriptor,
    Type,
)
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction

from source_pinterest import SourcePinterest
from source_pinterest.components import deep_paging
from source_pinterest.components.errors import PinterestErrorHandler
from source_pinterest.sync import Sync
from unit_tests.conftest import API, oauth_config

REFUSED = {"code": 1, "message": "Pagination beyond 100.000 pins are not allowed"}


def _response(status: int, body: dict, url: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.request = requests.Request("GET", url).prepare()
    response.url = response.request.url
    return response


def _handler(stream: str = "board_pins") -> PinterestErrorHandler:
    source = SourcePinterest(config=oauth_config())
    built = next(s for s in source.streams(source._config) if s.name == stream)
    return built._stream_partition_generator._partition_factory._retriever.requester.error_handler


@pytest.mark.parametrize(
    ("url", "board"),
    [
        (API + "boards/b1/pins?page_size=250&bookmark=abc", "b1"),
        (API + "boards/b1/sections/s1/pins?bookmark=abc&page_size=250", "b1"),
        (API + "boards/b1/pins?page_size=250", None),  # the first page: nothing was read, a plain failure
        (API + "ad_accounts/1/campaigns?bookmark=abc", None),  # not a board's pins
        (API + "boards/b1/sections?bookmark=abc", None),
    ],
)
def test_a_refusal_is_a_400_to_a_later_page_of_a_boards_pins(url: str, board: str | None) -> None:
    assert deep_paging.refused_board(_response(400, REFUSED, url)) == board
    assert deep_paging.refused_board(_response(403, REFUSED, url)) is None


def test_the_wording_does_not_matter_and_one_warning_is_logged_per_board(caplog: pytest.LogCaptureFixture) -> None:
    handler = _handler()
    url = API + "boards/b1/pins?page_size=250&bookmark=Zm9vOmJhcg"
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        first = handler.interpret_response(_response(400, {"code": 77, "message": "Nope."}, url))
        again = handler.interpret_response(_response(400, REFUSED, url))
    assert first.response_action == again.response_action == ResponseAction.IGNORE
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "airbyte"]
    assert len(warnings) == 1 and "board b1" in warnings[0] and "GET /v5/boards/b1/pins" in warnings[0]
    assert "Zm9vOmJhcg" not in warnings[0]  # the bookmark (the query) is never repeated
    assert "board b1" in handler.sync.unreadable.reasons()["board_pins"]  # INCOMPLETE, and the closing trace says why
    assert handler.sync.cut_boards.boards("board_pins") == {"b1"}


def test_a_transient_400_on_a_later_page_is_retried_not_taken_for_the_limit() -> None:
    url = API + "boards/b1/pins?page_size=250&bookmark=abc"
    handler = _handler()
    resolution = handler.interpret_response(_response(400, {"code": 12, "message": "Something went wrong"}, url))
    assert resolution.response_action == ResponseAction.RETRY
    assert not handler.sync.cut_boards.boards("board_pins")


def test_a_400_on_the_first_page_still_fails() -> None:
    resolution = _handler().interpret_response(_response(400, REFUSED, API + "boards/b1/pins?page_size=250"))
    assert resolution.response_action == ResponseAction.FAIL


def _record(board: str, modified: str) -> AirbyteMessage:
    data = {"id": "p", "board_id": board, "board_pins_modified_at": modified}
    return AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream="board_pins", data=data, emitted_at=1))


def _state(stream: str, state: dict) -> AirbyteMessage:
    stream_state = AirbyteStreamState(
        stream_descriptor=StreamDescriptor(name=stream), stream_state=AirbyteStateBlob(state)
    )
    return AirbyteMessage(type=Type.STATE, state=AirbyteStateMessage(type=AirbyteStateType.STREAM, stream=stream_state))


STATE = {
    "use_global_cursor": True,
    "state": {"board_pins_modified_at": "2026-11-21T05:25:24.846657+0000"},
    "parent_state": {"boards": {"board_pins_modified_at": "2026-11-21T05:25:24.846657+0000"}},
}


def test_the_state_stays_just_before_the_oldest_cut_board() -> None:
    sync = Sync(oauth_config())
    hold = deep_paging.StateHold(sync.cut_boards)
    for message in (_record("b1", "2026-10-31T05:31:10.757344"), _record("b2", "2026-11-21T05:25:24.846657")):
        hold.adjust(message)
    assert hold.adjust(_state("board_pins", STATE)).state.stream.stream_state.__dict__ == STATE  # nothing cut yet
    deep_paging.refusal(
        _response(400, REFUSED, API + "boards/b1/pins?bookmark=x"),
        "board_pins",
        sync.cut_boards,
        sync.unreadable,
    )
    held = hold.adjust(_state("board_pins", STATE)).state.stream.stream_state.__dict__
    assert held["state"] == {"board_pins_modified_at": "2026-10-31T05:31:10.757343+0000"}
    assert held["parent_state"] == {"boards": {"board_pins_modified_at": "2026-10-31T05:31:10.757343+0000"}}
    assert held["use_global_cursor"] is True
    older = {**STATE, "state": {"board_pins_modified_at": "2026-01-01T00:00:00.000000+0000"}}
    assert hold.adjust(_state("board_pins", older)).state.stream.stream_state.__dict__["state"] == older["state"]


def test_a_cut_board_without_a_record_holds_the_state_at_the_start() -> None:
    sync = Sync(oauth_config())
    hold = deep_paging.StateHold(sync.cut_boards)
    deep_paging.refusal(
        _response(400, REFUSED, API + "boards/b9/pins?bookmark=x"),
        "board_pins",
        sync.cut_boards,
        sync.unreadable,
    )
    held = hold.adjust(_state("board_pins", STATE)).state.stream.stream_state.__dict__
    assert held["state"] == {"board_pins_modified_at": "1970-01-01T00:00:00.000000+0000"}
