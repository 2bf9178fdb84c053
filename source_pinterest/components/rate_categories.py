"""The rate-limit category of a request path, as the api_budget paces it (the categories are facts.RATE_LIMITS)."""

from __future__ import annotations

import re

from source_pinterest import facts

# First match wins, in the order of facts.RATE_LIMITS.
CATEGORIES = tuple((name, tuple(re.compile(path) for path in limit.paths)) for name, limit in facts.RATE_LIMITS.items())
UNPACED = "unpaced"  # a request in no category (a report file download): the api_budget never holds it


def category(path: str) -> str:
    return next((name for name, patterns in CATEGORIES if any(p.search(path) for p in patterns)), UNPACED)
