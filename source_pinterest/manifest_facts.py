"""The manifest's fields the facts decide that the CDK takes only as plain values (no template): added on reading.

The api_budget's policies and the concurrency cap come from the facts, unless the manifest states them itself (an
older manifest compared with this one). The templates read the facts from the config instead (`facts.FACTS`).
Imports only the facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from source_pinterest.facts import MAX_WORKERS, RATE_LIMITS, paced_per_minute


def rate_policies() -> list[dict[str, Any]]:
    """The api_budget's policies: one moving window a category, at the connector's pace, in the facts' order."""
    return [
        {
            "type": "MovingWindowCallRatePolicy",
            "rates": [{"limit": paced_per_minute(category), "interval": "PT60S"}],
            "matchers": [{"type": "HttpRequestRegexMatcher", "url_path_pattern": path} for path in limit.paths],
        }
        for category, limit in RATE_LIMITS.items()
    ]


def with_facts(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest with the plain values the facts decide: the api_budget's policies and the concurrency cap."""
    prepared = dict(manifest)
    if "api_budget" in prepared:
        prepared["api_budget"] = {"policies": rate_policies(), **prepared["api_budget"]}
    if "concurrency_level" in prepared:
        prepared["concurrency_level"] = {"max_concurrency": MAX_WORKERS, **prepared["concurrency_level"]}
    return prepared
