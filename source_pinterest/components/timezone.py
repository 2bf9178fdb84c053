"""`reporting_timezone`: the time zone that dates ads analytics, targeting analytics and report rows.

- Requests carry Pinterest's `reporting_timezone` only when it is not the default (PINTEREST_TIME_ZONE, i.e. UTC),
  so a default sync asks exactly what it asked before the setting existed.
- It is a closed beta, granted per ad account. The first answer for an account decides for that account and the
  rest of the sync (betas.BETAS): refused, one warning, that request is repeated without it and the account goes
  on in UTC; other accounts keep the zone they were served. One account's rows are never dated in two zones.
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

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components.betas import BETAS
from source_pinterest.components.partitions import NoRequestOptions
from source_pinterest.facts import DATE_CURSOR, DEFAULT_REPORTING_TIMEZONE
from source_pinterest.settings import settings

logger = logging.getLogger("airbyte")

PARAMETER = "reporting_timezone"  # the query parameter, the report body field, the config field and partition key
DEFAULT = DEFAULT_REPORTING_TIMEZONE  # UTC: what Pinterest uses without the parameter
EARLIEST_OFFSET = dt.timedelta(hours=-12)  # the latest time zone on Earth: the last to begin a day


def configured(config: Mapping[str, Any]) -> str:
    return settings(config).reporting_timezone


class _Zone:
    """What a request for an ad account sends. Holds no state: the decisions are per account, in betas.BETAS."""

    def value(self, config: Mapping[str, Any], account: str | None) -> str | None:
        """The parameter's value for the account's next request, None to leave it out."""
        zone = configured(config)
        return None if zone == DEFAULT or (account is not None and BETAS.zone_refused(account)) else zone

    def served(self, account: str | None) -> None:
        """Pinterest answered a request in the zone: the account stays in it for the rest of the sync."""
        if account is not None:
            BETAS.zone_served(account)

    def refuse(self, zone: str, reason: str, account: str | None, request: str = "a request") -> None:
        """Pinterest refused the parameter for `account` (`zone` its value): warn once for the account and read it
        in UTC from now on. Raises ZoneMixed if the account had already served rows in the zone."""
        verdict = BETAS.refuse_zone(str(account))
        if verdict == "after_served":
            raise ZoneMixed(account, request, reason)
        if verdict == "first":
            logger.warning(
                f"Pinterest does not open reporting_timezone {zone} (a beta) to ad account {account} ({reason}). "
                "This sync dates that account's ads analytics, targeting analytics and report rows in UTC, as with "
                f"{DEFAULT}; each refused request was repeated without it, and other accounts are not affected. "
                f"Fix: ask Pinterest to enable it for this account, or set reporting_timezone to {DEFAULT} to "
                "silence this warning."
            )

    def reset(self) -> None:
        """Start a new sync: every beta decision (zones, targeting types, multi-pin) is made again."""
        BETAS.reset()


ZONE = _Zone()


class ZoneRefused(Exception):
    """Pinterest refused `reporting_timezone` on a request (raised before any of its rows)."""


class ZoneMixed(AirbyteTracedException):
    """A refusal of the zone for an account that served rows in it earlier in this sync: repeating the request in
    UTC would date one account's rows in two zones, so the request fails instead."""

    def __init__(self, account: str | None, request: str, reason: str) -> None:
        message = (
            f"Pinterest refused reporting_timezone on {request} for ad account {account} ({reason}) after serving "
            "it to the same account earlier in this sync. Its rows cannot be dated in two zones, so this stream "
            "stops here; the state keeps what was read. Fix: run the sync again; if it persists, set "
            f"reporting_timezone to {DEFAULT}."
        )
        super().__init__(message=message, internal_message=message, failure_type=FailureType.transient_error)


def last_day(config: Mapping[str, Any], now: dt.datetime | None = None, account: str | None = None) -> dt.date:
    """The last day windows may ask for: today in UTC, or in the account's zone the day every zone has begun."""
    now = now or settings(config).now
    if ZONE.value(config, account) is None:
        return now.date()
    return min(now.date(), (now + EARLIEST_OFFSET).date())


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
