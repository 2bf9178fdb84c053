"""The emulator's notion of time: a UTC calendar day plus a fixed hour of that day.

"Now" is always `today` at NOW_HOUR:00 UTC. Hours before NOW_HOUR of today have analytics (a partial day), later hours
do not yet. Entity timestamps never lie after now. Days are handled as proleptic ordinals (date.toordinal()) inside
hot loops.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

NOW_HOUR = 12
DAY_SECONDS = 86_400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_start_ts(day: date | int) -> int:
    """Unix seconds of 00:00 UTC of a date or ordinal."""
    ordinal = day if isinstance(day, int) else day.toordinal()
    return (ordinal - EPOCH_ORDINAL) * DAY_SECONDS


def now_ts(today: date) -> int:
    return day_start_ts(today) + NOW_HOUR * 3600


def ordinal_of_ts(ts: int) -> int:
    return ts // DAY_SECONDS + EPOCH_ORDINAL


def iso_date(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def iso_seconds(ts: int) -> str:
    """Pins and boards: '2026-11-20T08:15:02' (UTC, no offset), as Pinterest sends them."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def iso_micros(ts: float) -> str:
    """board_pins_modified_at: '2026-11-20T08:15:02.123000' (UTC, no offset)."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def iso_zulu(ts: int) -> str:
    """Catalogs and feeds: '2026-11-20T08:15:02Z', the form of the spec's examples."""
    return iso_seconds(ts) + "Z"


def parse_day(text: str) -> date:
    """Strict YYYY-MM-DD; ValueError otherwise."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise ValueError(text)
    return date.fromisoformat(text)


def days(n: int) -> timedelta:
    return timedelta(days=n)
