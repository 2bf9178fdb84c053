"""The report job lifecycle against requests-mock: statuses, retries, link expiry, parsing, job slots."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components.entities import Entity
from source_pinterest.components.reports import ReportJobError, build_report_body, report_columns, report_windows
from source_pinterest.settings import apply_defaults
from unit_tests.conftest import ACCESS_TOKEN, API, token_config
from unit_tests.report_factory import runner_from_config

ACCOUNT = "549755885998"
REPORTS = f"{API}ad_accounts/{ACCOUNT}/reports"
FILE = "https://pinterest-reports.example/file.json?expires=1&signature=abc"
BODY = build_report_body("CAMPAIGN", "2026-01-01", "2026-01-31", columns=["SPEND_IN_DOLLAR", "TOTAL_IMPRESSION"])
BY_ID = {
    "111": [
        {"CAMPAIGN_ID": "111", "DATE": "2026-01-01", "SPEND_IN_DOLLAR": 1.5, "TOTAL_IMPRESSION": 10},
        {"CAMPAIGN_ID": "111", "DATE": "2026-01-02", "TOTAL_IMPRESSION": 4},
    ],
    "222": [{"CAMPAIGN_ID": "222", "DATE": "2026-01-01", "SPEND_IN_DOLLAR": 0.25}],
}


def runner(**options: Any) -> Any:
    config = token_config()
    apply_defaults(config)
    options.setdefault("poll_delays", (0.0, 0.0))
    return runner_from_config(config, **options)


def finished(url: str = FILE, size: int | None = None) -> dict[str, Any]:
    return {"json": {"report_status": "FINISHED", "url": url, "size": size}}


def serve(requests_mock: Any, polls: list[dict[str, Any]], tokens: list[str] | None = None, file: Any = BY_ID) -> Any:
    tokens = tokens or ["tok-1"]
    requests_mock.post(
        REPORTS, [{"json": {"token": t, "report_status": "IN_PROGRESS", "message": None}} for t in tokens]
    )
    requests_mock.get(REPORTS, polls)
    body = file if isinstance(file, str) else json.dumps(file)
    return requests_mock.get(FILE, text=body)


def posts(requests_mock: Any) -> list[Any]:
    return [r for r in requests_mock.request_history if r.method == "POST"]


def test_a_job_is_created_with_a_json_body_polled_until_finished_then_downloaded(requests_mock) -> None:
    download = serve(requests_mock, [{"json": {"report_status": "IN_PROGRESS"}}] * 2 + [finished()])
    rows = list(runner().rows(ACCOUNT, BODY))

    assert rows == BY_ID["111"] + BY_ID["222"]
    create = posts(requests_mock)[0]
    assert create.json() == BODY and not create.qs  # JSON body only, no query parameters
    assert create.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    polls = [r for r in requests_mock.request_history if r.method == "GET" and r.url.startswith(REPORTS)]
    assert len(polls) == 3 and all(p.qs["token"] == ["tok-1"] for p in polls)
    assert "Authorization" not in download.last_request.headers  # the presigned link carries its own credential


def test_polling_backs_off_exponentially_up_to_the_cap(requests_mock) -> None:
    serve(requests_mock, [{"json": {"report_status": "IN_PROGRESS"}}] * 5 + [finished()])
    slept: list[float] = []
    list(runner(poll_delays=(1.0, 4.0), sleep=slept.append).rows(ACCOUNT, BODY))
    assert slept == [1.0, 2.0, 4.0, 4.0, 4.0]


@pytest.mark.parametrize("status", ["FAILED", "EXPIRED", "CANCELLED", "DOES_NOT_EXIST"])
def test_a_dead_job_is_recreated_and_the_second_one_delivers(requests_mock, status: str) -> None:
    serve(requests_mock, [{"json": {"report_status": status}}, finished()], tokens=["tok-1", "tok-2"])
    assert len(list(runner().rows(ACCOUNT, BODY))) == 3
    assert len(posts(requests_mock)) == 2
    assert requests_mock.request_history[-2].qs["token"] == ["tok-2"]


def test_a_job_failing_every_attempt_fails_the_stream_with_pinterests_message(requests_mock) -> None:
    requests_mock.post(REPORTS, json={"token": "tok", "report_status": "IN_PROGRESS", "message": None})
    requests_mock.get(REPORTS, json={"report_status": "FAILED", "message": "Report too large: reduce columns."})

    with pytest.raises(ReportJobError) as raised:
        list(runner(max_attempts=3).rows(ACCOUNT, BODY))

    assert len(posts(requests_mock)) == 3
    assert raised.value.failure_type == FailureType.system_error
    assert "FAILED 3 times" in raised.value.message and "Report too large: reduce columns." in raised.value.message
    assert ACCOUNT in raised.value.message and "CAMPAIGN 2026-01-01..2026-01-31" in raised.value.message


def test_a_rejected_request_fails_at_once_with_pinterests_message(requests_mock) -> None:
    requests_mock.post(REPORTS, status_code=400, json={"code": 1, "message": "Invalid request: 'columns' value 'X'"})
    with pytest.raises(AirbyteTracedException) as raised:
        list(runner().rows(ACCOUNT, BODY))
    assert "Invalid request: 'columns' value 'X'" in raised.value.message
    assert len(posts(requests_mock)) == 1


def test_an_expired_link_is_replaced_by_polling_again(requests_mock) -> None:
    fresh = "https://pinterest-reports.example/file.json?expires=2&signature=def"
    serve(requests_mock, [finished(), finished(url=fresh)])
    requests_mock.get(FILE, status_code=403, text="<Error><Code>AccessDenied</Code></Error>")
    requests_mock.get(fresh, text=json.dumps(BY_ID))

    assert len(list(runner().rows(ACCOUNT, BODY))) == 3
    assert len(posts(requests_mock)) == 1  # the same job: only its link was renewed


def test_a_download_shorter_than_announced_is_fetched_again(requests_mock) -> None:
    whole = json.dumps(BY_ID)
    serve(requests_mock, [finished(size=len(whole)), finished(size=len(whole))])
    requests_mock.get(FILE, [{"text": whole[:20]}, {"text": whole}])
    assert len(list(runner().rows(ACCOUNT, BODY))) == 3


def test_a_malformed_file_fails_with_a_clear_message(requests_mock) -> None:
    serve(requests_mock, [finished()], file='{"111": [{"CAMPAIGN_ID": "111"}, oops')
    with pytest.raises(ReportJobError) as raised:
        list(runner().rows(ACCOUNT, BODY))
    assert "could not be read" in raised.value.message and "invalid JSON" in raised.value.message


def test_a_job_that_never_finishes_gives_up_after_the_wait_limit(requests_mock) -> None:
    serve(requests_mock, [{"json": {"report_status": "IN_PROGRESS"}}])
    with pytest.raises(ReportJobError) as raised:
        list(runner(max_attempts=1, max_wait_seconds=0).rows(ACCOUNT, BODY))
    assert "IN_PROGRESS" in raised.value.message


def test_by_date_json_and_csv_files_become_the_same_rows(requests_mock) -> None:
    by_date = {"2026-01-01": [{"CAMPAIGN_ID": "111", "SPEND_IN_DOLLAR": 1.5}], "2026-01-02": [{"CAMPAIGN_ID": "111"}]}
    serve(requests_mock, [finished()], file=by_date)
    rows = list(runner().rows(ACCOUNT, {**BODY, "primary_sort": "BY_DATE"}))
    assert rows == [
        {"CAMPAIGN_ID": "111", "DATE": "2026-01-01", "SPEND_IN_DOLLAR": 1.5},
        {"CAMPAIGN_ID": "111", "DATE": "2026-01-02"},
    ]

    csv_text = "DATE,CAMPAIGN_ID,SPEND_IN_DOLLAR,TOTAL_IMPRESSION\n2026-01-01,111,1.5,10\n2026-01-02,111,0,4\n"
    requests_mock.get(FILE, text=csv_text)
    rows = list(runner().rows(ACCOUNT, {**BODY, "report_format": "CSV"}))
    assert rows == [  # CSV zero-fills, and its text cells are typed from the OpenAPI's column types
        {"DATE": "2026-01-01", "CAMPAIGN_ID": "111", "SPEND_IN_DOLLAR": 1.5, "TOTAL_IMPRESSION": 10},
        {"DATE": "2026-01-02", "CAMPAIGN_ID": "111", "SPEND_IN_DOLLAR": 0, "TOTAL_IMPRESSION": 4},
    ]


def test_no_access_to_the_ad_account_fails_as_a_config_error_naming_the_fix(requests_mock) -> None:
    requests_mock.post(REPORTS, status_code=403, json={"code": 3, "message": "no role on this ad account"})
    with pytest.raises(AirbyteTracedException) as raised:
        list(runner().rows(ACCOUNT, BODY))
    assert raised.value.failure_type == FailureType.config_error
    assert "no role on this ad account" in raised.value.message and "account_ids" in raised.value.message
    assert len(posts(requests_mock)) == 1


def test_at_most_max_concurrent_reports_jobs_run_at_once(requests_mock) -> None:
    running, peak, polls, lock = 0, 0, 0, threading.Lock()
    # A job stays at Pinterest until a second one runs (bounded: a runner allowing one job at a time still ends).
    # requests_mock answers under one lock, so the callbacks must not block: the runner polls again instead.
    both_running = threading.Event()

    def create(request: Any, context: Any) -> dict[str, Any]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            if running == 2:
                both_running.set()
        return {"token": "tok", "report_status": "IN_PROGRESS"}

    def poll(request: Any, context: Any) -> dict[str, Any]:
        nonlocal polls
        polls += 1
        if not both_running.is_set() and polls < 2000:
            return {"report_status": "IN_PROGRESS"}
        return {"report_status": "FINISHED", "url": FILE}

    def download(request: Any, context: Any) -> str:
        nonlocal running
        with lock:
            running -= 1
        return json.dumps(BY_ID)

    requests_mock.post(REPORTS, json=create)
    requests_mock.get(REPORTS, json=poll)
    requests_mock.get(FILE, text=download)
    shared = runner(max_concurrent_reports=2)
    threads = [threading.Thread(target=lambda: list(shared.rows(ACCOUNT, BODY))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(posts(requests_mock)) == 6 and peak == 2


def test_a_body_with_more_than_5_targeting_types_runs_as_jobs_of_at_most_5(requests_mock) -> None:
    types = report_columns.default_report_targeting_types("AD_GROUP_TARGETING")
    assert len(types) > 10
    body = build_report_body("AD_GROUP_TARGETING", "2026-01-01", "2026-01-31", columns=["SPEND_IN_DOLLAR"])
    rows = {t: [{"AD_GROUP_ID": "7", "DATE": "2026-01-01", "TARGETING_TYPE": t, "TARGETING_VALUE": "x"}] for t in types}

    def create(request: Any, context: Any) -> dict[str, Any]:
        return {"token": ",".join(request.json()["targeting_types"]), "report_status": "IN_PROGRESS"}

    def poll(request: Any, context: Any) -> dict[str, Any]:
        return {"report_status": "FINISHED", "url": f"{FILE}&types={request.qs['token'][0].upper()}"}

    def file(request: Any, context: Any) -> str:
        wanted = request.url.split("types=")[1].split(",")
        return json.dumps({"7": [row for t in wanted for row in rows[t]]})

    requests_mock.post(REPORTS, json=create)
    requests_mock.get(REPORTS, json=poll)
    requests_mock.get(FILE.split("?")[0], text=file)

    got = list(runner().rows(ACCOUNT, body))

    asked = [r.json()["targeting_types"] for r in posts(requests_mock)]
    assert all(1 <= len(a) <= 5 for a in asked) and len(asked) == -(-len(types) // 5)
    assert [t for a in asked for t in a] == types  # each type in exactly one job
    assert sorted(r["TARGETING_TYPE"] for r in got) == sorted(types)
    with pytest.raises(ValueError, match="at most 5"):
        runner().download(ACCOUNT, body)


def test_read_asks_only_for_windows_where_an_entity_can_have_delivered(requests_mock) -> None:
    today = dt.date(2026, 12, 1)
    first, second = report_windows("2026-01-01", "2026-12-01", "CAMPAIGN", today=today)
    serve(requests_mock, [finished()])
    late = Entity("111", created=second[0] + dt.timedelta(days=3), status="ACTIVE", updated=None)
    got = list(
        runner().read(
            ACCOUNT, "CAMPAIGN", "2026-01-01", "2026-12-01", granularity="DAY", today=today, entities=[late],
            columns=["SPEND_IN_DOLLAR"],
        )
    )  # fmt: skip

    assert first[1] < late.created and [p.json()["start_date"] for p in posts(requests_mock)] == [second[0].isoformat()]
    assert got == [(second[0], row) for row in BY_ID["111"] + BY_ID["222"]]
    assert posts(requests_mock)[0].json() == build_report_body("CAMPAIGN", *second, columns=["SPEND_IN_DOLLAR"])
