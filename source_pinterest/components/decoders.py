"""Analytics answers decoded row by row: memory follows one row, not the answer.

The CDK's JsonDecoder holds the whole body and every decoded row at once, and the sync analytics endpoints do not
page: one answer covers up to 250 ids x 90 days (x every targeting value), tens to hundreds of megabytes once
decoded. Here the body is spooled to disk as it arrives, then ijson (a CDK dependency, C backend) yields its rows
one by one. Rows are yielded only once the whole body is in, so an answer cut short can be asked again without
emitting a row twice.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import InitVar, dataclass, field
from typing import IO, Any

import ijson
import requests
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.types import Config

from source_pinterest.components.errors import describe_request

CHUNK = 1 << 16


class AnswerCutShort(Exception):
    """The connection broke while the body was read: no row of this answer has been emitted."""


def spool_body(response: requests.Response, spool: IO[bytes]) -> int:
    """Copy the body into `spool` chunk by chunk (gzip undone); returns its size."""
    size = 0
    try:
        for chunk in response.iter_content(CHUNK):
            spool.write(chunk)
            size += len(chunk)
    except requests.exceptions.RequestException as error:
        raise AnswerCutShort(f"{describe_request(response)}: the answer was cut short after {size} bytes") from error
    finally:
        response.close()
    spool.seek(0)
    return size


@dataclass
class StreamedRows(RecordExtractor):
    """The objects of the JSON array at `field_path`, parsed incrementally. Without one, the body is the array,
    or its `data` for targeting breakdowns (the stream's `$parameters.targeting`).

    `streams_response` makes the retriever send its requests with stream=True, so no layer below reads the
    whole body into memory first. Numbers decode as json.loads would: int stays int, decimals become float.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    field_path: list[str] = field(default_factory=list)
    streams_response = True

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.field_path = self.field_path or (["data"] if (parameters or {}).get("targeting") else [])
        self._prefix = ".".join([*self.field_path, "item"])

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        with tempfile.TemporaryFile() as spool:
            if spool_body(response, spool):  # an empty body has no rows
                yield from ijson.items(spool, self._prefix, use_float=True)
