"""Error handling the YAML filters cannot express, on top of the declarative DefaultErrorHandler, and the retry
budgets: which failure is retried, how long to wait, and when to give up with a clear trace.

The handler classifies (retry, wait for the rate limit, fail, skip); `PinterestBackoff` decides how long each retry
waits and ends a request whose budget is spent. The CDK's own bounds (`max_retries`, `max_time` in the manifest) are
set wide so that these budgets, which README states, always decide first.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import InitVar, dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import requests
import urllib3.exceptions
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.error_handlers.default_error_handler import DefaultErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.backoff_strategy import BackoffStrategy
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import unreadable
from source_pinterest.components.answers import NotAnAnswerError, not_an_answer, pinterest_error
from source_pinterest.components.verdict import FATAL
from source_pinterest.facts import AD_ACCOUNT_WINDOW_PATH, PRODUCTION_URL
from source_pinterest.settings import settings

REAUTHENTICATE = (
    "Pinterest rejected the access token (401). Fix: generate a new access token and put it into "
    "'credentials.access_token' (in Airbyte: the source's settings; from the command line: the --config file), "
    "or switch to OAuth2.0 so tokens are refreshed automatically."
)

# Retry budgets (README, "Rate limits, errors and resuming").
RATE_LIMIT_BUDGET_SECONDS = 30 * 60  # a request waits at most this long in total for Pinterest's 429s
MAX_RATE_LIMIT_WAIT_SECONDS = 60  # a 429 without a usable header waits exponentially, up to this
SERVER_ERROR_RETRIES = 8  # 5xx, dropped connections, read timeouts
MAX_SERVER_ERROR_WAIT_SECONDS = 60
TRANSIENT_400_RETRIES = 3  # 400s Pinterest documents as transient ("Retry after...", code 12)
NOT_AN_ANSWER_RETRIES = 3  # 200s whose body is not the documented answer (an error object, empty, HTML)
UNREACHABLE_SECONDS = 30.0  # a host that accepts no connection for this long ends the sync
CHECK_UNREACHABLE_SECONDS = 3.0  # `check` answers within seconds (retry waits are cut to what is left of it)

clock = time.monotonic  # a module attribute, so tests can move time without sleeping
sleep = time.sleep
_unreachable_budget: ContextVar[float | None] = ContextVar("unreachable_budget", default=None)
_checking: ContextVar[bool] = ContextVar("checking", default=False)
_pre_listing: ContextVar[bool] = ContextVar("pre_listing", default=False)


def unreachable_budget() -> float:
    """Seconds without a connection before giving up: read at call time, so tests can shrink the module attributes."""
    budget = _unreachable_budget.get()
    return UNREACHABLE_SECONDS if budget is None else budget


logger = logging.getLogger("airbyte")


def pinterest_message(response: requests.Response) -> str:
    return pinterest_error(response).message


# Exact names: a substring test would also mask harmless ones such as `keywords` or `country_code`.
_SENSITIVE_PARAMS = frozenset(
    {"access_token", "refresh_token", "client_id", "client_secret", "token", "code", "signature", "password", "key"}
)


def describe_request(response_or_exception: requests.Response | BaseException | None) -> str:
    """`GET /v5/path?query` of the request behind a response or a network error, for error messages.

    The method, path and query say which call failed; credentials travel in headers and the form body, which are
    left out, and query values whose names look secret are masked all the same.
    """
    request = getattr(response_or_exception, "request", None)
    if isinstance(response_or_exception, requests.Response):
        target = str(request.url if request is not None else response_or_exception.url)
    elif request is not None:
        target = str(request.url)
    else:
        return "the request"
    url = urlsplit(target)
    query = [
        (name, "****" if name.lower() in _SENSITIVE_PARAMS else value)
        for name, value in parse_qsl(url.query, keep_blank_values=True)
    ]
    method = request.method if request is not None else "GET"
    return f"{method} {url.path}" + (f"?{urlencode(query)}" if query else "")


def is_transient_400(response: requests.Response) -> bool:
    """The 400s Pinterest documents as passing: "Retry after..." and code 12 "something went wrong"."""
    if response.status_code != 400:
        return False
    error = pinterest_error(response)
    message = error.message.lower()
    return not error.is_text and (error.code == 12 or "something went wrong" in message or "retry after" in message)


def _retry_after_in_message(response: requests.Response) -> float | None:
    found = re.search(r"retry after (\d+(?:\.\d+)?)\s*(min)?", pinterest_message(response), re.IGNORECASE)
    return float(found.group(1)) * (60 if found.group(2) else 1) if found else None


def connection_failure(error: BaseException | None) -> str | None:
    """Why no connection to the host could be opened (unknown host, refused, connect timeout), or None.

    Only these mean the host is unreachable; an error on an open connection (dropped, reset, read timeout) is an
    ordinary transient failure. requests wraps urllib3's cause in a MaxRetryError.
    """
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "the connection attempt timed out"
    if not isinstance(error, requests.exceptions.ConnectionError):
        return None
    cause = error.args[0] if error.args else None
    cause = getattr(cause, "reason", cause)
    proxy = isinstance(cause, urllib3.exceptions.ProxyError)
    if proxy:
        cause = getattr(cause, "original_error", cause)
    if isinstance(cause, urllib3.exceptions.NameResolutionError):
        reason = "unknown host (DNS lookup failed)"
    elif isinstance(cause, urllib3.exceptions.NewConnectionError):
        reason = str(cause).rsplit("]", 1)[-1].strip() or "connection failed"
    elif isinstance(cause, urllib3.exceptions.ConnectTimeoutError):
        reason = "the connection attempt timed out"
    else:
        return None
    return f"proxy: {reason}" if proxy else reason


class _Reachability:
    """Since when each host has accepted no connection; any answer from it clears that.

    Process-wide, so that once a host has been dead for the budget every stream fails at its first attempt instead
    of spending a budget of its own.
    """

    def __init__(self) -> None:
        self._since: dict[str, float] = {}
        self._lock = threading.Lock()

    def failed(self, host: str) -> float:
        """Record a failed connection; seconds since the first of the current run of failures."""
        with self._lock:
            return clock() - self._since.setdefault(host, clock())

    def reached(self, host: str) -> None:
        self._since.pop(host, None)

    def down_for(self, host: str) -> float:
        """Seconds since the first of the current run of failed connections to `host` (0 if it answers)."""
        with self._lock:
            since = self._since.get(host)
        return 0.0 if since is None else clock() - since

    def reset(self) -> None:
        with self._lock:
            self._since.clear()


REACHABILITY = _Reachability()


def wait_text(wait: float) -> str:
    """A wait for a log line: "2 s", and "0.3 s" rather than "0 s" when the budget's end cuts it short."""
    return f"{wait:.0f} s" if wait >= 1 else f"{wait:.1f} s"


def connect_retry_wait(url: str, tries: int) -> float:
    """1, 2, 4, 8 s between failed connections to the host of `url`, never past the end of the unreachable budget."""
    left = unreachable_budget() - REACHABILITY.down_for(urlsplit(url).netloc or url)
    return max(min(float(2 ** (tries - 1)), 8.0, left), 0.05)


@contextmanager
def quick_unreachable_verdict() -> Iterator[None]:
    """Within this block (`check`), an unreachable host is given up on after seconds, not half a minute."""
    FATAL.reset()  # a verdict of an earlier read or check in this process says nothing about this one
    REACHABILITY.reset()
    token = _unreachable_budget.set(CHECK_UNREACHABLE_SECONDS)
    checking = _checking.set(True)
    try:
        yield
    finally:
        _checking.reset(checking)
        _unreachable_budget.reset(token)


@contextmanager
def no_connection_retries() -> Iterator[None]:
    """Within this block (the read's warm-up of shared parent listings, an optimisation), a failed connection ends
    the request at once: the read's own requests retry it, within the budget that this first failure started."""
    token = _pre_listing.set(True)
    try:
        yield
    finally:
        _pre_listing.reset(token)


def unreachable(base_url: str, error: BaseException) -> AirbyteTracedException | None:
    """Retry (None) or give up (the trace to raise) after a failed connection to the API at `base_url`.

    None also for errors that are not connection failures. The trace is a transient_error: nothing in the config
    may be wrong, but it names the field and the network settings to look at. Once given up on, every later
    request gives up with the same trace (`FATAL`), so that the read says it once.
    """
    reason = connection_failure(error)
    if reason is None:
        return None
    url = urlsplit(base_url)
    host = url.netloc or base_url
    seconds = REACHABILITY.failed(host)
    if _pre_listing.get():
        message = f"Cannot connect to {base_url} ({reason}); the streams will list it themselves."
        return AirbyteTracedException(message=message, failure_type=FailureType.transient_error)
    if seconds < unreachable_budget():
        return None
    said = FATAL.again(FailureType.transient_error)
    if said is not None:
        return said
    port = url.port or (443 if url.scheme == "https" else 80)
    kept = "" if _checking.get() else " The state keeps everything read so far."
    message = (
        f"Could not reach the Pinterest API at {base_url}: {reason} (no connection for {seconds:.0f} s).{kept} "
        f"Fix: make sure this machine can open connections to {url.hostname}:{port} "
        "(network, DNS, firewall, proxy settings such as HTTPS_PROXY), or correct the 'api_base_url' field (leave "
        f"it empty for {PRODUCTION_URL})."
    )
    return FATAL.record(
        AirbyteTracedException(message=message, internal_message=repr(error), failure_type=FailureType.transient_error)
    )


_UNAVAILABLE = ("beta", "not available", "not yet available", "not enabled")


def _says_unavailable(response: requests.Response) -> bool:
    message = pinterest_message(response).lower()
    return any(words in message for words in _UNAVAILABLE)


def _query_values(response: requests.Response, name: str) -> list[str]:
    url = response.request.url if response.request is not None else response.url
    return [v for joined in parse_qs(urlsplit(str(url)).query).get(name, []) for v in joined.split(",") if v]


def _body_json(response: requests.Response) -> dict[str, Any]:
    """The JSON object the request sent (report jobs), else {}."""
    body = response.request.body if response.request is not None else None
    try:
        sent = json.loads(body) if body else None
    except (TypeError, ValueError):
        return {}
    return sent if isinstance(sent, dict) else {}


def requested_targeting_types(response: requests.Response) -> list[str]:
    """The targeting types the request behind `response` named: its query (`targeting_types=A,B`) or its JSON body."""
    sent = _body_json(response).get("targeting_types")
    body_types = [str(t) for t in sent] if isinstance(sent, list) else []
    return list(dict.fromkeys(_query_values(response, "targeting_types") + body_types))


def _named(value: str, message: str) -> bool:
    # Whole words only: AGE_BUCKET must not match inside AGE_BUCKET_AND_GENDER ("_" is a word character).
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(value)}(?![A-Za-z0-9_])", message) is not None


def refused_targeting_types(response: requests.Response) -> list[str]:
    """The targeting types a refusal (400 or 403) names out of those its own request sent, in the request's order:
    a targeting analytics request or a report job refused for a type it asked for (a BETA type this account does
    not have). Recognised by the request's own values appearing in the message, not by Pinterest's wording."""
    if response.status_code not in (400, 403):
        return []
    message = pinterest_message(response)
    return [t for t in requested_targeting_types(response) if _named(t, message)]


def multi_pin_refused(response: requests.Response) -> bool:
    """Pinterest keeps GET /pins/analytics (multi-pin, beta) to apps it enabled it for: 403, or 400/404 saying so."""
    if not urlsplit(response.url).path.endswith("/pins/analytics") or "/ad_accounts/" in response.url:
        return False
    return response.status_code == 403 or (response.status_code in (400, 404) and _says_unavailable(response))


def timezone_refused(response: requests.Response) -> bool:
    """Pinterest refuses `reporting_timezone` (a closed beta) on a request that carried it: 400/403/404 naming the
    parameter or its value, or saying "beta" / "not available" without naming a targeting type the request sent (that
    is a refused type, see refused_targeting_types). A 403 must say so too: a missing role is refused alike."""
    if response.status_code not in (400, 403, 404) or response.request is None:
        return False
    sent = _query_values(response, "reporting_timezone") + [str(_body_json(response).get("reporting_timezone") or "")]
    sent = [zone for zone in sent if zone]
    if not sent:
        return False
    message = pinterest_message(response)
    if any(_named(zone, message) for zone in sent) or "timezone" in message.lower() or "time zone" in message.lower():
        return True
    return _says_unavailable(response) and not refused_targeting_types(response)


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


def header_seconds(response: requests.Response, name: str) -> float | None:
    try:
        seconds = float(response.headers.get(name, ""))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


@dataclass
class PinterestErrorHandler(DefaultErrorHandler):
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
    - 403 on one ad account's listing read for a router's partitions (`unreadable.listening`): that account is
      reported to the router, which leaves it out; the listing of the other accounts goes on.
    - No connection to the host for longer than its budget: fail as a transient_error naming `api_base_url`.
    - Any other failure that is Pinterest's answer (400, 404...): its message plus the request that caused it.
    """

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self.stream_name = str((parameters or {}).get("name") or "")  # the stream's $parameters reach its error handler

    def interpret_response(self, response_or_exception: requests.Response | Exception | None) -> ErrorResolution:
        base_url = str(settings(self.config).api_base_url)
        if isinstance(response_or_exception, NotAnAnswerError):  # refused before the HTTP cache kept it
            response_or_exception = response_or_exception.response
        if isinstance(response_or_exception, requests.Response):
            REACHABILITY.reached(urlsplit(base_url).netloc)
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
            problem = not_an_answer(response_or_exception)
            if problem:
                message = f"{problem} ({describe_request(response_or_exception)})"
                return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, message)
        elif isinstance(response_or_exception, Exception):
            dead = unreachable(base_url, response_or_exception)
            if dead:
                return ErrorResolution(ResponseAction.FAIL, FailureType.transient_error, dead.message)
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
            FATAL.record(AirbyteTracedException(message=REAUTHENTICATE, failure_type=FailureType.config_error))
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, REAUTHENTICATE)
        return resolution

    def _skip(self, response: requests.Response) -> ErrorResolution | None:
        path = urlsplit(response.url).path
        account = _listing_account(response)
        if response.status_code == 403 and account:
            message = refused_listing_message(response, account)
            if unreadable.refused_listing(account, message):  # a router listens: it leaves this account out
                logger.warning(message)
                return ErrorResolution(ResponseAction.IGNORE, None, message)
            if _checkpointed_after(response):  # a later page: its earlier pages would move the state past it
                return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, message)
            unreadable.note(self.stream_name or path, message)
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
            unreadable.note(self.stream_name or path, message)
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


@dataclass
class PinterestBackoff(BackoffStrategy):
    """How long each retry waits, and when a request has had enough (the only backoff strategy of the API requests).

    - 401: the token has just been refreshed, so retry at once.
    - 429: as long as Pinterest says (Retry-After, else x-ratelimit-reset), else exponentially up to a minute; a
      request gives up once its waits would pass RATE_LIMIT_BUDGET_SECONDS in total.
    - A failed connection: 1, 2, 4, 8 s...; the error handler gives up once the host has accepted none for
      UNREACHABLE_SECONDS.
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
            self._local.started, self._local.counts = clock(), {}
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
            wait = max(connect_retry_wait(str(getattr(request, "url", "") or ""), tries), 1.0)
            logger.warning(
                f"Cannot connect for {what} ({reason}); retrying in {wait_text(wait)}. The sync gives up after "
                f"{unreachable_budget():.0f} s without any connection to the host."
            )
            return max(wait - 1.0, 0.01)  # 0 would mean "no wait of ours" to the CDK
        return self._counted("server", SERVER_ERROR_RETRIES, what, None, type(response_or_exception).__name__)

    def _count(self, kind: str) -> int:
        self._local.counts[kind] = self._local.counts.get(kind, 0) + 1
        return self._local.counts[kind]

    def _counted(self, kind: str, limit: int, what: str, wait: float | None, failure: str) -> float:
        tries = self._count(kind)
        if tries > limit:
            minutes = (clock() - self._local.started) / 60
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
        waited = clock() - self._local.started
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
