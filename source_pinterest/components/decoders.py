"""Analytics answers decoded row by row: memory follows one row, not the answer.

The CDK's JsonDecoder holds the whole body and every decoded row at once, and the sync analytics endpoints do not
page: one answer covers up to 250 ids x 90 days (x every targeting value), tens to hundreds of megabytes once
decoded. Here the body is spooled to disk as it arrives, then ijson (a CDK dependency, C backend) yields its rows
one by one. Rows are yielded only once the whole body is in, so an answer cut short can be asked again without
emitting a row twice.

A 200 is an answer only in the shape the API documents (pinterest-api-v5-openapi.yaml): an error object
(`{"code": 12, "message": "Something went wrong"}`), an empty body, HTML or a wrong shape is `NotAnAnswer`, asked
again like an answer cut short, and never read as "no rows". `answers.answer_problem` says the same of the answers that
are not streamed (listings and the rest), for the error handler, which retries them.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import InitVar, dataclass, field
from typing import IO, Any

import ijson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components.answers import error_object, sample
from source_pinterest.components.pinterest_said import describe_request

CHUNK = 1 << 16


class AnswerCutShort(Exception):
    """The connection broke while the body was read: no row of this answer has been emitted."""


class NotAnAnswer(AnswerCutShort):
    """A 200 whose body is not the documented answer (no row of it has been emitted): asked again the same way."""


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
        where = ".".join(self.field_path)
        self._shape = f"an object whose `{where}` is an array of rows" if where else "an array of rows"

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        if not response.ok:  # an error the handler let through (ignored): its retriever tells what it means
            response.close()
            return
        what = describe_request(response)
        with tempfile.TemporaryFile() as spool:
            if not spool_body(response, spool):
                raise NotAnAnswer(f"{what}: Pinterest answered 200 with an empty body, not {self._shape}")
            rows = 0
            try:
                for row in ijson.items(spool, self._prefix, use_float=True):
                    if not isinstance(row, dict):
                        raise self._unusable(what, f"a row that is {sample(json.dumps(row))!r}", rows)
                    rows += 1
                    yield row
            except ijson.JSONError as error:
                spool.seek(0)
                text = sample(spool.read(200).decode("utf-8", "replace"))
                raise self._unusable(what, f"not JSON ({text!r})", rows) from error
            if not rows:
                self._check_empty(what, spool)

    def _unusable(self, what: str, problem: str, rows: int) -> Exception:
        message = f"{what}: Pinterest answered 200 with {problem}, not {self._shape}"
        if not rows:
            return NotAnAnswer(message)
        # Rows of this answer are out: asking again would emit them twice. The partition fails, its state stays.
        return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.system_error)

    def _check_empty(self, what: str, spool: IO[bytes]) -> None:
        """An answer without rows must still be the documented one: `[]`, or `{"data": []}` for breakdowns."""
        spool.seek(0)
        events = ijson.parse(spool)
        _, first, _ = next(events)
        if not self.field_path:
            if first == "start_array":
                return
        elif first == "start_map":
            inside = ".".join(self.field_path)
            if any(prefix == inside and event == "start_array" for prefix, event, _ in events):
                return
        spool.seek(0)
        body = spool.read(2000).decode("utf-8", "replace")
        try:
            problem = error_object(json.loads(body)) or repr(sample(body))
        except ValueError:
            problem = repr(sample(body))
        raise self._unusable(what, problem, 0)
