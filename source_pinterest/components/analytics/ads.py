"""Ads analytics (ad_account / campaign / ad_group / ad_analytics): the sync endpoints in the configured
reporting_timezone, and the days older than they reach from async reports at the same level.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import requests
from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.types import StreamSlice

from source_pinterest.components import timezone
from source_pinterest.components.analytics.base import AnalyticsRetriever, slice_days
from source_pinterest.components.pinterest_said import pinterest_message
from source_pinterest.components.refusals import timezone_refused
from source_pinterest.components.reports import ReportRunner
from source_pinterest.components.windows import DAY, first_whole_day
from source_pinterest.facts import LEVELS, report_id_column
from source_pinterest.settings import Settings


@dataclass
class AdsAnalyticsRetriever(AnalyticsRetriever):
    """An ads level's analytics (`$parameters.level`), requests in the configured reporting_timezone.

    With the report requesters, days older than the sync endpoints reach come from async reports at the same
    level, with the same columns, granularity and attribution, in rows of the same shape: the range is cut at the
    first day the sync endpoints serve whole, so the two parts neither overlap nor leave a gap.
    """

    creation_requester: Requester | None = None
    polling_requester: Requester | None = None
    download_requester: Requester | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self._reports: ReportRunner | None = None
        self._reports_lock = threading.Lock()
        self.level: str = parameters["level"]

    @property
    def reports(self) -> ReportRunner | None:
        """The runner of the days older than the sync endpoints reach, if the stream has report requesters (made on
        first use: the factory hands the retriever its Sync after building it)."""
        if not (self.creation_requester and self.polling_requester and self.download_requester):
            return None
        with self._reports_lock:
            if self._reports is None:
                self._reports = ReportRunner(
                    self.creation_requester, self.polling_requester, self.download_requester, self.sync
                )
            return self._reports

    def _settings(self, account: str | None = None) -> Settings:
        # The last day may depend on reporting_timezone, which each account takes or refuses.
        return replace(super()._settings(), today=self.sync.zone.last_day(account))

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: StreamSlice | None = None) -> Iterable[Any]:
        assert stream_slice is not None
        sync = self._settings(_account(stream_slice))
        start, end = slice_days(stream_slice)
        seam = first_whole_day(sync.granularity, sync.today)
        if self.reports and start < seam:
            yield from self._read_reports(stream_slice, start, min(end, seam - DAY), sync)
            start = seam
        yield from self._read_days(records_schema, stream_slice, start, end, sync)

    def _read_request(self, records_schema: Mapping[str, Any], sub_slice: StreamSlice) -> Iterable[Any]:
        """One request's rows, in the configured reporting_timezone while this account takes it."""
        account = _account(sub_slice)
        zone = self.sync.zone.value(account)
        if zone:
            params = {**sub_slice.extra_fields.get("params", {}), timezone.PARAMETER: zone}
            zoned = StreamSlice(
                partition=sub_slice.partition,
                cursor_slice=sub_slice.cursor_slice,
                extra_fields={**sub_slice.extra_fields, "params": params},
            )
            try:
                rows = iter(self._read_answer(records_schema, zoned))
                first = next(rows, None)  # a refusal raises before the first row
            except timezone.ZoneRefused as refusal:  # before any row: repeated without it
                params = sub_slice.extra_fields.get("params", {})
                request = f"{self.name} {params.get('start_date')}..{params.get('end_date')}"
                self.sync.zone.refuse(zone, str(refusal), account, request)
            else:
                self.sync.zone.served(account)
                if first is not None:
                    yield first
                    yield from rows
                return
        yield from self._read_answer(records_schema, sub_slice)

    def refusal(self, response: requests.Response) -> Exception | None:
        if timezone_refused(response):
            return timezone.ZoneRefused(f"{response.status_code}: {pinterest_message(response)}")
        return None

    def _report_level(self) -> str:
        return LEVELS[self.level].report_level

    def _report_targeting_types(self) -> list[str] | None:
        return None

    def _read_reports(
        self, stream_slice: StreamSlice, start: dt.date, end: dt.date, sync: Settings
    ) -> Iterator[Mapping[str, Any]]:
        assert self.reports is not None
        level = self._report_level()
        account = str(stream_slice.partition["ad_account_id"])
        id_column = LEVELS[self.level].id_column
        report_id = report_id_column(level)
        rows = self.reports.read(
            account,
            level,
            start,
            end,
            granularity=sync.granularity,
            today=sync.today,
            entities=stream_slice.extra_fields.get("entities"),
            late_days=sync.late_days,
            columns=sync.analytics_columns,
            targeting_types=self._report_targeting_types(),
            **sync.attribution,
        )
        for window_start, row in rows:
            request_slice = StreamSlice(
                partition=stream_slice.partition,
                cursor_slice=stream_slice.cursor_slice,
                extra_fields={"start_date": window_start.isoformat()},
            )
            row[id_column] = row.pop(report_id, row.get(id_column))  # ADVERTISER_ID -> AD_ACCOUNT_ID...
            for transformation in self.record_selector.transformations:
                transformation.transform(row, config=self.config, stream_slice=request_slice)  # type: ignore[arg-type]
            yield row


def _account(stream_slice: StreamSlice) -> str | None:
    account = stream_slice.partition.get("ad_account_id")
    return str(account) if account is not None else None
