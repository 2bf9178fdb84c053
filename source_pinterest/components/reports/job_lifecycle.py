"""One report job at Pinterest: create it, poll it with backoff until it ends, download its file before the link
expires, and read Pinterest's answers to those requests.

The job is created in the configured reporting_timezone while the account takes it (else once more without), and
refused before it exists when Pinterest refuses a targeting type its body names (`TypesRefused`). A failed download
is retried with a fresh link from polling again, up to max_download_retries times. How many jobs a window may take,
and the job slots, are the runner's (runner.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import timezone
from source_pinterest.components.answers import pinterest_error
from source_pinterest.components.pinterest_said import describe_request, pinterest_message
from source_pinterest.components.refusals import refused_targeting_types, timezone_refused
from source_pinterest.components.reports import downloads
from source_pinterest.components.reports.downloads import Downloader, DownloadFailed, public_url
from source_pinterest.components.reports.job_body import body_window

if TYPE_CHECKING:
    from source_pinterest.sync import Sync

logger = logging.getLogger("airbyte")

RETRYABLE = frozenset({"FAILED", "EXPIRED", "CANCELLED", "DOES_NOT_EXIST"})


class ReportJobError(AirbyteTracedException):
    """A report that could not be produced after every allowed attempt; carries Pinterest's own message."""


class TypesRefused(Exception):
    """Pinterest refused to create a job for targeting `types` its body named (raised before the job exists)."""

    def __init__(self, types: list[str], reason: str) -> None:
        super().__init__(reason)
        self.types, self.reason = types, reason


def _raise_if_types_refused(response: requests.Response | None) -> None:
    refused = refused_targeting_types(response) if response is not None else []
    if refused:
        raise TypesRefused(refused, f"{response.status_code}: {pinterest_message(response)}")  # type: ignore[union-attr]


@dataclass
class Attempt:
    status: str
    message: str


class JobLifecycle:
    """One report job per `attempt`, for one stream; thread-safe, so the partitions sharing a runner share it.

    The requesters are ReportRunner's (runner.py): creation POSTs, polling GETs, download gives the timeouts.
    """

    def __init__(
        self,
        creation_requester: Requester,
        polling_requester: Requester,
        download_requester: Requester,
        sync: Sync,
        *,
        poll_delays: tuple[float, float],
        max_wait_seconds: float,
        max_download_retries: int,
        sleep: Callable[[float], None],
    ) -> None:
        self._create, self._poll = creation_requester, polling_requester
        self._downloader = Downloader(download_requester, sent=self._download_sent)
        self._sync = sync  # its per-account zone and progress
        self.max_download_retries = max_download_retries
        self.max_wait_seconds = max_wait_seconds
        self._first_delay, self._max_delay = poll_delays
        self._sleep = sleep

    def _download_sent(self) -> None:
        if self._sync.progress is not None:  # file downloads bypass the CDK's HttpClient, whose sends it counts
            self._sync.progress.request(str(getattr(self._create, "name", "")))

    def attempt(self, ad_account_id: str, body: Mapping[str, Any]) -> tuple[IO[bytes] | None, Attempt]:
        """One job from creation to its file, or no file and how the job ended (the runner may create another)."""
        account_slice = StreamSlice(partition={"ad_account_id": ad_account_id}, cursor_slice={})
        created = _json(self._create_job(account_slice, body))
        token, message = created.get("token"), _message(created)
        if not token:
            return None, Attempt(str(created.get("report_status") or "NOT_CREATED"), message)
        failures = 0
        deadline = time.monotonic() + self.max_wait_seconds
        delay = self._first_delay
        while True:
            polled = _json(self._poll.send_request(stream_slice=account_slice, request_params={"token": token}))
            status = str(polled.get("report_status") or "")
            message = _message(polled) or message
            if status == "FINISHED" and polled.get("url"):
                url = str(polled["url"])
                try:
                    return self._downloader.fetch(url, polled.get("size")), Attempt(status, message)
                except DownloadFailed as failure:
                    failures += 1
                    self._download_failed(ad_account_id, body, url, failure, failures)
                continue  # poll again: a fresh link (the old one may have expired meanwhile)
            if status in RETRYABLE:
                return None, Attempt(status, message)
            if time.monotonic() + delay > deadline:
                return None, Attempt(status or "TIMED_OUT", f"still {status} after {self.max_wait_seconds:.0f} s")
            self._sleep(delay)
            delay = min(delay * 2, self._max_delay)

    def _create_job(self, account_slice: StreamSlice, body: Mapping[str, Any]) -> requests.Response | None:
        """POST the job, in the configured reporting_timezone while this account takes it (else once more without).

        Raises TypesRefused, before any job exists, when Pinterest refuses it for targeting types it names."""
        account = str(account_slice.partition["ad_account_id"])
        zone = self._sync.zone.value(account)
        if zone:
            response = self._create.send_request(
                stream_slice=account_slice, request_body_json={**body, timezone.PARAMETER: zone}
            )
            _raise_if_types_refused(response)
            if response is None or not timezone_refused(response):
                if response is not None and response.ok:
                    self._sync.zone.served(account)
                return response
            reason = f"{response.status_code}: {pinterest_message(response)}"
            self._sync.zone.refuse(zone, reason, account, describe_request(response))
        response = self._create.send_request(stream_slice=account_slice, request_body_json=dict(body))
        _raise_if_types_refused(response)
        return response

    def _download_failed(
        self, ad_account_id: str, body: Mapping[str, Any], url: str, failure: DownloadFailed, failures: int
    ) -> None:
        """Wait before the next attempt at the file, or fail the window once the retries are spent. Raising here
        leaves the job slot of `ReportRunner.download`, so other report jobs go on."""
        where = f"ad account {ad_account_id} ({body_window(body)})"
        if failures > self.max_download_retries:
            raise job_error(
                f"The Pinterest report file for {where} could not be downloaded from {public_url(url)}: "
                f"{failure.reason}, after {failures} attempts, each with a fresh link. The state keeps everything "
                "read so far, so the next sync reads these days again. Fix: run the sync again later; if it "
                f"persists, make sure this machine can download from {urlsplit(url).hostname} (firewall, proxy).",
                FailureType.transient_error,
            ) from None
        wait = 0.0 if failure.dead_link else downloads.retry_wait(failures)
        logger.warning(
            f"The report file for {where} failed to download from {public_url(url)} ({failure.reason}); "
            f"retry {failures} of {self.max_download_retries} with a fresh link" + (f" in {wait:g} s." if wait else ".")
        )
        if wait:
            self._sleep(wait)


def _json(response: requests.Response | None) -> dict[str, Any]:
    # A response the error handler let through without raising is no job.
    if response is None or not response.ok:
        code = response.status_code if response is not None else "no answer"
        return {"report_status": f"HTTP_{code}", "message": pinterest_error(response).message}
    try:
        body = response.json()
    except ValueError:
        return {"report_status": "INVALID_RESPONSE", "message": response.text[:200]}
    return body if isinstance(body, dict) else {"report_status": "INVALID_RESPONSE", "message": str(body)[:200]}


def _message(body: Mapping[str, Any]) -> str:
    message = body.get("message")
    if isinstance(message, list):
        return "; ".join(str(m) for m in message if m)
    return str(message) if message else ""


def job_error(message: str, failure_type: FailureType) -> ReportJobError:
    return ReportJobError(message=message, internal_message=message, failure_type=failure_type)
