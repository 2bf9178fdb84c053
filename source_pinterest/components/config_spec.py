"""The spec's properties and the formats (`pattern`) it states, so the platform's check and ours accept the same."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from source_pinterest.spec_file import load_spec


@lru_cache(maxsize=1)
def spec_properties() -> Mapping[str, Any]:
    return load_spec()["connection_specification"]["properties"]  # spec.yaml alone: a few ms, once per process


def spec_pattern(*path: str) -> re.Pattern[str]:
    """The `pattern` the spec gives the value at `path` (e.g. "account_ids", "items"): JSON schema's search."""
    node: Any = spec_properties()
    for key in path:
        node = node[key]
    return re.compile(node["pattern"])


def matches_spec(value: Any, *path: str) -> bool:
    return isinstance(value, str) and spec_pattern(*path).search(value) is not None
