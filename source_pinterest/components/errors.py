"""Error handling the YAML filters cannot express, on top of the declarative DefaultErrorHandler: which answer is
retried, skipped or fails the stream, with the words a person needs (retry_waits.py decides how long a retry waits).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.error_handlers.default_error_handler import DefaultErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import deep_paging, reachability
from source_pinterest.components.answers import NotAnAnswerError, not_an_answer
from source_pinterest.components.pinterest_said import describe_request, is_transient_400, pinterest_message
from source_pinterest.components.refusals import (
    daily_cap_message,
    is_daily_cap,
    multi_pin_refused,
    refused_targeting_types,
    timezone_refused,
)
from source_pinterest.components.uses_sync import UsesSync
from source_pinterest.facts import AD_ACCOUNT_WINDOW_PATH

REAUTHENTICATE = (
    "Pinterest rejected the access token (401). Fix: generate a new access token and put it into "
    "'credentials.access_token' (in Airbyte: the source's settings; from the command line: the --config file), "
    "or switch to OAuth2.0 so tokens are refreshed automatically."
)

logger = logging.getLogger("airbyte")


@dataclass
class PinterestErrorHandler(UsesSync, DefaultErrorHandler):
    """Decisions that depend on the config or the URL, which declarative response filters cannot see.

    - 401 with a static access token: nothing can refresh it, so fail at once as a config error.
    - 403 (missing scope, or no role on one ad account): a config error where the state would move past the refused
      data (ads analytics, one pin of a batch, reports, a listing's later page), else skip that request's data
      with a warning.
    - A refused beta (the multi-pin endpoint, a BETA targeting type, `reporting_timezone`): handed to the
      analytics retriever of its kind (`analytics/`; report jobs: the ReportRunner), which falls back or drops it,
      and says so once.
    - 409 from /catalogs: the user has no catalog, which is not an error.
    - 404 for one targeting interest: a retired interest has no name to give (targeting_options leaves it out).
    - 429 for the daily cap: no wait within a sync can help, so fail at once (transient: a later sync will work).
    - 400 that Pinterest documents as transient ("Retry after...", code 12 "something went wrong"): retry.
    - 200 whose body is not the documented answer (an error object, empty, HTML, a listing without `items`):
      retry, then fail (answers.answer_problem; streamed analytics answers are judged by their decoder).
    - 403 on one ad account's listing read for a router's partitions (`Unreadable.listening`): that account is
      reported to the router, which leaves it out; the listing of the other accounts goes on.
    - No connection to the host for longer than its budget: fail as a transient_error naming `api_base_url`.
    - Any other failure that is Pinterest's answer (400, 404...): its message plus the request that caused it.
    """

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self.stream_name = str((parameters or {}).get("name") or "")  # the stream's $parameters reach its error handler

    def interpret_response(self, response_or_exception: requests.Response | Exception | None) -> ErrorResolution:
        base_url = self.sync.settings.api_base_url
        reach = self.sync.reachability
        if isinstance(response_or_exception, NotAnAnswerError):  # refused before the HTTP cache kept it
            response_or_exception = response_or_exception.response
        if isinstance(response_or_exception, requests.Response):
            reach.reached(urlsplit(base_url).netloc)
            skipped = self._skip(response_or_exception)
            if skipped:
                return skipped
            if is_daily_cap(response_or_exception):
                message = daily_cap_message(response_or_exception)
                logger.error(message)
                return ErrorResolution(ResponseAction.FAIL, FailureType.transient_error, message)
            if is_transient_400(response_or_exception):
                return ErrorResolution(
                    ResponseAction.RETRY, FailureType.transient_error, pinterest_message(response_or_exception)
                )
            # Reads the body only of a refused page: a 200's body is streamed by the decoder, never read here.
            cut = deep_paging.refusal(
                response_or_exception, self.stream_name, self.sync.cut_boards, self.sync.unreadable
            )
            if cut:  # a board's pins refused deep into the listing: that board ends there (deep_paging.py)
                return cut
            problem = not_an_answer(response_or_exception)
            if problem:
                message = f"{problem} ({describe_request(response_or_exception)})"
                return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, message)
        elif isinstance(response_or_exception, Exception):
            dead = reach.unreachable(base_url, response_or_exception)
            if dead:
                return ErrorResolution(ResponseAction.FAIL, FailureType.transient_error, dead.message)
            if reach.is_check and isinstance(response_or_exception, requests.exceptions.ReadTimeout):
                # A check has seconds, not the retries a sync spends on a slow answer (check.py shortens its wait).
                what = f"Checking the connection ({describe_request(response_or_exception)})"
                message = reachability.silent_host(base_url, reachability.CHECK_READ_TIMEOUT_SECONDS, what)
                return ErrorResolution(ResponseAction.FAIL, FailureType.transient_error, message)
        resolution = super().interpret_response(response_or_exception)
        if (
            resolution.response_action == ResponseAction.FAIL
            and isinstance(response_or_exception, requests.Response)
            and 400 <= response_or_exception.status_code < 500
            and response_or_exception.status_code != 401
        ):
            reason = resolution.error_message or f"Pinterest answered {response_or_exception.status_code}."
            resolution = ErrorResolution(
                ResponseAction.FAIL,
                resolution.failure_type,
                f"{reason} (HTTP {response_or_exception.status_code} for {describe_request(response_or_exception)})",
            )
        if (
            resolution.response_action == ResponseAction.REFRESH_TOKEN_THEN_RETRY
            and self.config.get("credentials", {}).get("auth_method") != "oauth2.0"
        ):
            rejected = AirbyteTracedException(message=REAUTHENTICATE, failure_type=FailureType.config_error)
            self.sync.fatal.record(rejected)
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, REAUTHENTICATE)
        return resolution

    def _skip(self, response: requests.Response) -> ErrorResolution | None:
        path = urlsplit(response.url).path
        account = _listing_account(response)
        if response.status_code == 403 and account:
            message = refused_listing_message(response, account)
            if self.sync.unreadable.refused_listing(account, message):  # a router listens: it leaves this account out
                logger.warning(message)
                return ErrorResolution(ResponseAction.IGNORE, None, message)
            if _checkpointed_after(response):  # a later page: its earlier pages would move the state past it
                return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, message)
            self.sync.unreadable.note(self.stream_name or path, message)
            logger.warning(message)
            return ErrorResolution(ResponseAction.IGNORE, None, message)
        if multi_pin_refused(response) or refused_targeting_types(response) or timezone_refused(response):
            message = f"Pinterest refused a beta on {describe_request(response)}: {pinterest_message(response)}"
            return ErrorResolution(ResponseAction.IGNORE, None, message)  # logged at info; the retriever warns
        if response.status_code == 403 and _PIN_ANALYTICS.search(path):
            message = (
                f"Pinterest refused {describe_request(response)} (403: {pinterest_message(response)}). The token "
                "lacks the pins:read scope (pins:read_secret for secret boards), or the user has no access to this "
                "pin or to organic_ad_account_id's business. Fix: re-authorise with the scopes listed in the README, "
                "or remove organic_ad_account_id. This batch of pins stops here, so its state does not move past "
                "the refused pin's days."
            )
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, message)
        if response.status_code == 403 and _checkpointed_after(response):
            message = (
                f"Pinterest refused {describe_request(response)} (403: {pinterest_message(response)}). The token "
                "lacks the ads:read scope, or the user has no role with reporting access on this ad account (ADMIN, "
                "ANALYST, CAMPAIGN_MANAGER...). Fix: re-authorise with the scopes listed in the README, ask for such a "
                "role, or remove the account from account_ids. This ad account stops here, so its state does not move "
                "past the refused data."
            )
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, message)
        if response.status_code == 403:
            message = (
                f"Skipping {path}: Pinterest refused access (403: {pinterest_message(response)}). "
                "The token lacks the scope for this data or the user has no role on this ad account; "
                "re-authorise with the scopes listed in the README to include it."
            )
            self.sync.unreadable.note(self.stream_name or path, message)
        elif response.status_code == 409 and "/catalogs" in path:
            message = f"Skipping {path}: the user has no catalog ({pinterest_message(response)})."
        elif response.status_code == 404 and "/resources/targeting/interests/" in path:
            message = f"Skipping {path}: Pinterest no longer names this interest ({pinterest_message(response)})."
        else:
            return None
        logger.warning(message)
        return ErrorResolution(ResponseAction.IGNORE, None, message)


# A listing under one ad account (campaigns, ad groups, ads, keywords...), not its analytics or report jobs.
_ACCOUNT_LISTING = re.compile(r"/ad_accounts/([^/]+)/[^/]+$")


def _listing_account(response: requests.Response) -> str | None:
    url = urlsplit(response.request.url if response.request is not None else response.url)
    found = _ACCOUNT_LISTING.search(url.path)
    return found.group(1) if found and not _WINDOWED.search(url.path) else None


def refused_listing_message(response: requests.Response, account: str) -> str:
    listing = urlsplit(response.url).path.rsplit("/", 1)[-1]
    return (
        f"Pinterest refused the {listing} of ad account {account}: {describe_request(response)} answered 403 "
        f"({pinterest_message(response)}). The token lacks the ads:read scope, or the user has no role on ad account "
        f"{account} that may read its {listing} (ADMIN, ANALYST, CAMPAIGN_MANAGER...). Fix: re-authorise with the "
        "scopes listed in the README, ask for such a role, or remove the account from account_ids. Until then the "
        f"streams built on this listing keep ad account {account}'s state where it was, so the next sync reads what "
        "this one missed."
    )


# One pin of a batch read pin by pin: the batch's other pins would move its newest-row state past the refused pin's
# days. (user_account/analytics is one request per sync, its start clamped to 89 days: a skip checkpoints nothing.)
_PIN_ANALYTICS = re.compile(r"^(?!.*/ad_accounts/).*/pins/[^/]+/analytics$")
# Ads analytics and report jobs of one ad account: their date windows are checkpointed when read.
_WINDOWED = re.compile(AD_ACCOUNT_WINDOW_PATH)


def _checkpointed_after(response: requests.Response) -> bool:
    """Whether skipping this 403 would let the state move past it: an ads analytics or report request (its window
    is checkpointed once read), or a later page of a listing (the pages before it advance an entity cursor, and
    the rest of the listing would be cut off). A listing refused on its first page is skipped: nothing is read."""
    url = urlsplit(response.request.url if response.request is not None else response.url)
    return bool(_WINDOWED.search(url.path)) or "bookmark" in dict(parse_qsl(url.query))
