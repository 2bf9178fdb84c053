"""Error handling the YAML filters cannot express, on top of the declarative DefaultErrorHandler."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.error_handlers.default_error_handler import DefaultErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.backoff_strategy import BackoffStrategy
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from source_pinterest.components import unreadable

REAUTHENTICATE = (
    "Pinterest rejected the access token (401). Fix: generate a new access token, or switch the source to OAuth2.0 "
    "so tokens are refreshed automatically, and re-test the connection."
)


logger = logging.getLogger("airbyte")


def pinterest_message(response: requests.Response) -> str:
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


_UNAVAILABLE = ("beta", "not available", "not yet available", "not enabled")


def _says_unavailable(response: requests.Response) -> bool:
    message = pinterest_message(response).lower()
    return any(words in message for words in _UNAVAILABLE)


def _query_values(response: requests.Response, name: str) -> list[str]:
    url = response.request.url if response.request is not None else response.url
    return [v for joined in parse_qs(urlsplit(str(url)).query).get(name, []) for v in joined.split(",") if v]


def refused_targeting_types(response: requests.Response) -> list[str]:
    """The requested targeting types a 400 on */targeting_analytics refuses as not available to this account (BETA):
    those of the request that Pinterest's message names next to words like "beta" or "not available"."""
    if response.status_code != 400 or not urlsplit(response.url).path.endswith("/targeting_analytics"):
        return []
    if not _says_unavailable(response):
        return []
    message = pinterest_message(response)
    return [t for t in _query_values(response, "targeting_types") if re.search(rf"\b{re.escape(t)}\b", message)]


def multi_pin_refused(response: requests.Response) -> bool:
    """Pinterest keeps GET /pins/analytics (multi-pin, beta) to apps it enabled it for: 403, or 400/404 saying so."""
    if not urlsplit(response.url).path.endswith("/pins/analytics") or "/ad_accounts/" in response.url:
        return False
    return response.status_code == 403 or (response.status_code in (400, 404) and _says_unavailable(response))


def is_daily_cap(response: requests.Response) -> bool:
    """Pinterest answers both its per-minute limits and the daily cap with 429 code 8; only the text differs."""
    return response.status_code == 429 and "daily" in pinterest_message(response).lower()


def daily_cap_message(response: requests.Response, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    # Pinterest does not say when a day's quota renews (x-ratelimit-reset, if sent, may be the per-minute window's).
    when = f"tomorrow, at the latest after {now + dt.timedelta(days=1):%Y-%m-%d %H:%M} UTC"
    return (
        f"Pinterest's daily request limit for this app was reached on {describe_request(response)} "
        f"(429: {pinterest_message(response)}). Waiting within this sync cannot help, so it stops here; the state "
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
    - A refused beta (the multi-pin endpoint, a BETA targeting type): handed to the AnalyticsRetriever, which
      falls back or drops the type, and says so once.
    - 409 from /catalogs: the user has no catalog, which is not an error.
    - 429 for the daily cap: no wait within a sync can help, so fail at once (transient: a later sync will work).
    - Any other failure that is Pinterest's answer (400, 404...): its message plus the request that caused it.
    """

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self.stream_name = str(parameters.get("name") or "")  # the stream's $parameters reach its error handler

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
        if multi_pin_refused(response) or refused_targeting_types(response):
            message = f"Pinterest refused a beta on {describe_request(response)}: {pinterest_message(response)}"
            return ErrorResolution(ResponseAction.IGNORE, None, message)  # logged at info; the retriever warns
        if response.status_code == 403:
            message = (
                f"Skipping {path}: Pinterest refused access (403: {pinterest_message(response)}). "
                "The token lacks the scope for this data or the user has no role on this ad account; "
                "re-authorise with the scopes listed in the README to include it."
            )
            unreadable.note(self.stream_name or path, message)
        elif response.status_code == 409 and "/catalogs" in path:
            message = f"Skipping {path}: the user has no catalog ({pinterest_message(response)})."
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
