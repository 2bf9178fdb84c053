"""Report file downloads (components/reports/downloads.py through the runner): timeouts of every request, bounded
retries with a fresh link, the job slot given back, and a presigned query string in no message, trace or log."""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from airbyte_cdk.models import FailureType

from source_pinterest.components.reports import ReportJobError, build_report_body, downloads
from source_pinterest.components.reports.downloads import public_url, scrub
from source_pinterest.settings import apply_defaults
from unit_tests.conftest import API, token_config
from unit_tests.report_factory import MANIFEST, report_requesters, runner_from_config

ACCOUNT = "549755885998"
REPORTS = f"{API}ad_accounts/{ACCOUNT}/reports"
FILE = "https://reports.s3.example/async/1/file.json"
SIGNATURE = "5f1b0e8f9c2d4a6b8e0f1a3c5e7d9b1a3c5e7f9a1b3d5f7e9c1a3b5d7f9e1c3a"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/session=="
CREDENTIAL = "ASIAEXAMPLEKEYID1234/20261122/us-east-1/s3/aws4_request"
QUERY = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": CREDENTIAL,
    "X-Amz-Security-Token": SESSION_TOKEN,
    "X-Amz-Signature": SIGNATURE,
}
LINK = requests.Request("GET", FILE, params=QUERY).prepare().url or ""
SECRETS = (SIGNATURE, SESSION_TOKEN, CREDENTIAL, requests.utils.quote(SESSION_TOKEN, safe=""), "X-Amz-")
BODY = build_report_body("CAMPAIGN", "2026-01-01", "2026-01-31", columns=["SPEND_IN_DOLLAR"])
ROWS = {"111": [{"CAMPAIGN_ID": "111", "DATE": "2026-01-01", "SPEND_IN_DOLLAR": 1.5}]}


def runner(slept: list[float] | None = None, **options: Any) -> Any:
    config = token_config()
    apply_defaults(config)
    options.setdefault("poll_delays", (0.0, 0.0))
    return runner_from_config(config, sleep=(slept if slept is not None else []).append, **options)


def serve(requests_mock: Any, file: list[dict[str, Any]]) -> Any:
    requests_mock.post(REPORTS, json={"token": "tok", "report_status": "IN_PROGRESS", "message": None})
    requests_mock.get(REPORTS, json={"report_status": "FINISHED", "url": LINK, "size": None})
    return requests_mock.get(FILE, file)


def assert_no_secret(text: str) -> None:
    assert not [s for s in SECRETS if s in text], text


def test_downloads_have_the_connect_and_read_timeouts_of_every_api_request(requests_mock) -> None:
    definitions = yaml.safe_load(Path(MANIFEST).read_text())["definitions"]
    for name in ("connect_timeout_in_seconds", "read_timeout_in_seconds"):  # one fact, referenced
        assert definitions["report_download_requester"][name] == f"#/definitions/requester/{name}"
    download = serve(requests_mock, [{"text": json.dumps(ROWS)}])
    config = token_config()
    apply_defaults(config)
    _, polling, _ = report_requesters(config)

    assert list(runner().rows(ACCOUNT, BODY)) == ROWS["111"]
    assert download.last_request.timeout == (polling.connect_timeout_in_seconds, polling.read_timeout_in_seconds)
    assert download.last_request.timeout == (10, 300)
    assert "Authorization" not in download.last_request.headers


def test_transient_failures_are_retried_with_a_fresh_link_after_doubling_waits(requests_mock) -> None:
    download = serve(
        requests_mock,
        [
            {"status_code": 503, "text": "<html>503 Service Temporarily Unavailable</html>"},
            {"exc": requests.exceptions.ConnectionError("Connection aborted.")},
            {
                "status_code": 403,
                "text": "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            },
            {"exc": requests.exceptions.ReadTimeout("Read timed out.")},
            {"text": json.dumps(ROWS)},
        ],
    )
    slept: list[float] = []
    assert list(runner(slept).rows(ACCOUNT, BODY)) == ROWS["111"]
    assert download.call_count == 5
    polls = [r for r in requests_mock.request_history if r.url.startswith(REPORTS) and r.method == "GET"]
    assert len(polls) == 5, "every attempt asks the job for a fresh link"
    wait = downloads.RETRY_WAIT_SECONDS
    assert slept == [wait, 2 * wait, 8 * wait]  # the dead link (403) is replaced at once


def test_a_shrunk_read_timeout_is_used_at_call_time(requests_mock, monkeypatch) -> None:
    download = serve(requests_mock, [{"text": json.dumps(ROWS)}])
    monkeypatch.setattr(downloads, "READ_TIMEOUT_SECONDS", 0.5)
    list(runner().rows(ACCOUNT, BODY))
    assert download.last_request.timeout == (10, 0.5)


def test_a_download_failing_for_good_fails_the_window_frees_the_slot_and_shows_no_secret(requests_mock, caplog) -> None:
    # requests' own errors quote the whole URL, query string included.
    leaky = requests.exceptions.ConnectionError(f"Max retries exceeded with url: {LINK} (Caused by ...)")
    serve(requests_mock, [{"exc": leaky}])
    one_slot = runner(max_concurrent_reports=1)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(ReportJobError) as raised:
        list(one_slot.rows(ACCOUNT, BODY))

    error = raised.value
    assert error.failure_type == FailureType.transient_error
    assert f"could not be downloaded from {FILE}" in error.message and ACCOUNT in error.message
    assert "after 6 attempts" in error.message
    trace = error.as_airbyte_message().trace
    shown = [error.message, error.internal_message or "", repr(error), str(error), trace.error.stack_trace or ""]
    shown += traceback.format_exception(error)
    shown += [record.getMessage() for record in caplog.records]
    assert_no_secret("\n".join(shown))
    assert one_slot._slots.acquire(blocking=False), "the failed job gave back its slot"
    one_slot._slots.release()


def test_a_file_shorter_than_announced_is_fetched_again_with_a_fresh_link(requests_mock) -> None:
    whole = json.dumps(ROWS)
    requests_mock.post(REPORTS, json={"token": "tok", "report_status": "IN_PROGRESS", "message": None})
    requests_mock.get(REPORTS, json={"report_status": "FINISHED", "url": LINK, "size": len(whole)})
    requests_mock.get(FILE, [{"text": whole[:10]}, {"text": whole}])
    assert list(runner().rows(ACCOUNT, BODY)) == ROWS["111"]


def test_messages_show_the_link_without_its_query() -> None:
    assert public_url(LINK) == FILE
    assert public_url("https://user:pw@host.example:8443/a/b.csv?X-Amz-Signature=abc#x") == (
        "https://host.example:8443/a/b.csv"
    )
    for text in (LINK, f"url: /async/1/file.json?{LINK.split('?')[1]}", requests.utils.unquote(LINK), SIGNATURE):
        assert_no_secret(scrub(f"failed: {text}.", LINK))
    assert scrub("HTTP 500 for host", LINK) == "HTTP 500 for host"
