"""Targeting analytics: which configured breakdowns async reports offer for the days before the sync endpoints'
reach."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from source_pinterest.facts import LEVELS, REPORT_TARGETING_TYPES
from source_pinterest.settings import settings


def report_targeting_types(level: str, config: Mapping[str, Any] | None = None) -> list[str]:
    """The level's configured targeting breakdowns that async reports also offer (campaigns' CREATIVE_TYPE and ads'
    QUIZ_RESULT exist only on the sync endpoints, so older days have no rows for them)."""
    wanted = settings(config or {}).targeting_types[LEVELS[level].targeting_key]
    return [t for t in wanted if t in REPORT_TARGETING_TYPES]
