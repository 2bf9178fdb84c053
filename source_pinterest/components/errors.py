"""Error handling the YAML filters cannot express, on top of the declarative DefaultErrorHandler."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.error_handlers.default_error_handler import DefaultErrorHandler
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


@dataclass
class PinterestErrorHandler(DefaultErrorHandler):
    """Decisions that depend on the config or the URL, which declarative response filters cannot see.

    - 401 with a static access token: nothing can refresh it, so fail at once as a config error.
    - 403 (missing scope, or no role on one ad account): skip that request's data with a warning; the sync goes on.
    - 409 from /catalogs: the user has no catalog, which is not an error.
    """

    def interpret_response(self, response_or_exception: requests.Response | Exception | None) -> ErrorResolution:
        if isinstance(response_or_exception, requests.Response):
            skipped = self._skip(response_or_exception)
            if skipped:
                return skipped
        resolution = super().interpret_response(response_or_exception)
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
        elif response.status_code == 409 and "/catalogs" in path:
            message = f"Skipping {path}: the user has no catalog ({_pinterest_message(response)})."
        else:
            return None
        logger.warning(message)
        return ErrorResolution(ResponseAction.IGNORE, None, message)

    def backoff_time(
        self, response_or_exception: requests.Response | requests.RequestException | None, attempt_count: int = 0
    ) -> float | None:
        # A fresh token needs no wait before the retry.
        if isinstance(response_or_exception, requests.Response) and response_or_exception.status_code == 401:
            return 0.01
        return super().backoff_time(response_or_exception, attempt_count)
