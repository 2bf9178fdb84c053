"""One report job from request to rows: create, poll with backoff, download before the link expires, parse.

The API's HTTP goes through declarative requesters built from the manifest (auth with OAuth refresh, rate limits,
retries of 429/5xx); the presigned file link is fetched by downloads.py with the download requester's timeouts.
This module adds the job lifecycle on top.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import progress, timezone
from source_pinterest.components.answers import pinterest_error
from source_pinterest.components.entities import Entity, Lineage
from source_pinterest.components.pinterest_said import describe_request, pinterest_message
from source_pinterest.components.refusals import refused_targeting_types, timezone_refused
from source_pinterest.components.reports import catalogue, downloads
from source_pinterest.components.reports.downloads import Downloader, DownloadFailed, public_url
from source_pinterest.components.reports.files import ReportFileError, iter_csv_rows, iter_json_rows
from source_pinterest.components.reports.requests import (
    MAX_REPORT_TARGETING_TYPES,
    body_window,
    build_report_body,
    report_windows,
    split_targeting_types,
)

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
class _Attempt:
    status: str
    message: str


class ReportRunner:
    """Runs report jobs for one stream; thread-safe, so partitions may share one runner.

    `creation_requester` POSTs to /ad_accounts/{ad_account_id}/reports and `polling_requester` GETs it (both with
    `ad_account_id` read from the slice); `download_requester` gives the file downloads their connect and read
    timeouts (downloads.Downloader GETs the presigned link, without auth).
    """

    def __init__(
        self,
        creation_requester: Requester,
        polling_requester: Requester,
        download_requester: Requester,
        sync: Sync,
        max_concurrent_reports: int | None = None,
        max_attempts: int = 3,
        poll_delays: tuple[float, float] = (1.0, 30.0),
        max_wait_seconds: float = 3 * 3600,
        max_download_retries: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._create, self._poll = creation_requester, polling_requester
        self._downloader = Downloader(download_requester, sent=self._download_sent)
        self._sync = sync  # its per-account betas and zone, its job slots (shared by every stream) and progress
        limit = sync.settings.max_concurrent_reports if max_concurrent_reports is None else max_concurrent_reports
        self._slots = sync.report_slots(max(1, int(limit)))
        self.max_attempts = max_attempts
        self.max_download_retries = downloads.DOWNLOAD_RETRIES if max_download_retries is None else max_download_retries
        self.max_wait_seconds = max_wait_seconds
        self._first_delay, self._max_delay = poll_delays
        self._sleep = sleep

    def _download_sent(self) -> None:
        if self._sync.progress is not None:  # file downloads bypass the CDK's HttpClient, whose sends it counts
            self._sync.progress.request(str(getattr(self._create, "name", "")))

    # ------------------------------------------------------------------ public
    def read(
        self,
        ad_account_id: str,
        level: str,
        start: dt.date | str,
        end: dt.date | str,
        *,
        granularity: str,
        today: dt.date,
        entities: Sequence[Entity | Lineage] | None = None,
        late_days: int = 0,
        **body: Any,
    ) -> Iterator[tuple[dt.date, dict[str, Any]]]:
        """Every row of `start`..`end` at `level`, with the first day of its report window: one job per window of
        `report_windows`, none for a window where no one of `entities` (None: every window) can have delivered.
        `body` takes `build_report_body`'s columns, attribution, targeting types and filters. The report streams and
        the analytics history both read this way."""
        for window_start, window_end in report_windows(start, end, level, granularity, today=today):
            if entities is not None and not any(e.may_have_data(window_start, window_end, late_days) for e in entities):
                continue  # no job where no entity can have rows (an account without campaigns, a dormant year)
            request = build_report_body(level, window_start, window_end, granularity=granularity, **body)
            for row in self.rows(ad_account_id, request):
                yield window_start, row

    def rows(self, ad_account_id: str, body: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every row of one report (one window), as flat dicts; raises ReportJobError when it cannot be had.

        A body naming more targeting types than one job may (5) runs as several jobs, one after the other, each
        in its own job slot. A type this account refused (here or on another stream) is left out; a job refused
        for a type it names is created again without it (one warning per account and type), so the other types'
        rows come in full.
        """
        types = list(body.get("targeting_types") or ())
        if not types:
            yield from self._rows(ad_account_id, body)
            return
        scope = str(body["level"])
        pending = list(split_targeting_types({"targeting_types": self._sync.betas.usable(ad_account_id, scope, types)}))
        asked = 0
        while pending:
            group = self._sync.betas.usable(ad_account_id, scope, pending.pop(0)["targeting_types"])
            if not group:
                continue
            try:
                asked += 1
                yield from self._rows(ad_account_id, {**body, "targeting_types": group})
            except TypesRefused as refusal:  # raised before the job's first row
                if len(group) > 1 and set(group) <= set(refusal.types):
                    # Every type named: the message cannot say which are refused, so ask for each alone.
                    pending[:0] = [{"targeting_types": [t]} for t in group]
                    continue
                self._refuse_types(ad_account_id, scope, refusal)
                rest = [t for t in group if t not in refusal.types]
                if rest:
                    pending.insert(0, {"targeting_types": rest})
        if not self._sync.betas.usable(ad_account_id, scope, types):
            stream = str(getattr(self._create, "name", "")) or scope
            self._sync.unreadable.note(
                stream,
                f"Pinterest refuses every requested targeting type ({', '.join(types)}) to ad account "
                f"{ad_account_id} at {scope}. Fix: choose other targeting types, or leave them out for every "
                "non-BETA type.",
            )

    def _refuse_types(self, ad_account_id: str, scope: str, refusal: TypesRefused) -> None:
        # A job naming several refused types is refused once per type: each is learnt and announced once.
        stream = str(getattr(self._create, "name", "")) or "report"
        for targeting_type in self._sync.betas.refuse_types(ad_account_id, scope, refusal.types):
            logger.warning(
                f"{stream}: Pinterest refuses targeting type {targeting_type} to ad account {ad_account_id} "
                f"({refusal.reason}); it is left out for this account for the rest of this sync (a BETA type: "
                "other accounts are not affected), and every other type is read in full. Fix: ask Pinterest to "
                "enable it for this account, or leave it out of the configured targeting types."
            )

    def _rows(self, ad_account_id: str, body: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        level = str(body["level"])
        file = self.download(ad_account_id, body)
        try:
            text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
            try:
                if str(body.get("report_format", "JSON")).upper() == "CSV":
                    yield from iter_csv_rows(text, catalogue.column_types())
                else:
                    yield from iter_json_rows(text, catalogue.id_column(level))
            except ReportFileError as error:
                raise _fail(
                    f"The Pinterest report for ad account {ad_account_id} ({body_window(body)}) could not be read: "
                    f"{error}. Try again later; if it persists, switch the report format.",
                    FailureType.system_error,
                ) from None
        finally:
            file.close()

    def download(self, ad_account_id: str, body: Mapping[str, Any]) -> IO[bytes]:
        """Run the job to completion and return its file (a temporary file, positioned at the start).

        A 403 (no access to the ad account's reports) fails in the error handler: a skipped window would be
        checkpointed as read.
        The body must name at most 5 targeting types (`rows` splits larger ones).
        """
        if len(body.get("targeting_types") or ()) > MAX_REPORT_TARGETING_TYPES:
            raise ValueError(f"a report job names at most {MAX_REPORT_TARGETING_TYPES} targeting types; use rows()")
        attempts: list[_Attempt] = []
        stream = str(getattr(self._create, "name", ""))  # the requesters carry their stream's name
        progress.report_job(self._sync.progress, stream, "queued")
        # A job holds its slot from creation until its file is on disk.
        with self._slots, progress.job_running(self._sync.progress, stream):
            while len(attempts) < self.max_attempts:
                file, attempt = self._one_job(ad_account_id, body)
                if file is not None:
                    return file
                attempts.append(attempt)
                logger.warning(
                    f"Pinterest report for ad account {ad_account_id} ({body_window(body)}) ended {attempt.status}"
                    f"{': ' + attempt.message if attempt.message else ''}; "
                    f"attempt {len(attempts)} of {self.max_attempts}."
                )
        last = attempts[-1]
        raise _fail(
            f"Pinterest could not produce the report for ad account {ad_account_id} ({body_window(body)}): "
            f"{last.status} {len(attempts)} times. Pinterest said: {last.message or 'nothing more'}. "
            "Try again later; a smaller start date or fewer columns make reports lighter.",
            FailureType.system_error,
        )

    # ------------------------------------------------------------------ lifecycle
    def _one_job(self, ad_account_id: str, body: Mapping[str, Any]) -> tuple[IO[bytes] | None, _Attempt]:
        account_slice = StreamSlice(partition={"ad_account_id": ad_account_id}, cursor_slice={})
        created = _json(self._create_job(account_slice, body))
        token, message = created.get("token"), _message(created)
        if not token:
            return None, _Attempt(str(created.get("report_status") or "NOT_CREATED"), message)
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
                    return self._downloader.fetch(url, polled.get("size")), _Attempt(status, message)
                except DownloadFailed as failure:
                    failures += 1
                    self._download_failed(ad_account_id, body, url, failure, failures)
                continue  # poll again: a fresh link (the old one may have expired meanwhile)
            if status in RETRYABLE:
                return None, _Attempt(status, message)
            if time.monotonic() + delay > deadline:
                return None, _Attempt(status or "TIMED_OUT", f"still {status} after {self.max_wait_seconds:.0f} s")
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
        leaves `download`'s job slot, so other report jobs go on."""
        where = f"ad account {ad_account_id} ({body_window(body)})"
        if failures > self.max_download_retries:
            raise _fail(
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


def _fail(message: str, failure_type: FailureType) -> ReportJobError:
    return ReportJobError(message=message, internal_message=message, failure_type=failure_type)
