"""End-to-end tests run on a chosen day (integration_tests/clock.py), whatever the date of the run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from integration_tests.clock import TODAY, emulator_now


@pytest.fixture(scope="package", autouse=True)
def on_the_chosen_day(sandbox_clock: ModuleType) -> Iterator[None]:
    before = sandbox_clock.offset()
    sandbox_clock.shift_to(emulator_now(TODAY))
    yield
    sandbox_clock.set_offset(before)


@pytest.fixture
def clock(sandbox_clock: ModuleType) -> Callable[..., None]:
    """`clock(day)`: this test (and the connectors it starts) runs on `day`; the next test is back on TODAY."""
    return lambda day: sandbox_clock.shift_to(emulator_now(day))
