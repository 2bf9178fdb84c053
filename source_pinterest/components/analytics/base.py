"""The shared retriever of the analytics streams: one slice (a partition and a date window) read as the fewest
requests the API accepts.

A partition is an ad account (or a batch of pins); the entities to ask about travel in its `extra_fields`, so the
state stays one small entry per partition. `AnalyticsRetriever` cuts the slice into request windows (at most 90
days, 3 for HOUR, whole weeks/months for WEEK/MONTH) times batches of at most `batch_size` ids, asking only for
entities that can have data in the window (`components/entities.py`). Each kind adds its own requests per batch:
`ads` (reporting_timezone, report history), `targeting` (targeting types), `organic` (app types, pin by pin).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.request_options import RequestOptionsProvider
from airbyte_cdk.sources.types import StreamSlice, StreamState
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components.cdk_internals import RefusalHook
from source_pinterest.components.decoders import AnswerCutShort
from source_pinterest.components.entities import Entity, Lineage, as_day
from source_pinterest.components.partitions import NoRequestOptions, batched
from source_pinterest.components.uses_sync import UsesSync
from source_pinterest.components.windows import request_windows
from source_pinterest.facts import LEVELS, MAX_IDS_PER_REQUEST
from source_pinterest.settings import Settings

CUT_SHORT_ATTEMPTS = 4  # an answer whose connection broke mid-body is asked again this many times in all

logger = logging.getLogger("airbyte")


@dataclass
class AnalyticsRetriever(UsesSync, RefusalHook):
    """Reads one slice as request windows × id batches; `_read_batch` turns a batch into its requests.

    Each request's own parameters (`start_date`, `end_date`, the comma-joined ids, and what a kind adds) reach the
    requester through the sub-slice's `extra_fields["params"]`.
    """

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self.batch_size = int(parameters.get("batch_size", MAX_IDS_PER_REQUEST))
        # Ads levels: the level's (none for AD_ACCOUNT); pin_analytics names its own.
        level = LEVELS.get(str(parameters.get("level", "")))
        self.ids_parameter: str = parameters.get("ids_parameter") or (level.ids_parameter if level else None) or ""
        # The per-request values (dates, ids, targeting types) come from the sub-slice; the requester adds the rest.
        self.request_option_provider = SliceParameters()
        # What this sync learns about the account is shared by the stream's partitions (one retriever per stream).
        self._lock = threading.Lock()
        # The CDK links a retriever's decoder to its requester's stream=True only for its own SimpleRetriever.
        if getattr(self.record_selector.extractor, "streams_response", False):
            self.requester.stream_response = True  # type: ignore[attr-defined]

    def _settings(self) -> Settings:
        return self.sync.settings

    def _granularity(self, sync: Settings) -> str:
        return sync.granularity

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: StreamSlice | None = None) -> Iterable[Any]:
        assert stream_slice is not None
        yield from self._read_days(records_schema, stream_slice, *slice_days(stream_slice), self._settings())

    def _read_days(
        self, records_schema: Mapping[str, Any], stream_slice: StreamSlice, start: dt.date, end: dt.date, sync: Settings
    ) -> Iterable[Any]:
        """The days the sync endpoints serve, from `start` to `end`."""
        entities: tuple[Entity | Lineage, ...] | None = stream_slice.extra_fields.get("entities")
        for window_start, window_end in request_windows(start, end, self._granularity(sync), sync.today):
            for extra in self._requests(sync, window_start, window_end, entities):
                yield from self._read_batch(records_schema, stream_slice, extra)

    def _read_batch(
        self, records_schema: Mapping[str, Any], stream_slice: StreamSlice, extra: Mapping[str, Any]
    ) -> Iterable[Any]:
        """One window and id batch: a single request unless a kind splits it."""
        yield from self._read_one(records_schema, stream_slice, extra)

    def _read_one(
        self, records_schema: Mapping[str, Any], stream_slice: StreamSlice, extra: Mapping[str, Any]
    ) -> Iterable[Any]:
        """One request, its own values in the sub-slice's extra fields (`params`, and `path` for per-pin URLs)."""
        sub_slice = StreamSlice(
            partition=stream_slice.partition, cursor_slice=stream_slice.cursor_slice, extra_fields=dict(extra)
        )
        yield from self._read_request(records_schema, sub_slice)

    def _read_request(self, records_schema: Mapping[str, Any], sub_slice: StreamSlice) -> Iterable[Any]:
        yield from self._read_answer(records_schema, sub_slice)

    def _read_answer(self, records_schema: Mapping[str, Any], sub_slice: StreamSlice) -> Iterable[Any]:
        """One request's rows. An answer cut short raises before its first row (StreamedRows spools it whole
        first), so asking again cannot emit a row twice."""
        for attempt in range(1, CUT_SHORT_ATTEMPTS + 1):
            try:
                yield from super().read_records(records_schema, sub_slice)
                return
            except AnswerCutShort as error:
                if attempt == CUT_SHORT_ATTEMPTS:
                    raise AirbyteTracedException(
                        message=f"Pinterest's answer was cut short {attempt} times in a row ({error}). The state "
                        "keeps what was read; the next sync continues from there.",
                        internal_message=repr(error.__cause__),
                        failure_type=FailureType.transient_error,
                    ) from error
                logger.warning(f"{error}; asking again in {attempt} s (attempt {attempt + 1}/{CUT_SHORT_ATTEMPTS}).")
                time.sleep(attempt)

    def refusal(self, response: requests.Response) -> Exception | None:
        """What a kind's refused beta raises (before any row), or None for an ordinary error answer. The error
        handler lets refused betas through (ignored) so that they can be told from an empty answer."""
        return None

    def _requests(
        self, sync: Settings, start: dt.date, end: dt.date, entities: tuple[Entity | Lineage, ...] | None
    ) -> Iterator[dict[str, Any]]:
        window = {"start_date": start.isoformat(), "end_date": end.isoformat()}
        if entities is None:
            id_batches: list[str | None] = [None]
        else:
            live = sorted(e.id for e in entities if e.may_have_data(start, end, sync.late_days))
            id_batches = [",".join(batch) for batch in batched(live, self.batch_size)]
        for ids in id_batches:  # targeting types and app types are added per request by the readers above
            params = dict(window)
            if ids is not None:
                params[self.ids_parameter] = ids
            yield {"params": params, "start_date": window["start_date"]}


def slice_days(stream_slice: StreamSlice) -> tuple[dt.date, dt.date]:
    """The first and last day of a cursor slice."""
    start, end = as_day(stream_slice.cursor_slice["start_time"]), as_day(stream_slice.cursor_slice["end_time"])
    assert start and end
    return start, end


class BetaRefused(Exception):
    """Pinterest refused a beta to this account or app: BETA targeting `types`, or the multi-pin endpoint."""

    def __init__(self, types: list[str], reason: str) -> None:
        super().__init__(reason)
        self.types = types
        self.reason = reason


class SliceParameters(NoRequestOptions, RequestOptionsProvider):
    """Query parameters carried by the slice (`extra_fields["params"]`)."""

    def get_request_params(
        self,
        *,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        return dict(stream_slice.extra_fields.get("params", {})) if stream_slice else {}
