"""What one run's requests for an ad account send as `reporting_timezone`, and the last day they may ask for
(timezone.py says why). The decisions are the run's, per account, in its BetaDecisions.
"""

from __future__ import annotations

import datetime as dt
import logging

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components.betas import BetaDecisions
from source_pinterest.facts import DEFAULT_REPORTING_TIMEZONE
from source_pinterest.settings import Settings

logger = logging.getLogger("airbyte")

DEFAULT = DEFAULT_REPORTING_TIMEZONE  # UTC: what Pinterest uses without the parameter
EARLIEST_OFFSET = dt.timedelta(hours=-12)  # the latest time zone on Earth: the last to begin a day


class Zone:
    """What a run's requests for an ad account send, and the last day they may ask for. Holds no state of its own:
    the decisions are per account, in the run's BetaDecisions."""

    def __init__(self, settings: Settings, betas: BetaDecisions) -> None:
        self._settings, self._betas = settings, betas

    def value(self, account: str | None) -> str | None:
        """The parameter's value for the account's next request, None to leave it out."""
        zone = self._settings.reporting_timezone
        return None if zone == DEFAULT or (account is not None and self._betas.zone_refused(account)) else zone

    def last_day(self, account: str | None = None, now: dt.datetime | None = None) -> dt.date:
        """The last day windows may ask for: today in UTC, or in the account's zone the day every zone has begun."""
        now = now or self._settings.now
        if self.value(account) is None:
            return now.date()
        return min(now.date(), (now + EARLIEST_OFFSET).date())

    def served(self, account: str | None) -> None:
        """Pinterest answered a request in the zone: the account stays in it for the rest of the sync."""
        if account is not None:
            self._betas.zone_served(account)

    def refuse(self, zone: str, reason: str, account: str | None, request: str = "a request") -> None:
        """Pinterest refused the parameter for `account` (`zone` its value): warn once for the account and read it
        in UTC from now on. Raises ZoneMixed if the account had already served rows in the zone."""
        verdict = self._betas.refuse_zone(str(account))
        if verdict == "after_served":
            raise ZoneMixed(account, request, reason)
        if verdict == "first":
            logger.warning(
                f"Pinterest does not open reporting_timezone {zone} (a beta) to ad account {account} ({reason}). "
                "This sync dates that account's ads analytics, targeting analytics and report rows in UTC, as with "
                f"{DEFAULT}; each refused request was repeated without it, and other accounts are not affected. "
                f"Fix: ask Pinterest to enable it for this account, or set reporting_timezone to {DEFAULT} to "
                "silence this warning."
            )


class ZoneMixed(AirbyteTracedException):
    """A refusal of the zone for an account that served rows in it earlier in this sync: repeating the request in
    UTC would date one account's rows in two zones, so the request fails instead."""

    def __init__(self, account: str | None, request: str, reason: str) -> None:
        message = (
            f"Pinterest refused reporting_timezone on {request} for ad account {account} ({reason}) after serving "
            "it to the same account earlier in this sync. Its rows cannot be dated in two zones, so this stream "
            "stops here; the state keeps what was read. Fix: run the sync again; if it persists, set "
            f"reporting_timezone to {DEFAULT}."
        )
        super().__init__(message=message, internal_message=message, failure_type=FailureType.transient_error)
