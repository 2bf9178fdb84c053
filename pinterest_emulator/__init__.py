"""A stateful local emulator of the Pinterest REST API v5 for end-to-end tests, benchmarks and demos.

See README.md in this directory for the endpoints, the data model and the documented choices.
"""

from __future__ import annotations

from .emulator import Emulator
from .scenarios import SCENARIOS, Scenario

__all__ = ["SCENARIOS", "Emulator", "Scenario"]
