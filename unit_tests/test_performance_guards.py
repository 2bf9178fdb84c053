"""Guards on work that does not grow with what a command needs: streams built, rows held (no wall time)."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from airbyte_cdk.models import Status, SyncMode

from source_pinterest import SourcePinterest
from source_pinterest.components import fast_cursor
from unit_tests.conftest import API, oauth_config, page, read_streams, records_of


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The names of the top-level streams of every build (each costs ~25 ms of CPU a stream)."""
    builds: list[list[str]] = []
    create = SourcePinterest._create_streams

    def recording(self: SourcePinterest, selected: list[dict[str, Any]], everything: list[dict[str, Any]]) -> Any:
        builds.append([c["name"] for c in selected])
        return create(self, selected, everything)

    monkeypatch.setattr(SourcePinterest, "_create_streams", recording)
    return builds


def test_check_builds_only_the_ad_accounts_stream(requests_mock, built) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}]))
    config = oauth_config()
    assert SourcePinterest(config=config).check(None, config).status == Status.SUCCEEDED
    assert built == [["ad_accounts"]]


def test_discover_builds_no_stream(built) -> None:
    config = oauth_config(custom_reports=[{"name": "spend"}])
    streams = SourcePinterest(config=config).discover(None, config).streams
    assert len(streams) > 40 and built == []  # the catalog comes from definitions and schema loaders (discovery.py)


def test_a_read_builds_only_its_catalog_streams_and_the_shared_parents(requests_mock, built) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}]))
    requests_mock.get(API + "ad_accounts/111/campaigns", json=page([{"id": "c1", "ad_account_id": "111"}]))
    output = read_streams(oauth_config(), ["ad_accounts", "campaigns"], mode=SyncMode.full_refresh)
    assert len(records_of(output, "campaigns")) == 1
    # ad_accounts is listed once before the read (two selected streams use it), then the catalog's two streams
    assert built == [["ad_accounts"], ["ad_accounts", "campaigns"]]


def _analytics_cursor() -> Any:
    source = SourcePinterest(config=oauth_config())
    (stream,) = source.streams_named(["ad_analytics"])
    return stream.cursor


def test_analytics_cursors_parse_each_distinct_date_once(monkeypatch) -> None:
    from airbyte_cdk.sources.declarative.datetime.datetime_parser import DatetimeParser

    cursor = _analytics_cursor()
    converter = cursor._connector_state_converter
    assert isinstance(converter, fast_cursor.CachedDates)
    calls: list[str] = []
    parse = DatetimeParser.parse
    monkeypatch.setattr(DatetimeParser, "parse", lambda self, v, f: calls.append(v) or parse(self, v, f))
    days = [f"2026-11-{d:02d}" for d in range(1, 11)]
    values = [converter.parse_value(day) for _ in range(50) for day in days]
    assert len(calls) == 10  # 500 values, 10 distinct
    assert [converter.output_format(v) for v in values[:10]] == days
    with pytest.raises(ValueError):
        converter.parse_value("not a date")  # a refusal is not cached: it raises every time
    with pytest.raises(ValueError):
        converter.parse_value("not a date")


def test_cursor_caches_stay_bounded() -> None:
    converter = _analytics_cursor()._connector_state_converter
    for n in range(fast_cursor.MAX_CACHED * 2 + 5):
        converter.output_format(converter.parse_value((dt.date(2000, 1, 1) + dt.timedelta(days=n)).isoformat()))
    assert len(converter._parsed) <= fast_cursor.MAX_CACHED and len(converter._formatted) <= fast_cursor.MAX_CACHED


def test_partition_keys_are_cached_by_identity_only() -> None:
    cursor = _analytics_cursor()
    first = {"ad_account_id": "1"}
    assert cursor._to_partition_key(first) == '{"ad_account_id":"1"}'
    first["ad_account_id"] = "2"  # never done by the CDK; shows the key belongs to the object, not to its id
    assert cursor._to_partition_key({"ad_account_id": "2"}) == '{"ad_account_id":"2"}'


def test_a_targeting_answer_of_8_mb_is_shaped_row_by_row() -> None:
    """StreamedRows and AnalyticsRow together: memory follows one row, not the answer (~60 MB as dicts)."""
    from source_pinterest.components.analytics.rows import AnalyticsRow
    from source_pinterest.components.decoders import StreamedRows
    from unit_tests.test_decoders import _LazyBody, _response

    metrics = {"AD_GROUP_ID": 549755813888, "DATE": "2026-11-01", "SPEND_IN_DOLLAR": 1.5, "TOTAL_IMPRESSION": 90}
    line = json.dumps({"targeting_type": "LOCATION", "targeting_value": 811, "metrics": metrics}).encode()
    rows = 60_000

    def body() -> Iterator[bytes]:
        yield b'{"data": ['
        for i in range(rows):
            yield (b"," if i else b"") + line
        yield b"]}"

    extractor = StreamedRows(config={}, parameters={}, field_path=["data"])
    shape = AnalyticsRow(config={"analytics_columns": ["SPEND_IN_DOLLAR", "CTR"]}, parameters={"level": "AD_GROUP"})
    tracemalloc.start()
    try:
        count = 0
        for row in extractor.extract_records(_response(_LazyBody(body()))):
            shape.transform(row)
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows and row["TARGETING_VALUE"] == "811" and row["CTR"] is None
    assert peak < 2 * 1024 * 1024, f"decoding held {peak / 1e6:.1f} MB at its peak"


def test_records_wait_in_a_bounded_queue_while_the_consumer_is_slow(requests_mock) -> None:
    """Workers stop at RECORD_QUEUE_SIZE queued records when the main thread falls behind (the CDK's own bound,
    10,000 wide rows, was ~150 MB); every record still comes out once."""
    import logging
    import time

    from airbyte_cdk.models import Type
    from airbyte_cdk.test.catalog_builder import CatalogBuilder

    from source_pinterest.source import RECORD_QUEUE_SIZE
    from unit_tests.conftest import serve_pages

    pages = [[{"id": f"{p}{i:03}", "name": "x" * 200} for i in range(250)] for p in range(1, 11)]
    serve_pages(requests_mock, API + "ad_accounts", pages)
    config = oauth_config()
    catalog = CatalogBuilder().with_stream("ad_accounts", SyncMode.full_refresh).build()
    source = SourcePinterest(catalog=catalog, config=config)
    queue = source._concurrent_source._queue
    ids: list[str] = []
    for message in source.read(logging.getLogger("test"), config, catalog, None):
        if message.type == Type.RECORD:
            if not ids:  # stop consuming until the workers have either filled the queue or overrun its bound
                deadline = time.monotonic() + 120  # a hang guard only: 2,500 mocked records queue in milliseconds
                while queue.qsize() < RECORD_QUEUE_SIZE and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(0.2)  # an unbounded queue would grow past the bound meanwhile
                assert queue.qsize() <= RECORD_QUEUE_SIZE == queue.maxsize
            ids.append(message.record.data["id"])
    assert len(ids) == len(set(ids)) == 2500


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_report_file_of_8_mb_is_parsed_row_by_row(tmp_path, kind: str) -> None:
    """Downloaded report files are spooled to disk and parsed as a stream: memory follows one row, not the file."""
    from source_pinterest.components.reports.files import iter_csv_rows, iter_json_rows

    columns = ["AD_GROUP_ID", "DATE", "TARGETING_TYPE", "TARGETING_VALUE", "SPEND_IN_DOLLAR", "TOTAL_IMPRESSION"]
    rows = 160_000 if kind == "csv" else 80_000  # either way a file of over 7 MB
    path = tmp_path / f"report.{kind}"
    with path.open("w") as out:
        if kind == "csv":
            out.write(",".join(columns) + "\n")
            for i in range(rows):
                out.write(f"{2**39 + i % 250},2026-11-{1 + i % 28:02},LOCATION,{i},1.5,90\n")
        else:  # BY_ID: rows grouped under their entity id
            out.write("{")
            for group in range(rows // 100):
                cells = {"DATE": "2026-11-01", "TARGETING_TYPE": "LOCATION", "SPEND_IN_DOLLAR": 1.5}
                body = ",".join(json.dumps({**cells, "TARGETING_VALUE": str(i)}) for i in range(100))
                out.write(("," if group else "") + f'"{2**39 + group}":[{body}]')
            out.write("}")
    assert path.stat().st_size > 7_000_000
    types = {"SPEND_IN_DOLLAR": "number", "TOTAL_IMPRESSION": "integer"}
    with path.open() as text:
        tracemalloc.start()
        try:
            parsed = iter_csv_rows(text, types) if kind == "csv" else iter_json_rows(text, "AD_GROUP_ID")
            count = sum(1 for row in parsed if row["AD_GROUP_ID"])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert count == rows
    assert peak < 2 * 1024 * 1024, f"parsing held {peak / 1e6:.1f} MB at its peak"
