"""Targeting analytics (*_targeting_analytics): the ads analytics requests of a level broken down by the configured
targeting types, as many a request as the API takes; a BETA type an ad account refuses is dropped for that account
for the rest of the sync. Older days come from targeting reports, for the types reports offer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from airbyte_cdk.sources.types import StreamSlice

from source_pinterest.components.analytics.ads import AdsAnalyticsRetriever
from source_pinterest.components.analytics.base import BetaRefused
from source_pinterest.components.partitions import batched
from source_pinterest.components.pinterest_said import pinterest_message
from source_pinterest.components.refusals import refused_targeting_types
from source_pinterest.components.reports import report_columns
from source_pinterest.facts import LEVELS, MAX_TARGETING_TYPES
from source_pinterest.settings import Settings

logger = logging.getLogger("airbyte")


@dataclass
class TargetingAnalyticsRetriever(AdsAnalyticsRetriever):
    """An ads level's targeting analytics: each window and id batch once per group of targeting types."""

    @property
    def targeting_key(self) -> str:
        return LEVELS[self.level].targeting_key

    def _read_batch(
        self, records_schema: Mapping[str, Any], stream_slice: StreamSlice, extra: Mapping[str, Any]
    ) -> Iterator[Any]:
        """The wanted types in as few requests as the API takes; a type this ad account refuses (BETA) is dropped
        for that account for the rest of the sync (one warning) and the request is repeated without it, so every
        other type stays exact. Other accounts keep every type they serve."""
        account = str(stream_slice.partition["ad_account_id"])
        scope = self.targeting_key
        most = MAX_TARGETING_TYPES[scope]
        pending = [list(g) for g in batched(self.sync.betas.usable(account, scope, self._targeting_types()), most)]
        while pending:
            group = self.sync.betas.usable(account, scope, pending.pop(0))
            if not group:
                continue
            params = {**extra["params"], "targeting_types": ",".join(group)}
            try:
                yield from self._read_one(records_schema, stream_slice, {**extra, "params": params})
            except BetaRefused as refusal:  # before any row of the request
                if len(group) > 1 and set(group) <= set(refusal.types):
                    # Every type named: the message cannot say which are refused, so ask for each alone.
                    pending[:0] = [[t] for t in group]
                    continue
                self._refuse_types(account, refusal)
                rest = [t for t in group if t not in refusal.types]
                if rest:
                    pending.insert(0, rest)

    def _targeting_types(self) -> tuple[str, ...]:
        return self.sync.settings.targeting_types[self.targeting_key]

    def _refuse_types(self, account: str, refusal: BetaRefused) -> None:
        scope = self.targeting_key
        for targeting_type in self.sync.betas.refuse_types(account, scope, refusal.types):
            logger.warning(
                f"{self.name}: Pinterest refuses targeting type {targeting_type} to ad account {account} "
                f"({refusal.reason}); it is a BETA type, skipped for this account for the rest of this sync (other "
                f"accounts are not affected), and every other type is read in full. Fix: ask Pinterest to enable "
                f"it for this account, or leave it out of targeting_types.{scope}."
            )
        if not self.sync.betas.usable(account, scope, self._targeting_types()):
            self.sync.unreadable.note(
                self.name,
                f"Pinterest refuses every configured targeting type ({', '.join(self._targeting_types())}) to ad "
                f"account {account} as BETA. Fix: choose other types in targeting_types.{scope}, or leave it empty "
                "for every non-BETA type.",
            )

    def refusal(self, response: requests.Response) -> Exception | None:
        zone = super().refusal(response)  # a refused reporting_timezone comes first: the request is repeated without
        if zone is not None:
            return zone
        refused = refused_targeting_types(response)
        return BetaRefused(refused, f"{response.status_code}: {pinterest_message(response)}") if refused else None

    def _report_level(self) -> str:
        return super()._report_level() + "_TARGETING"

    def _report_targeting_types(self) -> list[str]:
        # The sync's types that reports offer; the report runner leaves out those this account refused.
        return report_targeting_types(self.level, self.config)


def report_targeting_types(level: str, config: Mapping[str, Any] | None = None) -> list[str]:
    """The sync level's configured targeting breakdowns that async reports also offer: older days have rows for
    those only."""
    return report_columns.offered_by_reports(
        Settings.from_config(config or {}).targeting_types[LEVELS[level].targeting_key]
    )
