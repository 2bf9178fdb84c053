"""Organic analytics (pin_analytics, user_account_analytics): daily rows of `/pins/analytics`,
`/pins/{pin_id}/analytics` and `/user_account/analytics`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from airbyte_cdk.sources.declarative.decoders import Decoder, JsonDecoder
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.types import Config

from source_pinterest.settings import settings

ORG_ANALYTICS_PER_MINUTE = 57  # the manifest's api_budget for org_analytics (95 % of Pinterest's 60)


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
        wanted = set(settings(self.config).pin_app_types)
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
