"""`check`: one cheap call (the ad account list) that proves the credentials and the configured ad account ids."""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from requests.utils import get_environ_proxies

CONNECT_TIMEOUT_SECONDS = 10
PROBE_AFTER_SECONDS = 2


def unreachable(base_url: str) -> str | None:
    """Why the API host cannot be reached at all, or None.

    A refused connection or an unknown host would otherwise be retried with backoff for minutes; `check` must
    answer quickly. Behind a proxy only the proxy can tell, so the HTTP request decides there.
    """
    url = urlsplit(base_url)
    if not url.hostname or get_environ_proxies(base_url):
        return None
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=CONNECT_TIMEOUT_SECONDS):
            return None
    except OSError as error:
        return (
            f"Could not reach the Pinterest API at {base_url} ({error.strerror or error}). Fix: make sure this "
            f"machine can open connections to {url.hostname}:{port} (network, firewall, proxy settings), or correct "
            "the 'api_base_url' field (leave it empty for https://api.pinterest.com/v5/)."
        )


def check_connection(source: Any, config: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Run the check; if it has no answer within a few seconds, find out whether the host can be reached at all.

    An unreachable host would be retried with backoff for minutes (the API requests and the OAuth token refresh
    each have their own), so then the check fails at once and the retrying daemon thread dies with the process.
    A quick answer never probes, so mocked HTTP in tests never meets a real socket.
    """
    outcome: list[tuple[bool, str | None]] = []
    worker = threading.Thread(target=lambda: outcome.append(_check(source, config)), name="check", daemon=True)
    worker.start()
    worker.join(PROBE_AFTER_SECONDS)
    if worker.is_alive():
        problem = unreachable(str(config.get("api_base_url") or ""))
        if problem:
            return False, problem
        worker.join()
    return outcome[0] if outcome else (False, "The connection check stopped unexpectedly; see the logs.")


def _check(source: Any, config: Mapping[str, Any]) -> tuple[bool, str | None]:
    try:
        ad_accounts = next(s for s in source.streams(config) if s.name == "ad_accounts")
        found = {record.data["id"] for partition in ad_accounts.generate_partitions() for record in partition.read()}
    except AirbyteTracedException as error:
        return False, error.message
    except Exception as error:  # noqa: BLE001 - every failure becomes a readable check result
        return False, f"Could not reach Pinterest: {error}"

    missing = sorted(set(config.get("account_ids") or []) - found)
    if missing:
        return False, (
            f"Config field 'account_ids': the token cannot see ad account(s) {', '.join(missing)}. "
            "Fix: check the ids in Ads Manager, or ask the account owner to share the account with this user."
        )
    if not found:
        return False, (
            "The token sees no ad account. Fix: sign in as a user with a Pinterest business account "
            "(or an ad account shared with them) and the ads:read scope."
        )
    return True, None
