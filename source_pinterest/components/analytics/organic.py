"""Organic analytics (pin_analytics, user_account_analytics): daily rows of `/user_account/analytics`, and of
`/pins/analytics` (100 pins a request, a beta) or, when Pinterest refuses it to the app, `/pins/{pin_id}/analytics`.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from airbyte_cdk.sources.declarative.decoders import Decoder, JsonDecoder
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.types import Config, StreamSlice

from source_pinterest.components.analytics.base import AnalyticsRetriever, BetaRefused
from source_pinterest.components.pinterest_said import pinterest_message
from source_pinterest.components.refusals import multi_pin_refused
from source_pinterest.components.uses_sync import UsesSync
from source_pinterest.facts import DATE_CURSOR, paced_per_minute
from source_pinterest.settings import Settings

ORG_ANALYTICS_PER_MINUTE = paced_per_minute("org_analytics")  # as the api_budget paces it
logger = logging.getLogger("airbyte")


@dataclass
class OrganicAnalyticsRetriever(AnalyticsRetriever):
    """Organic analytics: days only, whatever `granularity` says; no reporting_timezone, no report history."""

    def _granularity(self, sync: Settings) -> str:
        return "DAY"


@dataclass
class PinAnalyticsRetriever(OrganicAnalyticsRetriever):
    """pin_analytics: a batch of pins through the multi-pin endpoint while it serves this app, else pin by pin."""

    def _organic_key(self) -> str | None:
        # The multi-pin beta is granted per organic account: the business of organic_ad_account_id, or the user.
        organic = self.config.get("organic_ad_account_id")
        return str(organic) if organic else None

    def _read_batch(
        self, records_schema: Mapping[str, Any], stream_slice: StreamSlice, extra: Mapping[str, Any]
    ) -> Iterator[Any]:
        """One batch of pins: through the multi-pin endpoint (a beta) while it serves this organic account, else
        pin by pin.

        The first batch of the sync decides for the organic account (its Sync's betas), while the others wait for its
        answer, so the decision and its log line happen once per account and sync."""
        key = self._organic_key()
        decided: list[Any] | None = None  # the rows of the deciding batch, read while the others wait
        if self.sync.betas.multi_pin(key) is None:
            with self._lock:
                if self.sync.betas.multi_pin(key) is None:
                    try:
                        decided = [
                            r
                            for request in self._multi_pin_requests(extra)
                            for r in self._read_one(records_schema, stream_slice, request)
                        ]  # one batch: at most 100 pins x 90 days per app type
                        self.sync.betas.decide_multi_pin(key, True)
                    except BetaRefused as refusal:
                        self.sync.betas.decide_multi_pin(key, False)
                        self._announce_fallback(stream_slice, extra, refusal)
        if decided is not None:
            yield from decided
            return
        if self.sync.betas.multi_pin(key):
            try:
                for request in self._multi_pin_requests(extra):
                    yield from self._read_one(records_schema, stream_slice, request)
                return
            except BetaRefused:  # closed after the first batch: the rest goes pin by pin (rows are keyed, none lost)
                self.sync.betas.decide_multi_pin(key, False)
        for request in self._per_pin_requests(extra):
            yield from self._read_one(records_schema, stream_slice, request)

    def _app_types(self) -> list[str]:
        return list(self.sync.settings.pin_app_types)

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
            f"{self.name}: Pinterest does not open /pins/analytics (multi-pin, beta) to this app for "
            f"{self._organic_key() or 'the user'}'s pins ({refusal.reason}). "
            f"Reading pin by pin through /pins/{{pin_id}}/analytics instead: about {calls} requests for {pins} pins "
            f"per 90 days, about {math.ceil(calls / ORG_ANALYTICS_PER_MINUTE)} minutes at the org_analytics limit "
            f"of {ORG_ANALYTICS_PER_MINUTE} a minute (the multi-pin endpoint needs "
            f"{math.ceil(pins / self.batch_size) * len(apps)}). The state is kept per batch of {self.batch_size} pins, "
            "so a sync cut short continues where it stopped."
        )

    def refusal(self, response: requests.Response) -> Exception | None:
        return (
            BetaRefused([], f"{response.status_code}: {pinterest_message(response)}")
            if multi_pin_refused(response)
            else None
        )


@dataclass
class DailyMetricsExtractor(UsesSync, RecordExtractor):
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
        wanted = set(self.sync.settings.pin_app_types)
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
                        row = {DATE_CURSOR: day.get("date"), "DATA_STATUS": day.get("data_status"), **metrics}
                        if pin_id is not None:
                            row["PIN_ID"] = str(pin_id)
                            row["APP_TYPE"] = app_type
                        yield row
