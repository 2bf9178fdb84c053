"""Error handling the YAML filters cannot express, on top of the declarative DefaultErrorHandler."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.error_handlers.default_error_handler import DefaultErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.backoff_strategy import BackoffStrategy
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

REAUTHENTICATE = (
    "Pinterest rejected the access token (401). Fix: generate a new access token, or switch the source to OAuth2.0 "
    "so tokens are refreshed automatically, and re-test the connection."
)


logger = logging.getLogger("airbyte")


def _pinterest_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message", "")) if isinstance(body, dict) else ""


# Exact names: a substring test would also mask harmless ones such as `keywords` or `country_code`.
_SENSITIVE_PARAMS = frozenset(
    {"access_token", "refresh_token", "client_id", "client_secret", "token", "code", "signature", "password", "key"}
)


def describe_request(response: requests.Response) -> str:
    """`GET /v5/path?query` of the request behind `response`, for error messages.

    The method, path and query say which call failed; credentials travel in headers and the form body, which are
    left out, and query values whose names look secret are masked all the same.
    """
    request = response.request
    url = urlsplit(str(request.url if request is not None else response.url))
    query = [
        (name, "****" if name.lower() in _SENSITIVE_PARAMS else value)
        for name, value in parse_qsl(url.query, keep_blank_values=True)
    ]
    method = request.method if request is not None else "GET"
    return f"{method} {url.path}" + (f"?{urlencode(query)}" if query else "")


def is_daily_cap(response: requests.Response) -> bool:
    """Pinterest answers both its per-minute limits and the daily cap with 429 code 8; only the text differs."""
    return response.status_code == 429 and "daily" in _pinterest_message(response).lower()


def daily_cap_message(response: requests.Response, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    # Pinterest does not say when a day's quota renews (x-ratelimit-reset, if sent, may be the per-minute window's).
    when = f"tomorrow, at the latest after {now + dt.timedelta(days=1):%Y-%m-%d %H:%M} UTC"
    return (
        f"Pinterest's daily request limit for this app was reached on {describe_request(response)} "
        f"(429: {_pinterest_message(response)}). Waiting within this sync cannot help, so it stops here; the state "
        f"keeps everything read so far. Fix: run the sync again {when}, or ask Pinterest for a higher access tier."
    )


def _header_seconds(response: requests.Response, name: str) -> float | None:
    try:
        seconds = float(response.headers.get(name, ""))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


@dataclass
class PinterestErrorHandler(DefaultErrorHandler):
    """Decisions that depend on the config or the URL, which declarative response filters cannot see.

    - 401 with a static access token: nothing can refresh it, so fail at once as a config error.
    - 403 (missing scope, or no role on one ad account): skip that request's data with a warning; the sync goes on.
    - 409 from /catalogs: the user has no catalog, which is not an error.
    - 404 for one targeting interest: a retired interest has no name to give (targeting_options leaves it out).
    - 429 for the daily cap: no wait within a sync can help, so fail at once (transient: a later sync will work).
    - Any other failure that is Pinterest's answer (400, 404...): its message plus the request that caused it.
    """

    def interpret_response(self, response_or_exception: requests.Response | Exception | None) -> ErrorResolution:
        if isinstance(response_or_exception, requests.Response):
            skipped = self._skip(response_or_exception)
            if skipped:
                return skipped
            if is_daily_cap(response_or_exception):
                message = daily_cap_message(response_or_exception)
                logger.error(message)
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
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, REAUTHENTICATE)
        return resolution

    def _skip(self, response: requests.Response) -> ErrorResolution | None:
        path = urlsplit(response.url).path
        if response.status_code == 403:
            message = (
                f"Skipping {path}: Pinterest refused access (403: {_pinterest_message(response)}). "
                "The token lacks the scope for this data or the user has no role on this ad account; "
                "re-authorise with the scopes listed in the README to include it."
            )
            if path.endswith("/pins/analytics"):  # the multi-pin endpoint is a beta not every app may call
                message += " Pinterest also keeps /pins/analytics (multi-pin, beta) to the apps it enabled it for."
        elif response.status_code == 409 and "/catalogs" in path:
            message = f"Skipping {path}: the user has no catalog ({_pinterest_message(response)})."
        elif response.status_code == 404 and "/resources/targeting/interests/" in path:
            message = f"Skipping {path}: Pinterest no longer names this interest ({_pinterest_message(response)})."
        else:
            return None
        logger.warning(message)
        return ErrorResolution(ResponseAction.IGNORE, None, message)


@dataclass
class PinterestBackoff(BackoffStrategy):
    """Waits the manifest's generic strategies get wrong (the HTTP client asks the strategies, not the handler).

    - 401: the token has just been refreshed, so retry at once rather than after an exponential wait.
    - 429 without Retry-After: Pinterest's `x-ratelimit-reset` (seconds until the window resets). Only for 429:
      the header rides on every answer, and a 5xx should keep its short exponential backoff.
    """

    parameters: InitVar[Mapping[str, Any]]
    max_wait_seconds: float = 120

    def backoff_time(
        self, response_or_exception: requests.Response | requests.RequestException | None, attempt_count: int
    ) -> float | None:
        if not isinstance(response_or_exception, requests.Response):
            return None
        if response_or_exception.status_code == 401:
            return 0.01
        if response_or_exception.status_code != 429:
            return None
        seconds = _header_seconds(response_or_exception, "x-ratelimit-reset")
        return min(seconds, self.max_wait_seconds) if seconds else None
