"""Targeting analytics (*_targeting_analytics): the ads analytics requests of a level broken down by the configured
targeting types, as many a request as the API takes; a BETA type Pinterest refuses is dropped for the rest of the
sync. Older days come from targeting reports, for the types reports offer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from airbyte_cdk.sources.types import StreamSlice

from source_pinterest.components import unreadable
from source_pinterest.components.analytics.ads import AdsAnalyticsRetriever
from source_pinterest.components.analytics.base import BetaRefused
from source_pinterest.components.errors import pinterest_message, refused_targeting_types
from source_pinterest.components.partitions import batched
from source_pinterest.components.reports import catalogue
from source_pinterest.facts import LEVELS, MAX_TARGETING_TYPES
from source_pinterest.settings import settings

logger = logging.getLogger("airbyte")


@dataclass
class TargetingAnalyticsRetriever(AdsAnalyticsRetriever):
    """An ads level's targeting analytics: each window and id batch once per group of targeting types."""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self._refused_types: set[str] = set()  # BETA targeting types Pinterest refused

    @property
    def targeting_key(self) -> str:
        return LEVELS[self.level].targeting_key

    def _read_batch(
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

    def _refusal(self, response: requests.Response) -> Exception | None:
        zone = super()._refusal(response)  # a refused reporting_timezone comes first: the request is repeated without
        if zone is not None:
            return zone
        refused = refused_targeting_types(response)
        return BetaRefused(refused, f"{response.status_code}: {pinterest_message(response)}") if refused else None

    def _report_level(self) -> str:
        return super()._report_level() + "_TARGETING"

    def _report_targeting_types(self) -> list[str]:
        # The sync's types that reports offer, less those Pinterest refused on the sync endpoint.
        return [t for t in report_targeting_types(self.level, self.config) if t not in self._refused_types]


def report_targeting_types(level: str, config: Mapping[str, Any] | None = None) -> list[str]:
    """The sync level's configured targeting breakdowns that async reports also offer: older days have rows for
    those only."""
    return catalogue.offered_by_reports(settings(config or {}).targeting_types[LEVELS[level].targeting_key])
