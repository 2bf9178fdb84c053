"""Declarative glue for report streams: a CustomRetriever around ReportRunner and a schema built from columns.

The stream's DatetimeBasedCursor (one state per ad account, lookback) hands each slice a date range; the
retriever cuts it into report windows (date limits from the facts), runs one job per window and emits its rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import InitVar, dataclass, field
from typing import Any

from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.declarative.retrievers.retriever import Retriever
from airbyte_cdk.sources.declarative.schema.schema_loader import SchemaLoader
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.types import Config, StreamSlice

from source_pinterest.components.analytics.rows import string_keys
from source_pinterest.components.entities import Entity, listed_entities, unlisted
from source_pinterest.components.readiness import ProvisionalDays, schema_properties
from source_pinterest.components.reports import custom, report_columns
from source_pinterest.components.reports.job_body import PASS_THROUGH
from source_pinterest.components.reports.runner import ReportRunner
from source_pinterest.components.uses_sync import UsesSync
from source_pinterest.settings import Settings, late_days


def report_settings(config: Mapping[str, Any], level: str = "", custom_report: str = "") -> dict[str, Any]:
    """What a stream asks for: a fixed level with default columns, or a custom report from the config."""
    if custom_report:
        report = dict(custom.find(config, custom_report))
        custom.fill_report_defaults(report)
        return report
    # The source-wide attribution settings (shared with the analytics streams) apply to the standard reports.
    attribution = Settings.from_config(config).attribution  # config only: no clock involved
    return {"level": level, "granularity": "DAY", "columns": report_columns.default_columns(), **attribution}


@dataclass
class ReportRetriever(UsesSync, Retriever):
    creation_requester: Requester
    polling_requester: Requester
    download_requester: Requester
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    level: str = ""
    custom_report: str = ""  # the `name` of an item of config['custom_reports'] (dynamic streams set it)
    runner: ReportRunner | None = field(default=None, repr=False)
    # The account's campaigns (every status): below the advertiser level a window where none of them can have
    # delivered has no rows, so it gets no report job (an account without campaigns gets none at all).
    campaigns_partition_router: PartitionRouter | None = None
    provisional_days: ProvisionalDays | None = None  # the readiness flags, with `mark_provisional_days`

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        # The stream's `$parameters.level`; a custom report has no `$parameters` (the CDK passes None).
        self.level = self.level or str((parameters or {}).get("level", ""))
        self.settings = report_settings(self.config, self.level, self.custom_report)
        self._campaigns: dict[str, list[Entity]] | None = None
        self._refused: dict[str, str] = {}  # accounts whose campaigns listing was refused: no window is theirs
        self._stream_name = str((parameters or {}).get("name") or self.custom_report or self.level)
        self._campaigns_lock = threading.Lock()  # partitions share this retriever across worker threads

    def _runner(self) -> ReportRunner:
        # Made on first use: the factory hands the retriever its Sync after building it.
        with self._campaigns_lock:
            if self.runner is None:
                self.runner = ReportRunner(
                    self.creation_requester, self.polling_requester, self.download_requester, self.sync
                )
            return self.runner

    def _campaigns_of(self, account: str) -> list[Entity] | None:
        """None when every window is asked for (advertiser levels, or no campaign router)."""
        if self.campaigns_partition_router is None or self.settings["level"].startswith("ADVERTISER"):
            return None
        with self._campaigns_lock:
            if self._campaigns is None:
                self._campaigns, self._refused = listed_entities(self.campaigns_partition_router, self.sync.unreadable)
            if account in self._refused:
                raise unlisted(self.sync.unreadable, self._stream_name, self._refused[account])
            return self._campaigns.get(account, [])

    def read_records(
        self, records_schema: Mapping[str, Any], stream_slice: StreamSlice | None = None
    ) -> Iterable[StreamData]:
        assert stream_slice is not None
        account = str(stream_slice.partition["ad_account_id"])
        s = self.settings
        level, granularity = s["level"], s["granularity"]
        options = {k: s[k] for k in PASS_THROUGH if s.get(k) not in (None, [])}
        rows = self._runner().read(
            account,
            level,
            stream_slice.cursor_slice["start_time"],
            stream_slice.cursor_slice["end_time"],
            granularity=granularity,
            today=self.sync.zone.last_day(account),
            entities=self._campaigns_of(account),
            late_days=late_days(s),
            columns=s["columns"],
            click_window_days=s.get("click_window_days"),
            engagement_window_days=s.get("engagement_window_days"),
            view_window_days=s.get("view_window_days"),
            conversion_report_time=s.get("conversion_report_time"),
            targeting_types=s.get("targeting_types"),
            **options,
        )
        for _, row in rows:
            row["AD_ACCOUNT_ID"] = account
            string_keys(row, ("TARGETING_VALUE",))
            if self.provisional_days:
                self.provisional_days.flag(row, granularity)
            yield row


@dataclass
class ReportSchemaLoader(SchemaLoader):
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    level: str = ""
    custom_report: str = ""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.level = self.level or str((parameters or {}).get("level", ""))

    def get_json_schema(self) -> Mapping[str, Any]:
        settings = report_settings(self.config, self.level, self.custom_report)
        schema = report_columns.json_schema(settings["level"], list(settings["columns"]))
        return {**schema, "properties": {**schema["properties"], **schema_properties(self.config)}}
