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
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.decoders import Decoder, JsonDecoder
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.declarative.requesters.request_options import RequestOptionsProvider
from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.declarative.retrievers.simple_retriever import SimpleRetriever
from airbyte_cdk.sources.declarative.schema.schema_loader import SchemaLoader
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import readiness, unreadable
from source_pinterest.components.config import PIN_APP_TYPES, targeting_types
from source_pinterest.components.decoders import AnswerCutShort
from source_pinterest.components.errors import multi_pin_refused, pinterest_message, refused_targeting_types
from source_pinterest.components.partitions import NoRequestOptions, batched
from source_pinterest.components.reports import ReportRunner, build_report_body, report_windows
from source_pinterest.components.reports import catalogue as report_catalogue
from source_pinterest.components.reports.catalogue import catalogue  # the generated column catalogue, loaded once
from source_pinterest.components.windows import DAY, first_whole_day, request_windows

MAX_IDS_PER_REQUEST = 250
# The async report level that reports on the same objects as a sync analytics level.
REPORT_LEVELS = {"AD_ACCOUNT": "ADVERTISER", "CAMPAIGN": "CAMPAIGN", "AD_GROUP": "AD_GROUP", "AD": "PIN_PROMOTION"}
APP_TYPES = tuple(PIN_APP_TYPES)  # ALL (Pinterest's totals) and the per-app split
ORG_ANALYTICS_PER_MINUTE = 57  # the manifest's api_budget for org_analytics (95 % of Pinterest's 60)
logger = logging.getLogger("airbyte")
NEVER_DELIVERS = frozenset({"DRAFT", "DELETED_DRAFT"})
STOPPED = frozenset({"PAUSED", "ARCHIVED"})
CUT_SHORT_ATTEMPTS = 4  # an answer whose connection broke mid-body is asked again this many times in all

logger = logging.getLogger("airbyte")


class Level(NamedTuple):
    id_column: str
    ids_parameter: str | None  # None: the endpoint reports on the ad account itself
    targeting_key: str  # key of analytics_catalogue.json's targeting_types


LEVELS: Mapping[str, Level] = {
    "AD_ACCOUNT": Level("AD_ACCOUNT_ID", None, "ad_account"),
    "CAMPAIGN": Level("CAMPAIGN_ID", "campaign_ids", "campaign"),
    "AD_GROUP": Level("AD_GROUP_ID", "ad_group_ids", "ad_group"),
    "AD": Level("AD_ID", "ad_ids", "ad"),
}


def _day(value: Any) -> dt.date | None:
    """A date from Unix seconds (entity timestamps) or an ISO string (cursor slices)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) or str(value).isdigit():
        return dt.datetime.fromtimestamp(int(value), dt.timezone.utc).date()
    return dt.date.fromisoformat(str(value)[:10])


class Entity(NamedTuple):
    """What decides whether a campaign / ad group / ad can have analytics rows on a given day."""

    id: str
    created: dt.date | None
    status: str | None
    updated: dt.date | None
    parent_ids: tuple[str, ...] = ()  # its campaign and ad group, which must be able to deliver too
    ends: dt.date | None = None  # the day of its scheduled `end_time` (campaigns, ad groups)

    def may_have_data(self, start: dt.date, end: dt.date, late_days: int) -> bool:
        """False only when no row can exist in [start, end]: never-delivering drafts, objects created after the
        window, objects whose schedule ended before it (an ACTIVE campaign past its `end_time` is COMPLETED and
        no longer delivers), and objects paused or archived since before it (a status change moves
        `updated_time`, so an object in such a status with an older `updated_time` has not delivered since).
        `late_days` extends the last two when conversions are dated at conversion time rather than at the ad
        action."""
        if self.status in NEVER_DELIVERS:
            return False
        if self.created and self.created > end:
            return False
        if self.ends and self.ends + dt.timedelta(days=late_days) < start:
            return False
        if self.status in STOPPED and self.updated:
            return self.updated + dt.timedelta(days=late_days) >= start
        return True


def entity_of(child: StreamSlice) -> Entity:
    """The Entity of a child slice of an analytics parent (its extra fields)."""
    extra = child.extra_fields
    return Entity(
        str(child.partition["id"]),
        _day(extra.get("created_time") or extra.get("created_at")),
        extra.get("status"),
        _day(extra.get("updated_time")),
        tuple(str(extra[key]) for key in ("campaign_id", "ad_group_id") if extra.get(key)),
        _day(extra.get("end_time")),
    )


class Lineage(NamedTuple):
    """An entity with its campaign and ad group: it can deliver only on days they all can."""

    entity: Entity
    ancestors: tuple[Entity, ...]

    @property
    def id(self) -> str:
        return self.entity.id

    def may_have_data(self, start: dt.date, end: dt.date, late_days: int) -> bool:
        return all(e.may_have_data(start, end, late_days) for e in (self.entity, *self.ancestors))


@dataclass
class EntitiesRouter(NoRequestOptions, PartitionRouter):
    """One partition per ad account (or a single one without `accounts_partition_router`), carrying in
    `extra_fields["entities"]` the entities analytics are asked for, if any.

    `underlying_partition_router` (the name the CDK looks for when it caches and pre-lists parents) is a
    SubstreamPartitionRouter over an entity stream that copies its timestamps and `status` into each child's extra
    fields (`created_time`/`updated_time` or, for pins, `created_at`), and for ad groups and ads their
    `campaign_id` / `ad_group_id`. `ancestors_partition_router` lists those campaigns and ad groups the same way:
    an ad is asked for only if it, its ad group and its campaign can all have delivered in the window.

    Without ad accounts (pins), `entities_per_partition` cuts the entities, sorted by id, into partitions of that
    many, keyed `{"pins": "<first id>..<last id>"}`, so the state holds one entry per batch and a cut sync
    resumes at the first unfinished batch. A key is reused only for the very same ids (ids only grow), so no
    batch can inherit a cursor that another set of pins earned.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    accounts_partition_router: PartitionRouter | None = None
    underlying_partition_router: PartitionRouter | None = None
    ancestors_partition_router: PartitionRouter | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.entities_per_partition = int(parameters.get("entities_per_partition") or 0)

    def stream_slices(self) -> Iterable[StreamSlice]:
        entities: dict[str, list[Entity | Lineage]] = {}
        if self.underlying_partition_router:
            for child in self.underlying_partition_router.stream_slices():
                account = str(child.partition["parent_slice"].get("ad_account_id", ""))
                entities.setdefault(account, []).append(entity_of(child))
        ancestors: dict[str, Entity] = {}
        if self.ancestors_partition_router:
            for child in self.ancestors_partition_router.stream_slices():
                ancestor = entity_of(child)
                ancestors[ancestor.id] = ancestor
        if ancestors:  # an entity carries its ancestors' facts, looked up once here
            entities = {
                account: [Lineage(e, tuple(ancestors[p] for p in e.parent_ids if p in ancestors)) for e in group]
                for account, group in entities.items()
            }
        if not self.accounts_partition_router:
            everything = tuple(e for group in entities.values() for e in group)
            if not self.entities_per_partition:
                yield StreamSlice(partition={}, cursor_slice={}, extra_fields={"entities": everything})
                return
            ordered = sorted(everything, key=lambda e: (len(e.id), e.id))  # numeric order of digit strings
            for batch in batched(ordered, self.entities_per_partition):
                key = f"{batch[0].id}..{batch[-1].id}"
                extra = {"entities": tuple(batch), "entities_total": len(ordered)}
                yield StreamSlice(partition={"pins": key}, cursor_slice={}, extra_fields=extra)
            return
        for account_slice in self.accounts_partition_router.stream_slices():
            account = str(account_slice.partition["ad_account_id"])
            extra = {"entities": tuple(entities.get(account, ()))} if self.underlying_partition_router else {}
            yield StreamSlice(partition={"ad_account_id": account}, cursor_slice={}, extra_fields=extra)

    def get_stream_state(self) -> StreamState | None:
        return None


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
        settings = AnalyticsSettings.from_config(self.config)
        start = _day(stream_slice.cursor_slice["start_time"])
        end = _day(stream_slice.cursor_slice["end_time"])
        assert start and end
        entities: tuple[Entity | Lineage, ...] | None = stream_slice.extra_fields.get("entities")
        granularity = "DAY" if self.daily else settings.granularity
        seam = first_whole_day(granularity, settings.today)
        if self.reports and start < seam:
            yield from self._read_reports(stream_slice, start, min(end, seam - DAY), settings)
            start = seam
        for window_start, window_end in request_windows(start, end, granularity, settings.today):
            for extra in self._requests(settings, window_start, window_end, entities):
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
        most = catalogue()["targeting_max_types"][self.targeting_key]
        wanted = [t for t in targeting_types(self.config, self.targeting_key) if t not in self._refused_types]
        for group in batched(wanted, most):
            while group:
                params = {**extra["params"], "targeting_types": ",".join(group)}
                try:
                    yield from self._read_one(records_schema, stream_slice, {**extra, "params": params})
                    break
                except BetaRefused as refusal:
                    self._refuse_types(refusal)
                    group = [t for t in group if t not in self._refused_types]

    def _refuse_types(self, refusal: BetaRefused) -> None:
        with self._lock:
            new = [t for t in refusal.types if t not in self._refused_types]
            self._refused_types.update(new)
            everything_refused = set(targeting_types(self.config, self.targeting_key)) <= self._refused_types
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
        return list(self.config.get("pin_app_types") or APP_TYPES)

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
        self, stream_slice: StreamSlice, start: dt.date, end: dt.date, settings: AnalyticsSettings
    ) -> Iterator[Mapping[str, Any]]:
        assert self.reports is not None
        level = REPORT_LEVELS[self.level] + ("_TARGETING" if self.targeting else "")
        account = str(stream_slice.partition["ad_account_id"])
        id_column = LEVELS[self.level].id_column
        report_id_column = report_catalogue.id_column(level)
        entities: tuple[Entity | Lineage, ...] | None = stream_slice.extra_fields.get("entities")
        report_types = None
        if self.targeting:  # the sync's types that reports offer, less those Pinterest refused on the sync endpoint
            report_types = [t for t in report_targeting_types(self.level, self.config) if t not in self._refused_types]
        for window_start, window_end in report_windows(start, end, level, settings.granularity, settings.today):
            if entities is not None and not any(
                e.may_have_data(window_start, window_end, settings.late_days) for e in entities
            ):
                continue  # no job where no entity can have rows (an account without campaigns, a dormant year)
            body = build_report_body(
                level,
                window_start,
                window_end,
                columns=settings.columns,
                granularity=settings.granularity,
                click_window_days=self.config.get("click_window_days"),
                engagement_window_days=self.config.get("engagement_window_days"),
                view_window_days=self.config.get("view_window_days"),
                conversion_report_time=self.config.get("conversion_report_time"),
                targeting_types=report_types,
            )
            request_slice = StreamSlice(
                partition=stream_slice.partition,
                cursor_slice=stream_slice.cursor_slice,
                extra_fields={"start_date": window_start.isoformat()},
            )
            for row in self.reports.rows(account, body):
                row[id_column] = row.pop(report_id_column, row.get(id_column))  # ADVERTISER_ID -> AD_ACCOUNT_ID...
                for transformation in self.record_selector.transformations:
                    transformation.transform(row, config=self.config, stream_slice=request_slice)  # type: ignore[arg-type]
                yield row

    def _requests(
        self, settings: AnalyticsSettings, start: dt.date, end: dt.date, entities: tuple[Entity | Lineage, ...] | None
    ) -> Iterator[dict[str, Any]]:
        window = {"start_date": start.isoformat(), "end_date": end.isoformat()}
        if entities is None:
            id_batches: list[str | None] = [None]
        else:
            live = sorted(e.id for e in entities if e.may_have_data(start, end, settings.late_days))
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


def report_targeting_types(level: str, config: Mapping[str, Any] | None = None) -> list[str]:
    """The level's configured targeting breakdowns that async reports also offer (campaigns' CREATIVE_TYPE and ads'
    QUIZ_RESULT exist only on the sync endpoints, so older days have no rows for them)."""
    offered = set(catalogue()["async_targeting_types"])
    return [t for t in targeting_types(config or {}, LEVELS[level].targeting_key) if t in offered]


@dataclass(frozen=True)
class AnalyticsSettings:
    granularity: str
    columns: tuple[str, ...]
    late_days: int  # how long after its last ad action an entity can still get rows
    today: dt.date

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AnalyticsSettings:
        late_days = 0
        if config.get("conversion_report_time") == "TIME_OF_CONVERSION":
            late_days = max(
                int(config.get(k, 0)) for k in ("click_window_days", "engagement_window_days", "view_window_days")
            )
        return cls(
            granularity=config.get("granularity", "DAY"),
            columns=tuple(config.get("analytics_columns") or ()),
            late_days=late_days,
            today=dt.datetime.now(dt.timezone.utc).date(),
        )


@dataclass
class AnalyticsRow(RecordTransformation):
    """Shapes a response row into the stream's schema.

    Targeting rows nest their metrics and name their dimension in lower case; they are flattened and the dimension
    becomes `TARGETING_TYPE` / `TARGETING_VALUE` (a string: LOCATION values come back as numbers). Every configured
    column is present (null when Pinterest left it out of a sparse row), and TOTAL rows, which have no `DATE`, are
    dated with the first day they total.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.level: str = parameters["level"]
        # Looked up once: this runs for every row (benchmarks/report.md, per-record profile).
        self._id_column = LEVELS[self.level].id_column
        self._columns = frozenset(self.config.get("analytics_columns") or ())

    def transform(
        self,
        record: MutableMapping[str, Any],
        config: Config | None = None,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> None:
        metrics = record.pop("metrics", None)
        if metrics is not None:
            record["TARGETING_TYPE"] = record.pop("targeting_type", None)
            record["TARGETING_VALUE"] = record.pop("targeting_value", None)
            record.update(metrics)
        value = record.get("TARGETING_VALUE")
        if value is not None and type(value) is not str:  # report files and LOCATION rows give numbers
            record["TARGETING_VALUE"] = str(value)
        value = record.get(self._id_column)
        if value is not None and type(value) is not str:
            record[self._id_column] = str(value)
        if not record.get("DATE") and stream_slice is not None:
            record["DATE"] = stream_slice.extra_fields.get("start_date")
        if not record.keys() >= self._columns:  # a sparse row: the missing columns become null
            for column in self._columns - record.keys():
                record[column] = None


@dataclass
class AnalyticsSchemaLoader(SchemaLoader):
    """The stream's schema from the configured columns, typed by the OpenAPI column catalogue."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.level: str = parameters["level"]
        self.targeting = bool(parameters.get("targeting"))
        self._types: Mapping[str, str] = catalogue()["sync_columns"]

    def get_json_schema(self) -> Mapping[str, Any]:
        id_column = LEVELS[self.level].id_column
        keys = [id_column, "DATE"] + (["TARGETING_TYPE", "TARGETING_VALUE"] if self.targeting else [])
        properties: dict[str, Any] = {key: {"type": "string"} for key in keys}
        properties["DATE"] = {"type": "string", "format": "date"}
        if self.config.get("granularity") == "HOUR":
            properties["DATE"] = {"type": "string"}  # "YYYY-MM-DDTHH:00:00", no offset
        for column in self.config.get("analytics_columns") or ():
            if column not in properties:
                properties[column] = {"type": [self._types.get(column, "string"), "null"]}
        properties.update(readiness.schema_properties(self.config))
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": True,
            "properties": properties,
        }


@dataclass
class DailyMetricsExtractor(RecordExtractor):
    """Rows of the organic analytics answers: `{"all": {"daily_metrics": [...]}}`, one such map per pin id for
    the multi-pin endpoint, or, for one pin split by app type, `{"MOBILE": {...}, "TABLET": {...}, "WEB": {...}}`.
    A row is `{date, data_status, metrics}`; days without any metric (before the pin existed, before the account
    was claimed) carry no data and are skipped.

    Pin rows get `PIN_ID` (the map's key, or the pin of the `/pins/{pin_id}/analytics` URL) and `APP_TYPE`: the
    split's key, or for "all" the `app_types` the request asked for (ALL when it asked for none). Only the
    configured `pin_app_types` are kept."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    decoder: Decoder | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.by_pin = bool(parameters.get("by_pin"))
        self.decoder = self.decoder or JsonDecoder(parameters={})

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        assert self.decoder is not None
        url = urlsplit(str(response.request.url if response.request is not None else response.url))
        one_pin = re.search(r"/pins/([^/]+)/analytics$", url.path)
        asked = parse_qs(url.query).get("app_types", ["ALL"])[0]
        wanted = set(self.config.get("pin_app_types") or APP_TYPES)
        for body in self.decoder.decode(response):
            if not self.by_pin:
                pins = [(None, body)]
            elif one_pin:
                pins = [(one_pin[1], body)]
            else:
                pins = list(body.items())
            for pin_id, blocks in pins:
                for key, block in blocks.items():
                    app_type = asked if key == "all" else key
                    if key != "all" and (pin_id is None or app_type not in wanted):
                        continue
                    for day in (block or {}).get("daily_metrics") or ():
                        metrics = day.get("metrics") or {}
                        if not metrics:
                            continue
                        row = {"DATE": day.get("date"), "DATA_STATUS": day.get("data_status"), **metrics}
                        if pin_id is not None:
                            row["PIN_ID"] = str(pin_id)
                            row["APP_TYPE"] = app_type
                        yield row


@dataclass
class OrganicSchemaLoader(SchemaLoader):
    """pin_analytics / user_account_analytics: one row per (pin,) day with the requested metrics."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.by_pin = bool(parameters.get("by_pin"))

    def get_json_schema(self) -> Mapping[str, Any]:
        properties: dict[str, Any] = {
            "DATE": {"type": "string", "format": "date"},
            "DATA_STATUS": {"type": ["string", "null"]},
        }
        if self.by_pin:
            properties["PIN_ID"] = {"type": "string"}
            properties["APP_TYPE"] = {"type": "string"}
            metrics = self.config.get("pin_metric_types") or ()
        else:
            metrics = catalogue()["user_account_metric_types"]
        for metric in metrics:
            properties[metric] = {"type": ["number", "null"]}
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": True,
            "properties": properties,
        }
