"""Streaming parsers for downloaded report files: rows come out one by one, the file is never held whole.

JSON: an object keyed by entity id (primary_sort BY_ID) or by DATE (BY_DATE), each value a list of flat rows;
the key is copied into a row that lacks it. JSON does not zero-fill: absent columns stay absent.
CSV: a header then one row per line; Pinterest zero-fills metrics, and every cell is text, so cells are
converted with the column types the OpenAPI states (report_columns.column_types) (empty attribute cells become null).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from source_pinterest.facts import DATE_CURSOR

_CHUNK = 1 << 16
_WHITESPACE = " \t\r\n"


class ReportFileError(ValueError):
    """The downloaded file is not a report in the expected format."""


class _JsonCursor:
    """Reads JSON values one at a time from a text stream, refilling a small buffer as needed."""

    def __init__(self, stream: TextIO) -> None:
        self._stream, self._buffer, self._pos, self._eof = stream, "", 0, False
        self._decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._stream.read(_CHUNK)
        self._buffer, self._pos = self._buffer[self._pos :] + chunk, 0
        self._eof = not chunk
        return bool(chunk)

    def peek(self) -> str:
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill():
                return ""

    def expect(self, chars: str) -> str:
        found = self.peek()
        if not found or found not in chars:
            raise ReportFileError(f"expected one of {chars!r} but found {found or 'the end of the file'!r}")
        self._pos += 1
        return found

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as error:
                if self._fill():  # the value may continue in the next chunk
                    continue
                raise ReportFileError(f"invalid JSON: {error.msg}") from None
            # A number at the very end of the buffer may have more digits in the next chunk.
            at_end = end == len(self._buffer) and not self._eof
            if at_end and not isinstance(value, (dict, list, str)) and self._fill():
                continue
            self._pos = end
            return value


def iter_json_rows(stream: TextIO, id_column: str) -> Iterator[dict[str, Any]]:
    reader = _JsonCursor(stream)
    if not reader.peek():
        return  # an empty file: no rows
    reader.expect("{")
    if reader.peek() == "}":
        return
    while True:
        key = reader.value()
        if not isinstance(key, str):
            raise ReportFileError("a top-level key is not a string")
        reader.expect(":")
        reader.expect("[")
        if reader.peek() == "]":
            reader.expect("]")
        else:
            while True:
                row = reader.value()
                if not isinstance(row, dict):
                    raise ReportFileError(f"the rows under {key!r} are not objects")
                yield _with_key(row, key, id_column)
                if reader.expect(",]") == "]":
                    break
        if reader.expect(",}") == "}":
            break
    if reader.peek():
        raise ReportFileError("unexpected data after the end of the report object")


def _with_key(row: dict[str, Any], key: str, id_column: str) -> dict[str, Any]:
    # BY_DATE files are keyed by date (or "TOTAL"), BY_ID files by entity id.
    if len(key) >= 10 and key[4:5] == "-" and key[7:8] == "-":
        row.setdefault(DATE_CURSOR, key)
    elif key != "TOTAL":
        row.setdefault(id_column, key)
    return row


def iter_csv_rows(stream: TextIO, types: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        return
    if not header or any(not name or not name.replace("_", "").isalnum() for name in header):
        raise ReportFileError(f"the first line is not a column header: {header[:5]}")
    converters = [_converter(types.get(name, "string")) for name in header]
    for line_number, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if len(cells) != len(header):
            raise ReportFileError(f"line {line_number} has {len(cells)} cells, the header has {len(header)}")
        try:
            yield {name: convert(cell) for name, convert, cell in zip(header, converters, cells, strict=True)}
        except ValueError as error:
            raise ReportFileError(f"line {line_number}: {error}") from None


def _converter(kind: str) -> Any:
    if kind in ("number", "integer"):
        return _number
    if kind == "boolean":
        return lambda cell: None if cell == "" else cell.strip().lower() == "true"
    return lambda cell: None if cell == "" else cell


def _number(cell: str) -> int | float | None:
    if cell == "":
        return None
    try:
        return int(cell)
    except ValueError:
        return float(cell)  # raises ValueError with the cell in its message: not a number
