"""`reporting_timezone`: the time zone that dates ads analytics, targeting analytics and report rows.

- Requests carry Pinterest's `reporting_timezone` only when it is not the default (PINTEREST_TIME_ZONE, i.e. UTC),
  so a default sync asks exactly what it asked before the setting existed.
- It is a closed beta, granted per ad account. The first answer for an account decides for that account and the
  rest of the sync (the run's BetaDecisions, read through `Zone`): refused, one warning, that request is repeated
  without it and the account goes on in UTC; other accounts keep the zone they were served. One account's rows are
  never dated in two zones.
- The state remembers the zone: partitions of a non-default zone carry it in their key (`zone_key`). When the
  configured zone changes, `ZoneChange` moves each entry to the new key one day earlier, so the stream re-reads
  its lookback plus a day in the new zone instead of starting over; rows older than that keep the zone they were
  read in (reset the stream to re-date them).
- "Today" differs by zone. AdAccount does not say its zone, so windows end on the day every zone has reached (the
  date at UTC-12): no request asks for a day that has not begun in the account's zone, and the day a later zone
  has already begun is read by the next sync, which starts at the state (nothing is skipped).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import InitVar, dataclass, field
from typing import Any

from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

from source_pinterest.components.partitions import NoRequestOptions
from source_pinterest.components.zone import DEFAULT
from source_pinterest.facts import DATE_CURSOR
from source_pinterest.settings import Settings

logger = logging.getLogger("airbyte")

PARAMETER = "reporting_timezone"  # the query parameter, the report body field, the config field and partition key


def configured(config: Mapping[str, Any]) -> str:
    return Settings.from_config(config).reporting_timezone


class ZoneRefused(Exception):
    """Pinterest refused `reporting_timezone` on a request (raised before any of its rows)."""


def zone_key(config: Mapping[str, Any]) -> dict[str, str]:
    """What a partition's key adds for the configured zone (nothing for the default: states stay as they were)."""
    zone = configured(config)
    return {} if zone == DEFAULT else {PARAMETER: zone}


@dataclass
class ZonePartitions(NoRequestOptions, PartitionRouter):
    """Another router's partitions, keyed by the configured zone as well (report streams)."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    underlying_partition_router: PartitionRouter | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def stream_slices(self) -> Iterable[StreamSlice]:
        assert self.underlying_partition_router is not None
        extra = zone_key(self.config)
        for partition in self.underlying_partition_router.stream_slices():
            yield StreamSlice(
                partition={**partition.partition, **extra},
                cursor_slice=partition.cursor_slice,
                extra_fields=partition.extra_fields,
            )

    def set_initial_state(self, stream_state: StreamState) -> None:
        if self.underlying_partition_router:
            self.underlying_partition_router.set_initial_state(stream_state)

    def get_stream_state(self) -> StreamState | None:
        return self.underlying_partition_router.get_stream_state() if self.underlying_partition_router else None


@dataclass
class ZoneChange(StateMigration):
    """Entries read in another zone than the configured one move to the configured zone's key, one day earlier:
    the cursor's lookback then re-reads `lookback_window_days` + 1 days in the new zone (a zone shifts dates by up
    to a day). Several entries landing on one key keep the earliest day."""

    parameters: InitVar[Mapping[str, Any]]
    config: Config = field(default_factory=dict)

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def _moved(self, partition: Mapping[str, Any]) -> bool:
        return str(partition.get(PARAMETER) or DEFAULT) != configured(self.config)

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return any(self._moved(entry.get("partition") or {}) for entry in stream_state.get("states") or ())

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        kept: dict[str, dict[str, Any]] = {}
        for entry in stream_state["states"]:
            partition = dict(entry.get("partition") or {})
            cursor = dict(entry.get("cursor") or {})
            if self._moved(partition):
                partition.pop(PARAMETER, None)
                partition.update(zone_key(self.config))
                cursor = {**cursor, DATE_CURSOR: _day_before(cursor[DATE_CURSOR])} if DATE_CURSOR in cursor else cursor
            key = repr(sorted(partition.items()))
            earlier = kept.get(key)
            if earlier is None or str(cursor.get(DATE_CURSOR, "")) < str(earlier["cursor"].get(DATE_CURSOR, "")):
                kept[key] = {**entry, "partition": partition, "cursor": cursor}
        return {**stream_state, "states": list(kept.values())}


def _day_before(value: Any) -> Any:
    try:
        return (dt.date.fromisoformat(str(value)[:10]) - dt.timedelta(days=1)).isoformat()
    except ValueError:
        return value
