"""user_account, boards, sections, board pins (skip unchanged boards), section pins, pins."""

from __future__ import annotations

from airbyte_cdk.models import AirbyteStreamStatus, FailureType, SyncMode
from airbyte_cdk.test.state_builder import StateBuilder

from unit_tests.conftest import API, final_state, oauth_config, page, query, read_streams, records_of, serve_pages

BOARDS = [
    {"id": "b1", "name": "One", "board_pins_modified_at": "2026-11-01T10:00:00.000000+00:00"},
    {"id": "b2", "name": "Two", "board_pins_modified_at": "2026-11-20T08:30:00.000000+00:00"},
]


def _boards(requests_mock) -> None:
    serve_pages(requests_mock, API + "boards", [BOARDS[:1], BOARDS[1:]])


def test_user_account_is_one_record(requests_mock) -> None:
    requests_mock.get(API + "user_account", json={"username": "shop", "account_type": "BUSINESS", "id": "u1"})
    output = read_streams(oauth_config(), ["user_account"], mode=SyncMode.full_refresh)
    assert records_of(output) == [{"username": "shop", "account_type": "BUSINESS", "id": "u1"}]


def test_boards_and_sections_carry_board_id_across_pages(requests_mock) -> None:
    _boards(requests_mock)
    serve_pages(requests_mock, API + "boards/b1/sections", [[{"id": "s1", "name": "x"}], [{"id": "s2", "name": "y"}]])
    requests_mock.get(API + "boards/b2/sections", json=page([{"id": "s3", "name": "z"}]))

    output = read_streams(oauth_config(), ["boards", "board_sections"], mode=SyncMode.full_refresh)

    assert [r["id"] for r in records_of(output, "boards")] == ["b1", "b2"]
    sections = sorted((r["board_id"], r["id"]) for r in records_of(output, "board_sections"))
    assert sections == [("b1", "s1"), ("b1", "s2"), ("b2", "s3")]


def test_section_pins_carry_board_and_section(requests_mock) -> None:
    requests_mock.get(API + "boards", json=page(BOARDS[:1]))
    requests_mock.get(API + "boards/b1/sections", json=page([{"id": "s1", "name": "x"}]))
    requests_mock.get(
        API + "boards/b1/sections/s1/pins", [{"json": page([{"id": "p1"}], "pp")}, {"json": page([{"id": "p2"}])}]
    )

    output = read_streams(oauth_config(), ["board_section_pins"], mode=SyncMode.full_refresh)

    assert [(r["id"], r["board_id"], r["section_id"]) for r in records_of(output)] == [
        ("p1", "b1", "s1"),
        ("p2", "b1", "s1"),
    ]


def test_board_pins_skip_boards_whose_pins_have_not_changed(requests_mock) -> None:
    _boards(requests_mock)
    requests_mock.get(API + "boards/b1/pins", json=page([{"id": "p1"}]))
    serve_pages(requests_mock, API + "boards/b2/pins", [[{"id": "p2"}], [{"id": "p3"}]])

    first = read_streams(oauth_config(), ["board_pins"])
    assert sorted((r["board_id"], r["id"]) for r in records_of(first)) == [("b1", "p1"), ("b2", "p2"), ("b2", "p3")]

    requests_mock.reset_mock()
    state = StateBuilder().with_stream_state("board_pins", final_state(first, "board_pins")).build()
    second = read_streams(oauth_config(), ["board_pins"], state=state)

    pin_paths = {r.path for r in requests_mock.request_history if r.path.endswith("/pins")}
    assert pin_paths == {"/v5/boards/b2/pins"}, "only the board modified at the state's time is re-listed"
    assert sorted(r["id"] for r in records_of(second)) == ["p2", "p3"]


def test_pins_incremental_on_created_at(requests_mock) -> None:
    requests_mock.get(
        API + "pins",
        json=page(
            [{"id": "old", "created_at": "2026-01-01T00:00:00"}, {"id": "new", "created_at": "2026-11-02T00:00:00"}]
        ),
    )
    state = StateBuilder().with_stream_state("pins", {"created_at": "2026-06-01T00:00:00+0000"}).build()
    output = read_streams(oauth_config(), ["pins"], state=state)

    assert [r["id"] for r in records_of(output)] == ["new"]
    assert query(requests_mock.last_request) == {"page_size": ["250"]}
    assert final_state(output, "pins")["created_at"].startswith("2026-11-02")


def test_missing_scope_skips_the_stream_with_a_warning_the_sync_goes_on_and_ends_saying_so(requests_mock) -> None:
    requests_mock.get(API + "boards", status_code=403, json={"code": 3, "message": "Missing scope boards:read"})
    requests_mock.get(API + "user_account", json={"id": "u1", "username": "shop"})

    output = read_streams(
        oauth_config(), ["boards", "user_account"], mode=SyncMode.full_refresh, expecting_exception=True
    )

    assert [r["id"] for r in records_of(output, "user_account")] == ["u1"]
    warnings = [m.log.message for m in output.logs if m.log.level.value == "WARN"]
    assert any("Skipping /v5/boards" in w and "boards:read" in w for w in warnings)
    # Not a silent COMPLETE with 0 rows: the stream is INCOMPLETE and the read ends with a config_error saying why.
    assert output.get_stream_statuses("boards")[-1] == AirbyteStreamStatus.INCOMPLETE
    assert output.get_stream_statuses("user_account")[-1] == AirbyteStreamStatus.COMPLETE
    (error,) = output.errors
    assert error.trace.error.failure_type == FailureType.config_error
    assert "boards:" in error.trace.error.message and "re-authorise with the scopes" in error.trace.error.message
