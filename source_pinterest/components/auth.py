"""OAuth2.0 with Pinterest's continuous refresh tokens: the token refresh and what it persists.

The CDK's single-use-refresh-token authenticator, with three Pinterest facts it cannot be told in YAML:
- the refresh fails fast: connect/read timeouts, the unreachable-host budget of the API requests (a host that
  accepts connections but never answers has the same budget), a few retries for 429/5xx (in `check`, only as many
  as its seconds allow), then one clear trace that every later refresh of the run repeats without asking again
  (the CDK's own refresh retries a dead host for 5 minutes without a timeout);
- Pinterest answers a refused refresh with `{code, message}`, not RFC 6749's `{error}`: every 4xx but 429 is
  a config_error that says to re-authenticate and names the credentials fields;
- a rotation persists only what the user set plus the new tokens (`config_file.save`), never the defaults.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import config_file, reachability
from source_pinterest.components.answers import pinterest_error
from source_pinterest.components.cdk_internals import TokenRefreshHooks
from source_pinterest.components.pinterest_said import header_seconds
from source_pinterest.components.uses_sync import UsesSync
from source_pinterest.settings import Settings

logger = logging.getLogger("airbyte")

# connect, read: the token endpoint answers within a second, so a host silent for 20 s is hung, not slow.
TIMEOUT_SECONDS = (10, 20)
REFRESH_RETRIES = 4  # for 429, 5xx, dropped connections and read timeouts; a dead host has its time budget
REAUTHENTICATE = (
    "Fix: re-authenticate. In Airbyte, re-authenticate the source in its settings; from the command line, run "
    "Pinterest's OAuth flow again and put the new refresh token into 'credentials.refresh_token' of the --config "
    "file (with the 'credentials.client_id' and 'credentials.client_secret' of the same app)."
)


def _pinterest_error(response: requests.Response) -> str:
    code, message, _ = pinterest_error(response)
    return f"code {code}: {message}" if code is not None else message


class PinterestOAuth(UsesSync, TokenRefreshHooks):
    config: Mapping[str, Any]  # the one field the manifest's CustomAuthenticator is given

    def __init__(self, config: Mapping[str, Any]) -> None:
        # Also built (and never used) when the config selects a static access token.
        credentials = config.get("credentials") or {}
        app = f"{credentials.get('client_id', '')}:{credentials.get('client_secret', '')}"
        super().__init__(
            config,
            f"{Settings.from_config(config).api_base_url}oauth/token",
            # Pinterest wants the app credentials as HTTP Basic, not in the form body.
            refresh_request_headers={"Authorization": "Basic " + base64.b64encode(app.encode()).decode()},
            # Apps created before 2025-09-25 get rotating (continuous) refresh tokens only when asked.
            refresh_request_body={"continuous_refresh": "true"},
        )
        self._rejection: AirbyteTracedException | None = None
        # The CDK writes the new tokens into this very mapping (the config it is given) on each refresh.
        self.tokens_config = config

    def persist_tokens(self) -> None:
        config_file.save(self.tokens_config)

    def request_tokens(self) -> Mapping[str, Any]:
        if self._rejection:  # a refused refresh token stays refused: do not ask Pinterest again
            raise self._rejection
        for failure_type in (FailureType.config_error, FailureType.transient_error):
            said = self.sync.fatal.again(failure_type)  # another stream's refresh was refused or gave up
            if said is not None:
                raise said
        url = str(self.get_token_refresh_endpoint())
        base_url, what = url.removesuffix("oauth/token"), f"POST {urlsplit(url).path}"
        reach = self.sync.reachability
        read_timeout = reachability.CHECK_READ_TIMEOUT_SECONDS if reach.is_check else TIMEOUT_SECONDS[1]
        started = reachability.clock()
        connection_failures = failures = 0
        while True:
            wait: float | None = None
            silent = False
            try:
                response = requests.post(
                    url,
                    data=self.build_refresh_request_body(),
                    headers=self.build_refresh_request_headers(),
                    # never a connect attempt longer than the budget (`check` has seconds)
                    timeout=(min(TIMEOUT_SECONDS[0], reach.budget), read_timeout),
                )
            except requests.RequestException as error:
                dead = self.sync.reachability.unreachable(base_url, error)
                if dead:
                    raise dead from error
                reason = reachability.connection_failure(error)
                if reason:  # bounded by the unreachable budget, not by a count
                    connection_failures += 1
                    wait = self.sync.reachability.retry_wait(base_url, connection_failures)
                    retry = f"retrying in {reachability.wait_text(wait)}"
                    logger.warning(f"Cannot connect for {what} ({reason}); {retry}.")
                    reachability.sleep(wait)
                    continue
                failure = type(error).__name__
                silent = isinstance(error, requests.exceptions.ReadTimeout)
            else:
                self.sync.reachability.reached(urlsplit(base_url).netloc)
                if response.ok:
                    return self._accepted(response)
                if response.status_code != 429 and response.status_code < 500:
                    self._rejection = self.sync.fatal.record(self._refused(response))
                    raise self._rejection
                failure = f"HTTP {response.status_code}"
                wait = header_seconds(response, "Retry-After") or header_seconds(response, "x-ratelimit-reset")
            failures += 1
            wait = min(wait or 2.0**failures, 60.0)
            # A silent host, and in `check` any failure, is retried only within the unreachable-host budget.
            out_of_time = (silent or reach.is_check) and reachability.clock() - started + wait >= reach.budget
            if failures > REFRESH_RETRIES or out_of_time:
                raise self.sync.fatal.record(self._gave_up(what, failure, failures, base_url, silent, read_timeout))
            logger.warning(
                f"Refreshing the OAuth access token ({what}) failed ({failure}); retry {failures} of "
                f"{REFRESH_RETRIES} in {wait:.0f} s."
            )
            reachability.sleep(wait)

    def _gave_up(
        self, what: str, failure: str, attempts: int, base_url: str, silent: bool, read_timeout: float
    ) -> AirbyteTracedException:
        checking = self.sync.reachability.is_check
        kept = "" if checking else " The state keeps everything read so far."
        if silent:
            refreshing = f"Refreshing the OAuth access token ({what}, {attempts} attempt(s))"
            message = reachability.silent_host(base_url, read_timeout, refreshing, kept)
        else:
            message = (
                f"Refreshing the OAuth access token ({what}) kept failing ({failure}) after {attempts - 1} "
                f"{'retry' if attempts == 2 else 'retries'}.{kept} Fix: run the {'check' if checking else 'sync'} "
                "again later."
            )
        return AirbyteTracedException(
            message=message, internal_message=message, failure_type=FailureType.transient_error
        )

    def _accepted(self, response: requests.Response) -> Mapping[str, Any]:
        body = response.json()
        access_token = body.get("access_token") if isinstance(body, dict) else None
        if access_token:
            add_to_secrets(str(access_token))
        if isinstance(body, dict) and "scope" in body and not str(body["scope"] or "").strip():
            message = (
                "Pinterest refreshed the OAuth access token, but it carries no scope, so every request would be "
                "refused. " + REAUTHENTICATE + " Grant the scopes listed in the README (at least ads:read)."
            )
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.config_error
            )
        return body

    def _refused(self, response: requests.Response) -> AirbyteTracedException:
        said = self._redacted(_pinterest_error(response))
        message = (
            f"Pinterest refused to refresh the OAuth access token (HTTP {response.status_code}, {said}): the refresh "
            "token in 'credentials.refresh_token' is expired, revoked or already used, or 'credentials.client_id' / "
            "'credentials.client_secret' are not those of the app that issued it. " + REAUTHENTICATE
        )
        return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)

    def _redacted(self, text: str) -> str:
        """`text` without the secrets the CDK masks in logs, nor the refresh token and client secret this refresh
        sent (Pinterest may echo them)."""
        text = filter_secrets(text)
        for credential in (self.get_refresh_token, self.get_client_secret):
            try:
                value = credential()
            except Exception:  # noqa: BLE001 - masking must not fail the refusal it words
                continue
            if value and isinstance(value, str):
                text = text.replace(value, "****")
        return text
