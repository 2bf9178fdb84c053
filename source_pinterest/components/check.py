"""`check`: one cheap call (the ad account list) that proves the credentials and the configured ad account ids.

It runs in the calling thread through the requester the sync uses (auth, OAuth refresh, retries), so nothing
outlives it and no other connection is opened. An unreachable host is recognised from the connection error and
given up on within seconds (`Reachability.checking`), with the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import reachability


def check_connection(source: Any, config: Mapping[str, Any]) -> tuple[bool, str | None]:
    source.sync.reachability.checking()  # the check's own Sync: nothing of an earlier run carries over
    try:
        # Building every stream costs ~1 s of CPU; a silent host is given up on after one short wait.
        (ad_accounts,) = source.streams_named(["ad_accounts"], read_timeout=reachability.CHECK_READ_TIMEOUT_SECONDS)
        found = {r.data["id"] for partition in ad_accounts.generate_partitions() for r in partition.read()}
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
