"""Keys of the user's config that no field reads: a typo ("start-date") would otherwise silently use the default.

They are warned about, never refused: Airbyte may add keys of its own.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from typing import Any

from source_pinterest.components.config_file import SAVED
from source_pinterest.components.config_migration import LEGACY_KEYS
from source_pinterest.components.config_spec import spec_properties
from source_pinterest.facts import FACTS

logger = logging.getLogger("airbyte")


def unknown_keys(config: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """The keys of the user's config that no field of the spec reads, each with the nearest field (or None)."""
    given = config[SAVED]["config"] if SAVED in config else config
    spec = spec_properties()
    known = set(spec) | set(LEGACY_KEYS) | {SAVED, FACTS}
    found = [(key, _nearest(key, spec)) for key in given if key not in known]
    credentials = given.get("credentials")
    if isinstance(credentials, Mapping):
        fields = {name for option in spec["credentials"]["oneOf"] for name in option["properties"]}
        found += [
            (f"credentials.{key}", _nearest(key, fields, "credentials.")) for key in credentials if key not in fields
        ]
    return found


def _nearest(key: str, fields: Any, prefix: str = "") -> str | None:
    close = difflib.get_close_matches(key, sorted(fields), n=1)
    return prefix + close[0] if close else None


def warn_unknown_keys(config: Mapping[str, Any]) -> None:
    """Log each key the connector ignores: a typo like "start-date" would otherwise silently use the default."""
    for key, nearest in unknown_keys(config):
        hint = (
            f" Did you mean '{nearest}'?"
            if nearest
            else " Remove it if you added it (Airbyte may add keys of its own)."
        )
        logger.warning(f"Config key '{key}' is not a field of this connector and is ignored.{hint}")
