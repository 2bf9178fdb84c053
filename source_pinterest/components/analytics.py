"""The ads analytics streams: one partition (and state entry) per ad account, requests batched by id and date.

A partition is an ad account; the ids of its campaigns / ad groups / ads travel in the slice's `extra_fields`, so
the state stays one small entry per account. `AnalyticsRetriever` turns each (account, date window) slice into the
fewest requests the API accepts: windows of at most 90 days (3 for HOUR, whole weeks/months for WEEK/MONTH) times
batches of at most 250 ids, asking only for entities that can have data in the window.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any, NamedTuple

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

from source_pinterest.components.decoders import AnswerCutShort
from source_pinterest.components.partitions import NoRequestOptions, batched
from source_pinterest.components.reports import ReportRunner, build_report_body, report_windows
from source_pinterest.components.reports import catalogue as report_catalogue
from source_pinterest.components.reports.catalogue import catalogue  # the generated column catalogue, loaded once
from source_pinterest.components.windows import DAY, first_whole_day, request_windows

MAX_IDS_PER_REQUEST = 250
# The async report level that reports on the same objects as a sync analytics level.
REPORT_LEVELS = {"AD_ACCOUNT": "ADVERTISER", "CAMPAIGN": "CAMPAIGN", "AD_GROUP": "AD_GROUP", "AD": "PIN_PROMOTION"}
APP_TYPES = ("MOBILE", "TABLET", "WEB")
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


def _entity(child: StreamSlice) -> Entity:
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
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    accounts_partition_router: PartitionRouter | None = None
    underlying_partition_router: PartitionRouter | None = None
    ancestors_partition_router: PartitionRouter | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def stream_slices(self) -> Iterable[StreamSlice]:
        entities: dict[str, list[Entity | Lineage]] = {}
        if self.underlying_partition_router:
            for child in self.underlying_partition_router.stream_slices():
                account = str(child.partition["parent_slice"].get("ad_account_id", ""))
                entities.setdefault(account, []).append(_entity(child))
        ancestors: dict[str, Entity] = {}
        if self.ancestors_partition_router:
            for child in self.ancestors_partition_router.stream_slices():
                ancestor = _entity(child)
                ancestors[ancestor.id] = ancestor
        if ancestors:  # an entity carries its ancestors' facts, looked up once here
            entities = {
                account: [Lineage(e, tuple(ancestors[p] for p in e.parent_ids if p in ancestors)) for e in group]
                for account, group in entities.items()
            }
        if not self.accounts_partition_router:
            everything = tuple(e for group in entities.values() for e in group)
            yield StreamSlice(partition={}, cursor_slice={}, extra_fields={"entities": everything})
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
        # The CDK links a retriever's decoder to its requester's stream=True only for its own SimpleRetriever.
        if getattr(self.record_selector.extractor, "streams_response", False):
            self.requester.stream_response = True  # type: ignore[attr-defined]

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
                sub_slice = StreamSlice(
                    partition=stream_slice.partition, cursor_slice=stream_slice.cursor_slice, extra_fields=extra
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

    def _read_reports(
        self, stream_slice: StreamSlice, start: dt.date, end: dt.date, settings: AnalyticsSettings
    ) -> Iterator[Mapping[str, Any]]:
        assert self.reports is not None
        level = REPORT_LEVELS[self.level] + ("_TARGETING" if self.targeting else "")
        account = str(stream_slice.partition["ad_account_id"])
        id_column = LEVELS[self.level].id_column
        report_id_column = report_catalogue.id_column(level)
        for window_start, window_end in report_windows(start, end, level, settings.granularity, settings.today):
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
                targeting_types=report_targeting_types(self.level) if self.targeting else None,
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
        splits: list[dict[str, str]] = [{}]
        if self.targeting:
            # One type a request, though the API takes 14: 250 ad groups x 90 days x every value of every type
            # made single answers of 200k+ rows (gigabytes once decoded); per type they stay bounded.
            splits = [{"targeting_types": t} for t in catalogue()["targeting_types"][LEVELS[self.level].targeting_key]]
        elif self.per_app_type:  # the multi-pin endpoint cannot split by app type: one request per app type
            splits = [{"app_types": app} for app in APP_TYPES]
        for ids in id_batches:
            for split in splits:
                params = {**window, **split}
                if ids is not None:
                    params[self.ids_parameter] = ids
                yield {"params": params, "start_date": window["start_date"]}


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


def report_targeting_types(level: str) -> list[str]:
    """The level's targeting breakdowns that async reports also offer (campaigns' CREATIVE_TYPE and ads'
    QUIZ_RESULT exist only on the sync endpoints, so older days have no rows for them)."""
    offered = set(catalogue()["async_targeting_types"])
    return [t for t in catalogue()["targeting_types"][LEVELS[level].targeting_key] if t in offered]


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
        if record.get("TARGETING_VALUE") is not None:  # report files and LOCATION rows give numbers
            record["TARGETING_VALUE"] = str(record["TARGETING_VALUE"])
        id_column = LEVELS[self.level].id_column
        if record.get(id_column) is not None:
            record[id_column] = str(record[id_column])
        if not record.get("DATE") and stream_slice is not None:
            record["DATE"] = stream_slice.extra_fields.get("start_date")
        for column in self.config.get("analytics_columns") or ():
            record.setdefault(column, None)


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
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": True,
            "properties": properties,
        }


@dataclass
class DailyMetricsExtractor(RecordExtractor):
    """Rows of the organic analytics answers: `{"all": {"daily_metrics": [...]}}`, or one such map per pin id for
    the multi-pin endpoint. A row is `{date, data_status, metrics}`; days without any metric (before the pin
    existed, before the account was claimed) carry no data and are skipped."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    decoder: Decoder | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.by_pin = bool(parameters.get("by_pin"))
        self.decoder = self.decoder or JsonDecoder(parameters={})

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        assert self.decoder is not None
        for body in self.decoder.decode(response):
            groups = body.items() if self.by_pin else [(None, body)]
            for pin_id, group in groups:
                for day in (group.get("all") or {}).get("daily_metrics") or ():
                    metrics = day.get("metrics") or {}
                    if not metrics:
                        continue
                    row = {"DATE": day.get("date"), "DATA_STATUS": day.get("data_status"), **metrics}
                    if pin_id is not None:
                        row["PIN_ID"] = str(pin_id)
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
