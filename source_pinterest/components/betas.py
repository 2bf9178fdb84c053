"""What this sync has learnt of each account's closed betas: BETA targeting types, `reporting_timezone`, and the
multi-pin endpoint (/pins/analytics).

Pinterest grants betas to ad accounts (and apps), not to the API: one account may refuse what another serves in
the same sync. So every decision is keyed by the account it was made for and changes nothing for another.

- Targeting types: a type refused at a level where the spec marks it BETA is refused wherever it is BETA for that
  account (AGE_BUCKET_AND_GENDER at every level; CREATIVE_ENHANCEMENTS where ad groups are reported); a type
  refused elsewhere only at the scope where it was refused. One warning per account and type.
- reporting_timezone: the first answer for an account decides (served or refused) for the rest of the sync, so
  one account's rows are all dated in one zone. A refusal after the zone was served cannot be repeated without it
  (that would mix zones in one account): `refuse_zone` then says so and the caller fails that request.
- Multi-pin: decided once per organic account (`organic_ad_account_id`, or the user when it is not set).

All of it lives in one `BetaDecisions` per run, its Sync's `betas` (a process may run several: tests, PyAirbyte).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from source_pinterest.facts import REPORT_TARGETING_SOURCE, TARGETING_BETA_TYPES, base_level

USER = "user"  # the organic key when organic_ad_account_id is not set


def beta_types_at(scope: str) -> frozenset[str]:
    """The targeting types the spec marks BETA at `scope`: a sync targeting key (`campaign`) or a report level
    (`AD_GROUP_TARGETING`: those of the sync level it reports like)."""
    key = scope if scope in TARGETING_BETA_TYPES else REPORT_TARGETING_SOURCE.get(base_level(scope), "")
    return TARGETING_BETA_TYPES.get(key, frozenset())


class BetaDecisions:
    """Per-account beta decisions of one sync; thread-safe (partitions of all streams share it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._beta_refused: set[tuple[str, str]] = set()  # (account, type) refused where the spec marks it BETA
            self._refused_at: set[tuple[str, str, str]] = set()  # (account, scope, type)
            self._warned: set[tuple[str, str]] = set()  # (account, type) already announced
            self._zones: dict[str, bool] = {}  # account -> reporting_timezone served (True) or refused (False)
            self._multi_pin: dict[str, bool] = {}  # organic key -> /pins/analytics served

    # ------------------------------------------------------------------ targeting types
    def is_refused(self, account: str, scope: str, targeting_type: str) -> bool:
        with self._lock:
            return self._refused(account, scope, targeting_type)

    def _refused(self, account: str, scope: str, targeting_type: str) -> bool:
        if (account, scope, targeting_type) in self._refused_at:
            return True
        return (account, targeting_type) in self._beta_refused and targeting_type in beta_types_at(scope)

    def usable(self, account: str, scope: str, types: Iterable[str]) -> list[str]:
        """`types` less those this account refused at `scope`, in their order."""
        with self._lock:
            return [t for t in types if not self._refused(account, scope, t)]

    def refuse_types(self, account: str, scope: str, types: Iterable[str]) -> list[str]:
        """Record that `account` refused `types` at `scope`; returns those not announced for this account yet."""
        announce = []
        with self._lock:
            for targeting_type in types:
                self._refused_at.add((account, scope, targeting_type))
                if targeting_type in beta_types_at(scope):
                    self._beta_refused.add((account, targeting_type))
                if (account, targeting_type) not in self._warned:
                    self._warned.add((account, targeting_type))
                    announce.append(targeting_type)
        return announce

    # ------------------------------------------------------------------ reporting_timezone
    def zone_refused(self, account: str) -> bool:
        with self._lock:
            return self._zones.get(account) is False

    def zone_served(self, account: str) -> None:
        with self._lock:
            self._zones.setdefault(account, True)

    def refuse_zone(self, account: str) -> str:
        """Record a refusal: "first" (announce it), "again" (already refused), or "after_served" (the account had
        already served rows in the zone: repeating without it would mix zones)."""
        with self._lock:
            before = self._zones.get(account)
            if before is True:
                return "after_served"
            self._zones[account] = False
            return "again" if before is False else "first"

    # ------------------------------------------------------------------ multi-pin
    def multi_pin(self, organic_key: str | None) -> bool | None:
        """Whether /pins/analytics serves this organic account (None: not decided yet)."""
        with self._lock:
            return self._multi_pin.get(organic_key or USER)

    def decide_multi_pin(self, organic_key: str | None, served: bool) -> None:
        with self._lock:
            self._multi_pin[organic_key or USER] = served
