"""Whether Pinterest's hosts accept connections, decided once per run: a host that has accepted none for its budget
ends every stream at its first attempt, with one trace that names the cause and the fix.

`Reachability` is one run's (its Sync's): since when each host has refused connections, the budget (seconds, not
half a minute, in `check`), and whether a request may retry a failed connection at all (not in the read's warm-up of
shared parent listings, whose streams list again themselves).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components.verdict import Fatal
from source_pinterest.facts import PRODUCTION_URL

UNREACHABLE_SECONDS = 30.0  # a host that accepts no connection for this long ends the sync
CHECK_UNREACHABLE_SECONDS = 3.0  # `check` answers within seconds (retry waits are cut to what is left of it)
CHECK_READ_TIMEOUT_SECONDS = 4.0  # `check` answers within about 10 s, a silent host included

clock = time.monotonic  # module attributes, so tests can move time without sleeping
sleep = time.sleep


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


def wait_text(wait: float) -> str:
    """A wait for a log line: "2 s", and "0.3 s" rather than "0 s" when the budget's end cuts it short."""
    return f"{wait:.0f} s" if wait >= 1 else f"{wait:.1f} s"


class Reachability:
    """Since when each host has accepted no connection in this run; any answer from it clears that. Thread-safe.

    Shared by every stream of the run, so that once a host has been dead for the budget every stream fails at its
    first attempt instead of spending a budget of its own; the first such failure is the run's `fatal` one.
    """

    def __init__(self, fatal: Fatal) -> None:
        self._since: dict[str, float] = {}
        self._lock = threading.Lock()
        self._fatal = fatal
        self._checking = False
        self._warm_up = threading.local()  # per thread: inside `no_connection_retries`

    @property
    def budget(self) -> float:
        """Seconds without a connection before giving up (read at call time: tests shrink the module's)."""
        return CHECK_UNREACHABLE_SECONDS if self._checking else UNREACHABLE_SECONDS

    def failed(self, host: str) -> float:
        """Record a failed connection; seconds since the first of the current run of failures."""
        with self._lock:
            return clock() - self._since.setdefault(host, clock())

    def reached(self, host: str) -> None:
        with self._lock:
            self._since.pop(host, None)

    def down_for(self, host: str) -> float:
        """Seconds since the first of the current run of failed connections to `host` (0 if it answers)."""
        with self._lock:
            since = self._since.get(host)
        return 0.0 if since is None else clock() - since

    def retry_wait(self, url: str, tries: int) -> float:
        """1, 2, 4, 8 s between failed connections to the host of `url`, never past the end of the budget."""
        left = self.budget - self.down_for(urlsplit(url).netloc or url)
        return max(min(float(2 ** (tries - 1)), 8.0, left), 0.05)

    @property
    def is_check(self) -> bool:
        """This run is a `check`: it answers within seconds and has no state to speak of."""
        return self._checking

    def checking(self) -> None:
        """This run is a `check`: an unreachable host is given up on after seconds, and no state is mentioned."""
        self._checking = True

    @contextmanager
    def no_connection_retries(self) -> Iterator[None]:
        """Within this block (the read's warm-up of shared parent listings, an optimisation), a failed connection
        ends the request at once: the read's own requests retry it, within the budget this failure started."""
        self._warm_up.active = True
        try:
            yield
        finally:
            self._warm_up.active = False

    def unreachable(self, base_url: str, error: BaseException) -> AirbyteTracedException | None:
        """Retry (None) or give up (the trace to raise) after a failed connection to the API at `base_url`.

        None also for errors that are not connection failures. The trace is a transient_error: nothing in the
        config may be wrong, but it names the field and the network settings to look at. Once given up on, every
        later request gives up with the same trace (the run's `fatal`), so that the read says it once.
        """
        reason = connection_failure(error)
        if reason is None:
            return None
        url = urlsplit(base_url)
        host = url.netloc or base_url
        seconds = self.failed(host)
        if getattr(self._warm_up, "active", False):
            message = f"Cannot connect to {base_url} ({reason}); the streams will list it themselves."
            return AirbyteTracedException(message=message, failure_type=FailureType.transient_error)
        if seconds < self.budget:
            return None
        said = self._fatal.again(FailureType.transient_error)
        if said is not None:
            return said
        port = url.port or (443 if url.scheme == "https" else 80)
        kept = "" if self._checking else " The state keeps everything read so far."
        message = (
            f"Could not reach the Pinterest API at {base_url}: {reason} (no connection for {seconds:.0f} s).{kept} "
            f"Fix: make sure this machine can open connections to {url.hostname}:{port} "
            "(network, DNS, firewall, proxy settings such as HTTPS_PROXY), or correct the 'api_base_url' field "
            f"(leave it empty for {PRODUCTION_URL})."
        )
        return self._fatal.record(
            AirbyteTracedException(
                message=message, internal_message=repr(error), failure_type=FailureType.transient_error
            )
        )


def silent_host(base_url: str, seconds: float, what: str, note: str = "") -> str:
    """Why `what` failed when the host took the connection and never answered, `note`, and the fix."""
    host = urlsplit(base_url).netloc
    return (
        f"{what} failed: {host} accepted the connection but sent no answer within {seconds:g} s.{note} "
        f"Fix: make sure {base_url} is Pinterest's API (the 'api_base_url' field; leave it empty for the real one) "
        "and that no proxy (HTTPS_PROXY) or firewall holds the connection; then run it again."
    )
