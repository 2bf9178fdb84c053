"""Error handling the YAML filters cannot express, on top of the declarative DefaultErrorHandler."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.error_handlers.default_error_handler import DefaultErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

REAUTHENTICATE = (
    "Pinterest rejected the access token (401). Fix: generate a new access token, or switch the source to OAuth2.0 "
    "so tokens are refreshed automatically, and re-test the connection."
)


@dataclass
class PinterestErrorHandler(DefaultErrorHandler):
    """A 401 can only be cured by a refresh when the source holds a refresh token (YAML filters cannot see config)."""

    def interpret_response(self, response_or_exception: requests.Response | Exception | None) -> ErrorResolution:
        resolution = super().interpret_response(response_or_exception)
        if (
            resolution.response_action == ResponseAction.REFRESH_TOKEN_THEN_RETRY
            and self.config.get("credentials", {}).get("auth_method") != "oauth2.0"
        ):
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, REAUTHENTICATE)
        return resolution

    def backoff_time(
        self, response_or_exception: requests.Response | requests.RequestException | None, attempt_count: int = 0
    ) -> float | None:
        # A fresh token needs no wait before the retry.
        if isinstance(response_or_exception, requests.Response) and response_or_exception.status_code == 401:
            return 0.01
        return super().backoff_time(response_or_exception, attempt_count)
