"""Pinterest async reports (POST/GET /ad_accounts/{id}/reports): the engine and the report streams.

Python API (for any retriever that needs history beyond the 90 days of the sync analytics endpoints)::

    from source_pinterest.components.reports import ReportRunner, build_report_body, report_windows

    runner = ReportRunner(creation_requester, polling_requester, download_requester, Sync(config))
    for start, end in report_windows("2024-06-01", "2026-11-29", "CAMPAIGN", today=today):  # 186-day windows
        body = build_report_body("CAMPAIGN", start, end, columns=["SPEND_IN_DOLLAR", "IMPRESSION_1"])
        for row in runner.rows(ad_account_id, body):   # flat dicts: CAMPAIGN_ID, DATE, SPEND_IN_DOLLAR, ...
            ...

- `ReportRunner(creation_requester, polling_requester, download_requester, sync, max_concurrent_reports=None,
  max_attempts=3, poll_delays=(1.0, 30.0), max_wait_seconds=10800, max_download_retries=5, sleep=time.sleep)`:
  the three requesters are declarative `HttpRequester`s (the manifest's `#/definitions/report_creation_requester`,
  `report_polling_requester`, `report_download_requester`: auth, OAuth refresh, rate limits and retries apply).
  Creation/polling URLs read `stream_slice['ad_account_id']`; the download requester gives its connect and read
  timeouts (the API requester's) to `downloads.Downloader`, which GETs the presigned link itself. `sync` (the run's
  source_pinterest.sync.Sync) holds the per-account beta and zone decisions, the job slots every stream shares
  (`max_concurrent_reports`, default the config's) and the progress counters.
  - `rows(ad_account_id: str, body: Mapping) -> Iterator[dict]`: one job (one per 5 targeting types, the API's
    limit): create, poll (1 s doubling to 30 s),
    download to a temporary file before the 5-minute link expires (a failed download is retried up to
    `max_download_retries` times, each with a fresh link from polling again: at once for a dead link, after a
    doubling wait for 5xx, dropped connections, read timeouts and short files; then ReportJobError, and the job slot
    is free; no message shows the link's query string),
    parse JSON (BY_ID or BY_DATE, streamed) or CSV (zero-filled, numbers converted). A FAILED, EXPIRED or
    CANCELLED job is re-created up to `max_attempts` times, then `ReportJobError` (an AirbyteTracedException)
    carries Pinterest's message and fails the stream. A 403 (no access to the account's reports) fails the stream
    too (error handler): a skipped window would be checkpointed as read. At most `max_concurrent_reports` jobs
    run at once across all threads.
  - `download(ad_account_id, body) -> IO[bytes] | None`: the same lifecycle, returning the raw file.
  - `read(ad_account_id, level, start, end, *, granularity, today, entities=None, late_days=0, **body)
    -> Iterator[(window_start, row)]`: `rows` for every report window of the range, skipping windows where none of
    `entities` (`components/entities.py`) can have delivered; the report streams and the analytics history read so.
- `build_report_body(level, start, end, columns=None, granularity="DAY", click_window_days=None,
  engagement_window_days=None, view_window_days=None, conversion_report_time=None, targeting_types=None,
  **options) -> dict`: the POST body; columns default to `report_columns.default_columns()`, attribution to
  30/30/1 and TIME_OF_AD_ACTION, targeting types to the level's; `options` are filters like `campaign_statuses`.
- `report_windows(start, end, level="ADVERTISER", granularity="DAY", *, today) -> list[(date, date)]`:
  inclusive windows of at most 186 days (31 for PRODUCT_ITEM, 3 for HOUR), the start moved up to 913 days back
  (91, 7: the day after the API's edge) and the end down to `today` (the sync's `Settings.today`).
- `report_columns`: `id_column(level)`, `primary_key(level)`, `default_columns()`, `json_schema(level, columns)`.

Streams: `streams.ReportRetriever` (a CustomRetriever) and `streams.ReportSchemaLoader`; custom reports from the
config are validated and defaulted by `custom`.
"""

from source_pinterest.components.reports import report_columns
from source_pinterest.components.reports.files import ReportFileError
from source_pinterest.components.reports.job_body import build_report_body, report_windows
from source_pinterest.components.reports.job_lifecycle import ReportJobError
from source_pinterest.components.reports.runner import ReportRunner

__all__ = ["ReportFileError", "ReportJobError", "ReportRunner", "build_report_body", "report_columns", "report_windows"]
