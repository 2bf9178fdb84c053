"""Report jobs for one stream, from a date range to rows: one window after the other, at most 5 targeting types per
job (refused types left out), a job slot and up to max_attempts jobs per body, then the rows of its file.

The API's HTTP goes through declarative requesters built from the manifest (auth with OAuth refresh, rate limits,
retries of 429/5xx); one job's creation, polling and download are job_lifecycle.py's.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.requester import Requester

from source_pinterest.components import progress
from source_pinterest.components.entities import Entity, Lineage
from source_pinterest.components.reports import downloads, report_columns
from source_pinterest.components.reports.files import ReportFileError, iter_csv_rows, iter_json_rows
from source_pinterest.components.reports.job_body import (
    MAX_REPORT_TARGETING_TYPES,
    body_window,
    build_report_body,
    report_windows,
    split_targeting_types,
)
from source_pinterest.components.reports.job_lifecycle import Attempt, JobLifecycle, TypesRefused, job_error

if TYPE_CHECKING:
    from source_pinterest.sync import Sync

logger = logging.getLogger("airbyte")


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
        self._create = creation_requester  # its name is the stream's
        self._jobs = JobLifecycle(
            creation_requester,
            polling_requester,
            download_requester,
            sync,
            poll_delays=poll_delays,
            max_wait_seconds=max_wait_seconds,
            max_download_retries=downloads.DOWNLOAD_RETRIES if max_download_retries is None else max_download_retries,
            sleep=sleep,
        )
        self._sync = sync  # its per-account betas, its job slots (shared by every stream) and progress
        limit = sync.settings.max_concurrent_reports if max_concurrent_reports is None else max_concurrent_reports
        self._slots = sync.report_slots(max(1, int(limit)))
        self.max_attempts = max_attempts

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
                    yield from iter_csv_rows(text, report_columns.column_types())
                else:
                    yield from iter_json_rows(text, report_columns.id_column(level))
            except ReportFileError as error:
                raise job_error(
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
        attempts: list[Attempt] = []
        stream = str(getattr(self._create, "name", ""))  # the requesters carry their stream's name
        progress.report_job(self._sync.progress, stream, "queued")
        # A job holds its slot from creation until its file is on disk.
        with self._slots, progress.job_running(self._sync.progress, stream):
            while len(attempts) < self.max_attempts:
                file, attempt = self._jobs.attempt(ad_account_id, body)
                if file is not None:
                    return file
                attempts.append(attempt)
                logger.warning(
                    f"Pinterest report for ad account {ad_account_id} ({body_window(body)}) ended {attempt.status}"
                    f"{': ' + attempt.message if attempt.message else ''}; "
                    f"attempt {len(attempts)} of {self.max_attempts}."
                )
        last = attempts[-1]
        raise job_error(
            f"Pinterest could not produce the report for ad account {ad_account_id} ({body_window(body)}): "
            f"{last.status} {len(attempts)} times. Pinterest said: {last.message or 'nothing more'}. "
            "Try again later; a smaller start date or fewer columns make reports lighter.",
            FailureType.system_error,
        )
