"""Per-record cursor bookkeeping without repeated parsing: the same work as the CDK's, done once per distinct value.

For every record the CDK's per-partition cursor parses the cursor value twice (its global cursor and the
partition's, each a `strptime` over the configured formats), formats it back once, and serialises the partition
to JSON to find the partition's cursor. An analytics sync has a few hundred distinct dates and a handful of
partitions against millions of rows; the profile in benchmarks/report.md put this at about a tenth of the CPU.

The caches hold results, not decisions: a value that does not parse is not cached (it raises every time, as
before), and each cache is cleared when it reaches `MAX_CACHED` entries, so memory stays bounded whatever the
account size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources.declarative.incremental.concurrent_partition_cursor import ConcurrentPerPartitionCursor
from airbyte_cdk.sources.streams.concurrent.state_converters.datetime_stream_state_converter import (
    CustomFormatConcurrentStreamStateConverter,
)

MAX_CACHED = 4096  # distinct values per cache: ~11 years of days, or ~170 days of hours


class CachedDates(CustomFormatConcurrentStreamStateConverter):
    """Parses and formats each distinct cursor value once (datetimes and strings are immutable, so sharing the
    result is safe). Set as the `__class__` of a converter the CDK built, its fields are those of the CDK's."""

    def parse_timestamp(self, timestamp: Any) -> dt.datetime:
        cache: dict[Any, dt.datetime] = self.__dict__.setdefault("_parsed", {})
        try:
            return cache[timestamp]
        except (KeyError, TypeError):  # TypeError: an unhashable value, parsed (and refused) as before
            pass
        parsed = super().parse_timestamp(timestamp)
        if len(cache) >= MAX_CACHED:
            cache.clear()
        cache[timestamp] = parsed
        return parsed

    def output_format(self, timestamp: dt.datetime) -> str:
        cache: dict[dt.datetime, str] = self.__dict__.setdefault("_formatted", {})
        formatted = cache.get(timestamp)
        if formatted is None:
            formatted = super().output_format(timestamp)
            if len(cache) >= MAX_CACHED:
                cache.clear()
            cache[timestamp] = formatted
        return formatted


_CACHED_CLASSES: dict[type, type] = {}


def cache_dates(converter: Any) -> None:
    """Give a CDK-built custom-format converter (or a subclass such as WindowEndState) the caches above."""
    cls = type(converter)
    if not isinstance(converter, CustomFormatConcurrentStreamStateConverter) or issubclass(cls, CachedDates):
        return
    if cls not in _CACHED_CLASSES:  # one combined class per converter class, e.g. CachedDates + WindowEndState
        _CACHED_CLASSES[cls] = type(f"Cached{cls.__name__}", (CachedDates, cls), {})
    converter.__class__ = _CACHED_CLASSES[cls]


class KeyedPartitionCursor(ConcurrentPerPartitionCursor):
    """Remembers the JSON key of the partitions it last saw (records of one partition share its mapping), by
    identity: the cached entry keeps its partition alive, so an id is never mistaken for a newer object's."""

    def _to_partition_key(self, partition: Mapping[str, Any]) -> str:
        keys: dict[int, tuple[Mapping[str, Any], str]] = self.__dict__.setdefault("_keys", {})
        cached = keys.get(id(partition))
        if cached is not None and cached[0] is partition:
            return cached[1]
        key = super()._to_partition_key(partition)
        if len(keys) >= MAX_CACHED:
            keys.clear()
        keys[id(partition)] = (partition, key)
        return key


def speed_up(cursor: Any) -> None:
    """Applied by the component factory to the cursors it builds."""
    cache_dates(getattr(cursor, "_connector_state_converter", None))
    if type(cursor) is ConcurrentPerPartitionCursor:
        cursor.__class__ = KeyedPartitionCursor
