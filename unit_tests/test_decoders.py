"""Analytics answers are decoded row by row from a disk spool: memory stays flat however large the answer."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator

import pytest
import requests
from urllib3.exceptions import ProtocolError

from source_pinterest import SourcePinterest
from source_pinterest.components.decoders import AnswerCutShort, NotAnAnswer, StreamedRows
from unit_tests.conftest import oauth_config

ROW = {"AD_ID": "123456789", "DATE": "2026-11-01", "SPEND_IN_DOLLAR": 12.5, "TOTAL_IMPRESSION": 4000, "CTR": None}


class _LazyBody(io.RawIOBase):
    """A body produced chunk by chunk as it is read, like a socket: never present in memory as a whole."""

    def __init__(self, chunks: Iterator[bytes], fail_after: int | None = None) -> None:
        self._chunks = chunks
        self._pending = b""
        self._served = 0
        self._fail_after = fail_after

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if self._fail_after is not None and self._served >= self._fail_after:
            raise ProtocolError("Connection broken: IncompleteRead")
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n], self._pending = self._pending[:n], self._pending[n:]
        self._served += n
        return n

    def stream(self, amt: int, decode_content: bool = True) -> Iterator[bytes]:  # what requests' iter_content calls
        while chunk := self.read(amt):
            yield chunk


def _response(body: _LazyBody) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.raw = body
    response.request = requests.Request("GET", "http://127.0.0.1/v5/ad_accounts/1/ads/analytics").prepare()
    return response


def _array(rows: int, wrap: str | None = None) -> Iterator[bytes]:
    yield (b'{"%s": [' % wrap.encode()) if wrap else b"["
    line = json.dumps(ROW).encode()
    for i in range(rows):
        yield (b"," if i else b"") + line
    yield b"]}" if wrap else b"]"


def test_a_6_mb_answer_is_decoded_without_holding_it() -> None:
    rows = 60_000  # about 6.5 MB of JSON; held as Python dicts it would take over 40 MB
    extractor = StreamedRows(config={}, parameters={}, field_path=[])
    tracemalloc.start()
    try:
        count = 0
        for row in extractor.extract_records(_response(_LazyBody(_array(rows)))):
            count += 1
            if count == 1:
                assert row == ROW  # numbers as json.loads gives them: int stays int, decimals are float
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows
    assert peak < 2 * 1024 * 1024, f"decoding held {peak / 1e6:.1f} MB at its peak"


def test_rows_under_a_key_and_an_empty_body() -> None:
    targeting = StreamedRows(config={}, parameters={}, field_path=["data"])
    assert len(list(targeting.extract_records(_response(_LazyBody(_array(3, wrap="data")))))) == 3
    # Issue 21: an empty body is not an answer without rows (it was read as "no rows" before).
    with pytest.raises(NotAnAnswer, match="empty body"):
        list(targeting.extract_records(_response(_LazyBody(iter([])))))


@pytest.mark.parametrize("body", [b"[]", b" [ ] "])
def test_an_empty_array_is_an_answer_without_rows(body: bytes) -> None:
    extractor = StreamedRows(config={}, parameters={}, field_path=[])
    assert list(extractor.extract_records(_response(_LazyBody(iter([body]))))) == []


@pytest.mark.parametrize("body", [b'{"data": []}', b'{"other": 1, "data": []}'])
def test_an_empty_breakdown_is_an_answer_without_rows(body: bytes) -> None:
    targeting = StreamedRows(config={}, parameters={"targeting": True})
    assert list(targeting.extract_records(_response(_LazyBody(iter([body]))))) == []


@pytest.mark.parametrize(
    ("targeting", "body", "problem"),
    [
        (False, b'{"code": 12, "message": "Something went wrong"}', "an error object \\(code 12: Something went wrong"),
        (False, b'{"items": []}', "items"),
        (False, b"<html><body>Oops</body></html>", "not JSON"),
        (False, b"[1, 2]", "a row that is '1'"),
        (False, b"null", "null"),
        (True, b"[]", "not an object whose `data` is an array"),
        (True, b'{"code": 12, "message": "Something went wrong"}', "an error object"),
        (True, b'{"data": null}', "data"),
    ],
)
def test_a_200_that_is_not_the_documented_answer_is_not_an_answer(targeting: bool, body: bytes, problem: str) -> None:
    extractor = StreamedRows(config={}, parameters={"targeting": targeting})
    with pytest.raises(NotAnAnswer, match=problem):
        list(extractor.extract_records(_response(_LazyBody(iter([body])))))


def test_an_answer_cut_short_raises_before_its_first_row() -> None:
    extractor = StreamedRows(config={}, parameters={}, field_path=[])
    rows = extractor.extract_records(_response(_LazyBody(_array(10_000), fail_after=200_000)))
    with pytest.raises(AnswerCutShort, match=r"GET /v5/ad_accounts/1/ads/analytics: the answer was cut short"):
        next(iter(rows))


def test_every_ads_analytics_stream_streams_its_answers() -> None:
    source = SourcePinterest(config=oauth_config())
    streams = {s.name: s for s in source.streams(source._config)}
    names = [n for n in streams if n.endswith("_analytics") and n not in ("pin_analytics", "user_account_analytics")]
    assert len(names) == 8  # four levels, and the targeting breakdown of each
    for name in names:
        retriever = streams[name]._stream_partition_generator._partition_factory._retriever
        assert isinstance(retriever.record_selector.extractor, StreamedRows), name
        assert retriever.requester.stream_response, f"{name}: the body would be read whole before decoding"
