"""The day end-to-end tests run on: the emulator's calendar and the connector's clock agree on it.

A session fixture of the root conftest.py moves the wall clock of the suite and of every process it starts (through
the test sandbox's CLOCK_OFFSET_SECONDS) to TODAY at the emulator's NOW_HOUR; a test may choose another day with
the `clock` fixture. Nothing then depends on the day the suite happens to run.
"""

from __future__ import annotations

import datetime as dt

from pinterest_emulator.clock import NOW_HOUR
from pinterest_emulator.emulator import DEFAULT_TODAY

TODAY = DEFAULT_TODAY


def emulator_now(day: dt.date) -> dt.datetime:
    """The moment the emulator calls now on `day`."""
    return dt.datetime.combine(day, dt.time(NOW_HOUR), dt.timezone.utc)
