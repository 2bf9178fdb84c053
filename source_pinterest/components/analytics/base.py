"""The ads analytics streams: one partition (and state entry) per ad account, requests batched by id and date.

A partition is an ad account; the ids of its campaigns / ad groups / ads travel in the slice's `extra_fields`, so
the state stays one small entry per account. `AnalyticsRetriever` turns each (account, date window) slice into the
fewest requests the API accepts: windows of at most 90 days (3 for HOUR, whole weeks/months for WEEK/MONTH) times
batches of at most 250 ids, asking only for entities that can have data in the window.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.request_options import RequestOptionsProvider
from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.declarative.retrievers.simple_retriever import SimpleRetriever
from airbyte_cdk.sources.types import StreamSlice, StreamState
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import timezone, unreadable
from source_pinterest.components.analytics.organic import ORG_ANALYTICS_PER_MINUTE
from source_pinterest.components.analytics.targeting import report_targeting_types
from source_pinterest.components.decoders import AnswerCutShort
from source_pinterest.components.entities import Entity, Lineage, _day
from source_pinterest.components.errors import (
    multi_pin_refused,
    pinterest_message,
    refused_targeting_types,
    timezone_refused,
)
from source_pinterest.components.partitions import NoRequestOptions, batched
from source_pinterest.components.reports import ReportRunner, build_report_body, report_windows
from source_pinterest.components.windows import DAY, first_whole_day, request_windows
from source_pinterest.facts import LEVELS, MAX_IDS_PER_REQUEST, MAX_TARGETING_TYPES, report_id_column
from source_pinterest.settings import Settings, settings

CUT_SHORT_ATTEMPTS = 4  # an answer whose connection broke mid-body is asked again this many times in all

logger = logging.getLogger("airbyte")


@dataclass
class AnalyticsRetriever(SimpleRetriever):
    """Reads one (ad account, date window) slice as windows × id batches × targeting-type chunks (or app types).

    Each request's own parameters (`start_date`, `end_date`, the comma-joined ids, `targeting_types` or
    `app_types`) reach the requester through the sub-slice's `extra_fields["params"]`.

    With the report requesters (ads levels), days older than the sync endpoints reach come from async reports at
    the same level, with the same columns, granularity and attribution, in rows of the same shape: the range is
    cut at the first day the sync endpoints serve whole, so the two parts neither overlap nor leave a gap.
    """

    creation_requester: Requester | None = None
    polling_requester: Requester | None = None
    download_requester: Requester | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self.reports: ReportRunner | None = None
        if self.creation_requester and self.polling_requester and self.download_requester:
            self.reports = ReportRunner.for_config(
                self.creation_requester, self.polling_requester, self.download_requester, self.config
            )
        self.level: str = parameters.get("level", "")
        self.targeting = bool(parameters.get("targeting"))
        self.batch_size = int(parameters.get("batch_size", MAX_IDS_PER_REQUEST))
        self.daily = bool(parameters.get("daily"))  # organic analytics: days only, whatever `granularity` says
        self.ids_parameter: str = parameters.get("ids_parameter", "")
        self.per_app_type = bool(parameters.get("per_app_type"))
        # The per-request values (dates, ids, targeting types) come from the sub-slice; the requester adds the rest.
        self.request_option_provider = SliceParameters()
        # What this sync learnt about the account, shared by the stream's partitions (one retriever per stream).
        self._lock = threading.Lock()
        self._refused_types: set[str] = set()  # BETA targeting types Pinterest refused
        self._multi_pin: bool | None = None  # whether /pins/analytics serves this app (decided by the first batch)
        # The CDK links a retriever's decoder to its requester's stream=True only for its own SimpleRetriever.
        if getattr(self.record_selector.extractor, "streams_response", False):
            self.requester.stream_response = True  # type: ignore[attr-defined]

    @property
    def targeting_key(self) -> str:
        return LEVELS[self.level].targeting_key

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: StreamSlice | None = None) -> Iterable[Any]:
        assert stream_slice is not None
        sync = settings(self.config)
        if self.level:  # ads levels: the last day may depend on reporting_timezone
            sync = replace(sync, today=timezone.last_day(self.config))
        start = _day(stream_slice.cursor_slice["start_time"])
        end = _day(stream_slice.cursor_slice["end_time"])
        assert start and end
        entities: tuple[Entity | Lineage, ...] | None = stream_slice.extra_fields.get("entities")
        granularity = "DAY" if self.daily else sync.granularity
        seam = first_whole_day(granularity, sync.today)
        if self.reports and start < seam:
            yield from self._read_reports(stream_slice, start, min(end, seam - DAY), sync)
            start = seam
        for window_start, window_end in request_windows(start, end, granularity, sync.today):
            for extra in self._requests(sync, window_start, window_end, entities):
                if self.targeting:
                    yield from self._read_targeting(records_schema, stream_slice, extra)
                elif self.per_app_type:
                    yield from self._read_pins(records_schema, stream_slice, extra)
                else:
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
        """One request's rows, ads levels in the configured reporting_timezone while Pinterest takes it."""
        zone = timezone.ZONE.value(self.config) if self.level else None
        if zone:
            params = {**sub_slice.extra_fields.get("params", {}), timezone.PARAMETER: zone}
            zoned = StreamSlice(
                partition=sub_slice.partition,
                cursor_slice=sub_slice.cursor_slice,
                extra_fields={**sub_slice.extra_fields, "params": params},
            )
            try:
                yield from self._read_answer(records_schema, zoned)
                return
            except timezone.ZoneRefused as refusal:  # before any row: repeated without it
                timezone.ZONE.refuse(zone, str(refusal))
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

    def _parse_response(
        self,
        response: requests.Response | None,
        records_schema: Mapping[str, Any],
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Any]:
        # The error handler lets refused betas through (ignored) so that they can be told from an empty answer.
        if response is not None and not response.ok:
            if timezone_refused(response):
                raise timezone.ZoneRefused(f"{response.status_code}: {pinterest_message(response)}")
            refused = refused_targeting_types(response) if self.targeting else []
            if refused or (self.per_app_type and multi_pin_refused(response)):
                raise BetaRefused(refused, f"{response.status_code}: {pinterest_message(response)}")
        yield from super()._parse_response(response, records_schema, stream_slice, next_page_token)

    # ------------------------------------------------------------------------------------------------ targeting
    def _read_targeting(
        self, records_schema: Mapping[str, Any], stream_slice: StreamSlice, extra: Mapping[str, Any]
    ) -> Iterator[Any]:
        """The wanted types in as few requests as the API takes; a type refused as BETA is dropped for the rest of
        the sync (one warning) and the request is repeated without it, so every other type stays exact."""
        most = MAX_TARGETING_TYPES[self.targeting_key]
        wanted = [t for t in self._targeting_types() if t not in self._refused_types]
        for group in batched(wanted, most):
            while group:
                params = {**extra["params"], "targeting_types": ",".join(group)}
                try:
                    yield from self._read_one(records_schema, stream_slice, {**extra, "params": params})
                    break
                except BetaRefused as refusal:
                    self._refuse_types(refusal)
                    group = [t for t in group if t not in self._refused_types]

    def _targeting_types(self) -> tuple[str, ...]:
        return settings(self.config).targeting_types[self.targeting_key]

    def _refuse_types(self, refusal: BetaRefused) -> None:
        with self._lock:
            new = [t for t in refusal.types if t not in self._refused_types]
            self._refused_types.update(new)
            everything_refused = set(self._targeting_types()) <= self._refused_types
        for targeting_type in new:
            logger.warning(
                f"{self.name}: Pinterest refuses targeting type {targeting_type} to this account ({refusal.reason}); "
                f"it is a BETA type, skipped for the rest of this sync, and every other type is read in full. Fix: "
                f"ask Pinterest to enable it, or leave it out of targeting_types.{self.targeting_key}."
            )
        if everything_refused:
            unreadable.note(
                self.name,
                f"Pinterest refuses every configured targeting type ({', '.join(sorted(self._refused_types))}) to "
                f"this account as BETA. Fix: choose other types in targeting_types.{self.targeting_key}, or leave "
                "it empty for every non-BETA type.",
            )

    # ------------------------------------------------------------------------------------------------ pins
    def _read_pins(
        self, records_schema: Mapping[str, Any], stream_slice: StreamSlice, extra: Mapping[str, Any]
    ) -> Iterator[Any]:
        """One batch of pins: through the multi-pin endpoint (a beta) while it serves this app, else pin by pin.

        The first batch of the sync decides, while the others wait for its answer, so the decision and its log
        line happen once per sync."""
        decided: list[Any] | None = None  # the rows of the deciding batch, read while the others wait
        if self._multi_pin is None:
            with self._lock:
                if self._multi_pin is None:
                    try:
                        decided = [
                            r
                            for request in self._multi_pin_requests(extra)
                            for r in self._read_one(records_schema, stream_slice, request)
                        ]  # one batch: at most 100 pins x 90 days per app type
                        self._multi_pin = True
                    except BetaRefused as refusal:
                        self._multi_pin = False
                        self._announce_fallback(stream_slice, extra, refusal)
        if decided is not None:
            yield from decided
            return
        if self._multi_pin:
            try:
                for request in self._multi_pin_requests(extra):
                    yield from self._read_one(records_schema, stream_slice, request)
                return
            except BetaRefused:  # closed after the first batch: the rest goes pin by pin (rows are keyed, none lost)
                self._multi_pin = False
        for request in self._per_pin_requests(extra):
            yield from self._read_one(records_schema, stream_slice, request)

    def _app_types(self) -> list[str]:
        return list(settings(self.config).pin_app_types)

    def _multi_pin_requests(self, extra: Mapping[str, Any]) -> list[dict[str, Any]]:
        # The multi-pin endpoint cannot split by app type: one request per app type and batch of 100 pins.
        return [{**extra, "params": {**extra["params"], "app_types": app}} for app in self._app_types()]

    def _per_pin_requests(self, extra: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Per pin: ALL in one request and the per-app rows in one more (split_field=APP_TYPE)."""
        window = {k: v for k, v in extra["params"].items() if k != self.ids_parameter}
        apps = self._app_types()
        for pin_id in extra["params"][self.ids_parameter].split(","):
            path = f"pins/{pin_id}/analytics"
            if "ALL" in apps:
                yield {**extra, "path": path, "params": {**window, "app_types": "ALL"}}
            if set(apps) - {"ALL"}:
                yield {**extra, "path": path, "params": {**window, "split_field": "APP_TYPE"}}

    def _announce_fallback(self, stream_slice: StreamSlice, extra: Mapping[str, Any], refusal: BetaRefused) -> None:
        pins = int(stream_slice.extra_fields.get("entities_total") or len(extra["params"][self.ids_parameter]))
        apps = self._app_types()
        per_pin = int("ALL" in apps) + int(bool(set(apps) - {"ALL"}))
        calls = pins * per_pin
        logger.warning(
            f"{self.name}: Pinterest does not open /pins/analytics (multi-pin, beta) to this app ({refusal.reason}). "
            f"Reading pin by pin through /pins/{{pin_id}}/analytics instead: about {calls} requests for {pins} pins "
            f"per 90 days, about {math.ceil(calls / ORG_ANALYTICS_PER_MINUTE)} minutes at the org_analytics limit "
            f"of {ORG_ANALYTICS_PER_MINUTE} a minute (the multi-pin endpoint needs "
            f"{math.ceil(pins / self.batch_size) * len(apps)}). The state is kept per batch of {self.batch_size} pins, "
            "so a sync cut short continues where it stopped."
        )

    def _read_reports(
        self, stream_slice: StreamSlice, start: dt.date, end: dt.date, sync: Settings
    ) -> Iterator[Mapping[str, Any]]:
        assert self.reports is not None
        level = LEVELS[self.level].report_level + ("_TARGETING" if self.targeting else "")
        account = str(stream_slice.partition["ad_account_id"])
        id_column = LEVELS[self.level].id_column
        report_id = report_id_column(level)
        entities: tuple[Entity | Lineage, ...] | None = stream_slice.extra_fields.get("entities")
        report_types = None
        if self.targeting:  # the sync's types that reports offer, less those Pinterest refused on the sync endpoint
            report_types = [t for t in report_targeting_types(self.level, self.config) if t not in self._refused_types]
        for window_start, window_end in report_windows(start, end, level, sync.granularity, today=sync.today):
            if entities is not None and not any(
                e.may_have_data(window_start, window_end, sync.late_days) for e in entities
            ):
                continue  # no job where no entity can have rows (an account without campaigns, a dormant year)
            body = build_report_body(
                level,
                window_start,
                window_end,
                columns=sync.analytics_columns,
                granularity=sync.granularity,
                targeting_types=report_types,
                **sync.attribution,
            )
            request_slice = StreamSlice(
                partition=stream_slice.partition,
                cursor_slice=stream_slice.cursor_slice,
                extra_fields={"start_date": window_start.isoformat()},
            )
            for row in self.reports.rows(account, body):
                row[id_column] = row.pop(report_id, row.get(id_column))  # ADVERTISER_ID -> AD_ACCOUNT_ID...
                for transformation in self.record_selector.transformations:
                    transformation.transform(row, config=self.config, stream_slice=request_slice)  # type: ignore[arg-type]
                yield row

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
