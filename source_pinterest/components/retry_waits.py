"""`PinterestBackoff`: how long each retry of an API request waits, and when a request has had enough.

The CDK's own bounds (`max_retries`, `max_time` in the manifest) are set wide so that these budgets, which
docs/rate-limits-and-errors.md states, always decide first.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.backoff_strategy import BackoffStrategy
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import reachability
from source_pinterest.components.answers import NotAnAnswerError, not_an_answer
from source_pinterest.components.pinterest_said import (
    describe_request,
    header_seconds,
    is_transient_400,
    pinterest_message,
)
from source_pinterest.components.reachability import connection_failure, wait_text
from source_pinterest.components.uses_sync import UsesSync

RATE_LIMIT_BUDGET_SECONDS = 30 * 60  # a request waits at most this long in total for Pinterest's 429s
MAX_RATE_LIMIT_WAIT_SECONDS = 60  # a 429 without a usable header waits exponentially, up to this
SERVER_ERROR_RETRIES = 8  # 5xx, dropped connections, read timeouts
MAX_SERVER_ERROR_WAIT_SECONDS = 60
TRANSIENT_400_RETRIES = 3  # 400s Pinterest documents as transient ("Retry after...", code 12)
NOT_AN_ANSWER_RETRIES = 3  # 200s whose body is not the documented answer (an error object, empty, HTML)

logger = logging.getLogger("airbyte")


def _retry_after_in_message(response: requests.Response) -> float | None:
    found = re.search(r"retry after (\d+(?:\.\d+)?)\s*(min)?", pinterest_message(response), re.IGNORECASE)
    return float(found.group(1)) * (60 if found.group(2) else 1) if found else None


@dataclass
class PinterestBackoff(UsesSync, BackoffStrategy):
    """How long each retry waits, and when a request has had enough (the only backoff strategy of the API requests).

    - 401: the token has just been refreshed, so retry at once.
    - 429: as long as Pinterest says (Retry-After, else x-ratelimit-reset), else exponentially up to a minute; a
      request gives up once its waits would pass RATE_LIMIT_BUDGET_SECONDS in total.
    - A failed connection: 1, 2, 4, 8 s...; the error handler gives up once the host has accepted none for
      its budget (reachability.UNREACHABLE_SECONDS).
    - A transient 400: the wait its message names, else exponential, at most TRANSIENT_400_RETRIES times.
    - 5xx, dropped connections, read timeouts: exponential up to a minute, at most SERVER_ERROR_RETRIES times.

    Each retry logs one line: what failed, what is retried and when. A request's retries run in one thread, and its
    first failure is attempt 1, so a thread-local ledger per request needs no key.
    """

    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._local = threading.local()

    def backoff_time(
        self, response_or_exception: requests.Response | requests.RequestException | None, attempt_count: int
    ) -> float | None:
        if attempt_count <= 1 or not hasattr(self._local, "started"):
            self._local.started, self._local.counts = reachability.clock(), {}
        if isinstance(response_or_exception, NotAnAnswerError):
            response_or_exception = response_or_exception.response
        what = describe_request(response_or_exception)
        if isinstance(response_or_exception, requests.Response):
            status = response_or_exception.status_code
            if status == 401:
                return 0.01
            if status == 429:
                return self._rate_limited(response_or_exception, what)
            if 200 <= status < 300:  # not an answer (PinterestErrorHandler): a glitch, asked again soon
                problem = not_an_answer(response_or_exception) or f"HTTP {status} that is not an answer"
                wait = float(self._local.counts.get("not an answer", 0) + 1)
                return self._counted("not an answer", NOT_AN_ANSWER_RETRIES, what, wait, problem)
            if is_transient_400(response_or_exception):
                wait = _retry_after_in_message(response_or_exception)
                return self._counted(
                    "transient 400",
                    TRANSIENT_400_RETRIES,
                    what,
                    wait,
                    f"HTTP 400: {pinterest_message(response_or_exception)}",
                )
            return self._counted("server", SERVER_ERROR_RETRIES, what, None, f"HTTP {status}")
        reason = connection_failure(response_or_exception)
        if reason:
            tries = self._count("unreachable")
            request = getattr(response_or_exception, "request", None)
            # The CDK sleeps one second more than a backoff strategy asks: ask that much less, so the pauses
            # are 1, 2, 4, 8 s as logged and the last one ends with the budget.
            wait = max(self.sync.reachability.retry_wait(str(getattr(request, "url", "") or ""), tries), 1.0)
            logger.warning(
                f"Cannot connect for {what} ({reason}); retrying in {wait_text(wait)}. The sync gives up after "
                f"{self.sync.reachability.budget:.0f} s without any connection to the host."
            )
            return max(wait - 1.0, 0.01)  # 0 would mean "no wait of ours" to the CDK
        return self._counted("server", SERVER_ERROR_RETRIES, what, None, type(response_or_exception).__name__)

    def _count(self, kind: str) -> int:
        self._local.counts[kind] = self._local.counts.get(kind, 0) + 1
        return self._local.counts[kind]

    def _counted(self, kind: str, limit: int, what: str, wait: float | None, failure: str) -> float:
        tries = self._count(kind)
        if tries > limit:
            minutes = (reachability.clock() - self._local.started) / 60
            message = (
                f"Pinterest kept failing on {what} ({failure}): gave up after {limit} retries over {minutes:.0f} "
                "min. The state keeps everything read so far. Fix: run the sync again later; if it persists, check "
                "https://www.pinterest-status.com."
            )
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.transient_error
            )
        wait = wait if wait else float(min(2 * 2**tries, MAX_SERVER_ERROR_WAIT_SECONDS))
        logger.warning(f"{what} failed ({failure}); retry {tries} of {limit} in {wait:.0f} s.")
        return wait

    def _rate_limited(self, response: requests.Response, what: str) -> float:
        tries = self._count("429")
        said = header_seconds(response, "Retry-After") or header_seconds(response, "x-ratelimit-reset")
        wait = said or float(min(2**tries, MAX_RATE_LIMIT_WAIT_SECONDS))
        waited = reachability.clock() - self._local.started
        if waited + wait > RATE_LIMIT_BUDGET_SECONDS:
            message = (
                f"Pinterest kept rate limiting {what} (429: {pinterest_message(response)}): after {waited / 60:.0f} "
                f"min of waiting it asks for {wait:.0f} s more, past the {RATE_LIMIT_BUDGET_SECONDS // 60} min a "
                "request may wait. The state keeps everything read so far. Fix: run the sync again later, with "
                "fewer 'num_workers' or fewer streams at once if other apps share this Pinterest app's quota."
            )
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.transient_error
            )
        source = "as Pinterest asks" if said else "no wait given, backing off"
        logger.info(
            f"Rate limited (429) on {what}: waiting {wait:.0f} s ({source}), then retrying; {waited / 60:.0f} of "
            f"{RATE_LIMIT_BUDGET_SECONDS // 60} min used."
        )
        return wait
