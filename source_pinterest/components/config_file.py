"""The config as it is persisted: the user's own next to the resolved one, written back atomically.

Migration is persisted; defaults are applied in memory on every run and never persisted: `normalise` keeps what the
user set (after migration) next to the resolved config, and `save` writes only that, plus rotated OAuth tokens, so
an improved default reaches every connection.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import stat
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from airbyte_cdk.config_observation import emit_configuration_as_airbyte_control_message

from source_pinterest.facts import FACTS

logger = logging.getLogger("airbyte")

SAVED = "__saved__"  # {"config": what the user set, after migration; "path": its --config file or None}
ROTATED_CREDENTIALS = ("access_token", "refresh_token", "token_expiry_date")  # written by the OAuth refresh


def normalise(
    config: Mapping[str, Any],
    path: str | None,
    migrate: Callable[[MutableMapping[str, Any]], None],
    transform: Callable[[MutableMapping[str, Any]], None],
) -> dict[str, Any]:
    """The config every component reads (migrated, defaults applied), carrying the user's own under SAVED.

    A migration is persisted at once, as the CDK does; defaults never are.
    """
    given = config[SAVED]["config"] if SAVED in config else config  # an already normalised config: start over
    saved = copy.deepcopy(dict(given))
    migrate(saved)
    resolved = copy.deepcopy(saved)
    transform(resolved)
    resolved[SAVED] = {"config": saved, "path": path}
    if saved != given:
        save(resolved)
    return resolved


def saved_view(config: Mapping[str, Any]) -> dict[str, Any]:
    """What is persisted: the user's config with the current OAuth tokens of `config`."""
    if SAVED in config:
        saved = copy.deepcopy(config[SAVED]["config"])
    else:
        saved = {k: v for k, v in config.items() if k != FACTS}
    credentials = config.get("credentials") or {}
    rotated = {name: credentials[name] for name in ROTATED_CREDENTIALS if name in credentials}
    if rotated:
        saved["credentials"] = {**(saved.get("credentials") or {}), **rotated}
    return saved


def save(config: Mapping[str, Any]) -> None:
    """Persist `saved_view(config)`: a CONNECTOR_CONFIG control message for the platform and, when the source was
    started with --config FILE, the file itself (atomically, keeping its permissions) for the command line."""
    view = saved_view(config)
    emit_configuration_as_airbyte_control_message(view)
    path = (config.get(SAVED) or {}).get("path")
    if not path:
        return
    try:
        write_atomically(path, view)
    except OSError as error:
        logger.warning(
            f"Could not write the updated config back to {path} ({error.strerror or error}); the CONNECTOR_CONFIG "
            "message carries it. Fix: make the file and its directory writable, or the next run from this file "
            "will need a new refresh token."
        )


def write_atomically(path: str, content: Mapping[str, Any]) -> None:
    """Replace the file at `path` with `content` as JSON: a reader sees the old file or the new one, never half."""
    target = os.path.realpath(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o600  # it holds secrets
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".config-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(content, file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
