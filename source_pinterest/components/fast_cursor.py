"""Per-record cursor bookkeeping without repeated parsing: the same work as the CDK's, done once per distinct value.

For every record the CDK's per-partition cursor parses the cursor value twice (its global cursor and the
partition's, each a `strptime` over the configured formats) and formats it back once. An analytics sync has a
few hundred distinct dates against millions of rows; the profile in benchmarks/report.md put this at about a
tenth of the CPU. (The cursor also serialises each record's partition to JSON; caching that key gained nothing
measurable end to end, so it is left to the CDK.)

The caches hold results, not decisions: a value that does not parse is not cached (it raises every time, as
before), and each cache is cleared when it reaches `MAX_CACHED` entries, so memory stays bounded whatever the
account size.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airbyte_cdk.sources.streams.concurrent.state_converters.datetime_stream_state_converter import (
    CustomFormatConcurrentStreamStateConverter,
)

MAX_CACHED = 4096  # distinct values per cache: ~11 years of days, or ~170 days of hours


class CachedDates(CustomFormatConcurrentStreamStateConverter):
    """Parses and formats each distinct cursor value once (datetimes and strings are immutable, so sharing the
    result is safe). Made by the component factory in place of the CDK's converter (cdk_internals.same_converter),
    with the same arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._parsed: dict[Any, dt.datetime] = {}
        self._formatted: dict[dt.datetime, str] = {}

    def parse_timestamp(self, timestamp: Any) -> dt.datetime:
        cache = self._parsed
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
        cache = self._formatted
        formatted = cache.get(timestamp)
        if formatted is None:
            formatted = super().output_format(timestamp)
            if len(cache) >= MAX_CACHED:
                cache.clear()
            cache[timestamp] = formatted
        return formatted
