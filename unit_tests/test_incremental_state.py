"""State never runs past unread data (issue 15, cases 1-4) through the real manifest over mocked responses.

New ad accounts start from start_date, entity cursors re-read a lookback, a window read completely moves the state
to its end even without rows.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.clock import TODAY
from unit_tests.conftest import API, final_state, oauth_config, page, query, read_streams, records_of

START = TODAY - dt.timedelta(days=60)
DAY_S = 86400
FILE = "https://pinterest-reports.example/file.json?signature=abc"


def _days(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


def _accounts(requests_mock: Any, *ids: str) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": i} for i in ids]))


def _state(stream: str, cursor_field: str, per_account: dict[str, str], global_cursor: str) -> Any:
    """A state as the CDK writes it: one entry per account read, plus the newest of all as the global cursor."""
    extra = {} if stream.endswith("_analytics") else {"parent_slice": {}}  # analytics partitions are bare accounts
    entries = [
        {"partition": {"ad_account_id": a, **extra}, "cursor": {cursor_field: c}} for a, c in per_account.items()
    ]
    written = {"use_global_cursor": False, "states": entries, "state": {cursor_field: global_cursor}}
    return StateBuilder().with_stream_state(stream, written)


def _cursors(output: Any, stream: str, field: str) -> dict[str, str]:
    return {s["partition"]["ad_account_id"]: s["cursor"][field] for s in final_state(output, stream)["states"]}


def _config(**overrides: Any) -> dict[str, Any]:
    return oauth_config(start_date=START.isoformat(), **overrides)


# ------------------------------------------------------------------ 1. a new account starts from the start
def test_an_account_added_later_gets_all_its_campaigns_not_only_those_after_the_other_accounts_cursor(
    requests_mock,
) -> None:
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    _accounts(requests_mock, "111", "222")
    requests_mock.get(API + "ad_accounts/111/campaigns", json=page([{"id": "a2", "updated_time": now - DAY_S}]))
    old_b = [{"id": "b1", "updated_time": now - 300 * DAY_S}, {"id": "b2", "updated_time": now - 100 * DAY_S}]
    requests_mock.get(API + "ad_accounts/222/campaigns", json=page(old_b))
    state = _state("campaigns", "updated_time", {"111": str(now - 2 * DAY_S)}, str(now - 2 * DAY_S)).build()

    output = read_streams(_config(), ["campaigns"], state=state)

    assert sorted(r["id"] for r in records_of(output)) == ["a2", "b1", "b2"]
    assert _cursors(output, "campaigns", "updated_time")["222"] == str(now - 100 * DAY_S)


def test_an_account_added_later_gets_analytics_from_start_date(requests_mock) -> None:
    _accounts(requests_mock, "111", "222")
    requests_mock.get(API + "ad_accounts/111/analytics", json=[{"AD_ACCOUNT_ID": "111", "DATE": _days(0)}])
    requests_mock.get(API + "ad_accounts/222/analytics", json=[{"AD_ACCOUNT_ID": "222", "DATE": _days(0)}])
    state = _state("ad_account_analytics", "DATE", {"111": _days(1)}, _days(1)).build()

    read_streams(_config(lookback_window_days=5), ["ad_account_analytics"], state=state)

    starts = {
        r.path.split("/")[-2]: query(r)["start_date"][0] for r in requests_mock.request_history if "analytics" in r.path
    }
    assert starts == {"111": _days(6), "222": START.isoformat()}


def _serve_report(requests_mock: Any, account: str, rows: list[dict[str, Any]]) -> None:
    url = f"{API}ad_accounts/{account}/reports"
    requests_mock.post(url, json={"token": f"tok-{account}", "report_status": "IN_PROGRESS"})
    requests_mock.get(url, json={"report_status": "FINISHED", "url": f"{FILE}&a={account}", "size": None})
    requests_mock.get(f"{FILE}&a={account}", text=json.dumps({}))


def _report_bodies(requests_mock: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(r.path.split("/")[-2], r.json()) for r in requests_mock.request_history if r.method == "POST"]


def test_an_account_added_later_gets_its_reports_from_start_date(requests_mock) -> None:
    _accounts(requests_mock, "111", "222")
    for account in ("111", "222"):
        _serve_report(requests_mock, account, [])
    state = _state("advertiser_report", "DATE", {"111": _days(1)}, _days(1)).build()

    read_streams(_config(lookback_window_days=5), ["advertiser_report"], state=state)

    starts = {account: body["start_date"] for account, body in _report_bodies(requests_mock)}
    assert starts == {"111": _days(6), "222": START.isoformat()}


# ------------------------------------------------------------------ 2. entity cursors re-read a lookback
def test_an_object_edited_on_an_already_read_page_during_the_listing_is_emitted_next_sync(requests_mock) -> None:
    """Page 1 holds c1, read at t0; c1 is edited at t0+60 s, c3 (page 2) at t0+120 s, before page 2 is read. The
    first sync sees c1's old version and c3's new one, so its state (t0+120) is newer than c1's edit."""
    t0 = int(dt.datetime.now(dt.timezone.utc).timestamp()) - 3600
    _accounts(requests_mock, "111")
    url = API + "ad_accounts/111/campaigns"
    during = [
        {"json": page([{"id": "c1", "updated_time": t0 - 50 * DAY_S}], bookmark="p2")},
        {"json": page([{"id": "c3", "updated_time": t0 + 120}])},
    ]
    requests_mock.get(url, during)
    first = read_streams(_config(), ["campaigns"])
    assert _cursors(first, "campaigns", "updated_time") == {"111": str(t0 + 120)}

    after = [{"id": "c1", "updated_time": t0 + 60}, {"id": "c3", "updated_time": t0 + 120}]
    requests_mock.get(url, json=page(after))
    state = StateBuilder().with_stream_state("campaigns", final_state(first, "campaigns")).build()
    second = read_streams(_config(), ["campaigns"], state=state)

    assert {r["id"]: r["updated_time"] for r in records_of(second)}["c1"] == t0 + 60


# ------------------------------------------------------------------ 4. a window read without rows advances the state
def test_an_empty_account_checkpoints_the_analytics_it_read_and_creates_no_report_job_next_sync(requests_mock) -> None:
    _accounts(requests_mock, "111")
    requests_mock.get(API + "ad_accounts/111/analytics", json=[])
    _serve_report(requests_mock, "111", [])
    config = oauth_config(start_date=_days(300), lookback_window_days=5)

    first = read_streams(config, ["ad_account_analytics"])
    assert len(_report_bodies(requests_mock)) == 2  # 300 - 89 days back: two report windows of history
    assert _cursors(first, "ad_account_analytics", "DATE") == {"111": _days(0)}

    requests_mock.reset_mock()
    state = StateBuilder().with_stream_state("ad_account_analytics", final_state(first, "ad_account_analytics")).build()
    read_streams(config, ["ad_account_analytics"], state=state)

    assert _report_bodies(requests_mock) == []
    assert [query(r)["start_date"][0] for r in requests_mock.request_history if "analytics" in r.path] == [_days(5)]


def test_an_empty_account_checkpoints_its_report_windows(requests_mock) -> None:
    _accounts(requests_mock, "111")
    _serve_report(requests_mock, "111", [])
    config = oauth_config(start_date=_days(300), lookback_window_days=5)

    first = read_streams(config, ["advertiser_report"])
    assert _cursors(first, "advertiser_report", "DATE") == {"111": _days(0)}

    requests_mock.reset_mock()
    state = StateBuilder().with_stream_state("advertiser_report", final_state(first, "advertiser_report")).build()
    read_streams(config, ["advertiser_report"], state=state)

    assert [body["start_date"] for _, body in _report_bodies(requests_mock)] == [_days(5)]


# ------------------------------------------------------------------ 3. a 403 inside a slice never checkpoints past it
def _errors(output: Any) -> list[Any]:
    return [m.trace.error for m in output.errors]


def test_a_refused_report_window_fails_the_account_instead_of_checkpointing_the_later_window(requests_mock) -> None:
    _accounts(requests_mock, "111")
    url = f"{API}ad_accounts/111/reports"
    first_window = _days(300)

    def create(request: Any, context: Any) -> dict[str, Any]:
        if request.json()["start_date"] == first_window:
            context.status_code = 403
            return {"code": 29, "message": "You are not permitted to access that resource."}
        return {"token": "tok", "report_status": "IN_PROGRESS"}

    requests_mock.post(url, json=create)
    requests_mock.get(url, json={"report_status": "FINISHED", "url": FILE, "size": None})
    rows = {"111": [{"ADVERTISER_ID": "111", "DATE": _days(1), "SPEND_IN_DOLLAR": 2.0}]}
    requests_mock.get(FILE, text=json.dumps(rows))

    output = read_streams(oauth_config(start_date=first_window), ["advertiser_report"], expecting_exception=True)

    assert sorted(body["start_date"] for _, body in _report_bodies(requests_mock)) == [first_window, _days(114)]
    cursors = [s["cursor"]["DATE"] for m in output.state_messages for s in m.state.stream.stream_state.states]
    assert all(c <= first_window for c in cursors)  # never past the refused window
    refused = [e for e in _errors(output) if "403" in e.message]
    assert refused and refused[0].failure_type.value == "config_error" and "account_ids" in refused[0].message


def test_a_listing_refused_on_a_later_page_fails_instead_of_checkpointing_the_first_pages(requests_mock) -> None:
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    _accounts(requests_mock, "111")
    requests_mock.get(
        API + "ad_accounts/111/campaigns",
        [
            {"json": page([{"id": "c1", "updated_time": now}], bookmark="p2")},
            {"status_code": 403, "json": {"code": 29, "message": "You are not permitted to access that resource."}},
        ],
    )

    output = read_streams(_config(), ["campaigns"], expecting_exception=True)

    cursors = [s["cursor"]["updated_time"] for m in output.state_messages for s in m.state.stream.stream_state.states]
    assert str(now) not in cursors
    assert any(e.failure_type.value == "config_error" and "bookmark" in e.message for e in _errors(output))


# ------------------------------------------------------------------ 6. analytics parents list every status
def test_analytics_ask_for_a_campaign_paused_yesterday_although_entity_statuses_is_active_only(requests_mock) -> None:
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    _accounts(requests_mock, "111")
    campaigns = [
        {"id": "live", "status": "ACTIVE", "created_time": now - 90 * DAY_S, "updated_time": now - 90 * DAY_S},
        {"id": "paused", "status": "PAUSED", "created_time": now - 90 * DAY_S, "updated_time": now - DAY_S},
        {"id": "draft", "status": "DRAFT", "created_time": now - 90 * DAY_S, "updated_time": now - DAY_S},
    ]

    def listing(request: Any, context: Any) -> dict[str, Any]:  # the API filters by entity_statuses
        return page([c for c in campaigns if c["status"] in query(request)["entity_statuses"]])

    requests_mock.get(API + "ad_accounts/111/campaigns", json=listing)
    requests_mock.get(API + "ad_accounts/111/campaigns/analytics", json=[])

    output = read_streams(
        oauth_config(start_date=_days(20), entity_statuses=["ACTIVE"]), ["campaigns", "campaign_analytics"]
    )

    assert [r["id"] for r in records_of(output, "campaigns")] == ["live"]
    asked = {
        i
        for r in requests_mock.request_history
        if r.path.endswith("/analytics")
        for i in query(r)["campaign_ids"][0].split(",")
    }
    assert asked == {"live", "paused"}


# ------------------------------------------------------------------ 5. no report job where no entity can have rows
def test_no_report_job_for_an_account_without_campaigns_nor_for_windows_before_its_campaigns(requests_mock) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    created = int((now - dt.timedelta(days=120)).timestamp())
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}, {"id": "222"}]))
    live = {"id": "c1", "status": "ACTIVE", "created_time": created, "updated_time": created}
    requests_mock.get(API + "ad_accounts/111/campaigns", json=page([live]))
    requests_mock.get(API + "ad_accounts/222/campaigns", json=page([]))
    requests_mock.get(API + "ad_accounts/111/campaigns/analytics", json=[])
    _serve_report(requests_mock, "111", [])

    read_streams(oauth_config(start_date=_days(400)), ["campaign_analytics"])

    # 400 - 89 days of history: report windows [400, 215], [214, 90] days back; c1 exists only in the second.
    assert [(account, body["start_date"]) for account, body in _report_bodies(requests_mock)] == [("111", _days(214))]


def test_granularity_total_is_refused_for_incremental_analytics_and_read_in_full_refresh(requests_mock) -> None:
    _accounts(requests_mock, "111")
    requests_mock.get(API + "ad_accounts/111/analytics", json=[{"AD_ACCOUNT_ID": "111", "SPEND_IN_DOLLAR": 3.0}])
    config = oauth_config(start_date=_days(20), granularity="TOTAL")

    refused = read_streams(config, ["ad_account_analytics"], expecting_exception=True)
    assert not requests_mock.request_history
    error = refused.errors[-1].trace.error
    assert error.failure_type.value == "config_error" and "full refresh" in error.message

    full = read_streams(config, ["ad_account_analytics"], mode=SyncMode.full_refresh)
    assert [r["DATE"] for r in records_of(full)] == [_days(20)]  # the total of the range, dated with its first day


def test_no_campaign_report_job_for_an_account_without_campaigns_nor_before_its_campaigns(requests_mock) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    created = int((now - dt.timedelta(days=120)).timestamp())
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}, {"id": "222"}]))
    live = {"id": "c1", "status": "ACTIVE", "created_time": created, "updated_time": created}
    requests_mock.get(API + "ad_accounts/111/campaigns", json=page([live]))
    requests_mock.get(API + "ad_accounts/222/campaigns", json=page([]))
    for account in ("111", "222"):
        _serve_report(requests_mock, account, [])

    read_streams(oauth_config(start_date=_days(400)), ["campaign_analytics_report", "advertiser_report"])

    jobs = sorted((body["level"], account, body["start_date"]) for account, body in _report_bodies(requests_mock))
    # 186-day windows from 400 days back: [400, 215], [214, 29], [28, 0]; c1 exists only in the last two.
    campaign_jobs = [(account, start) for level, account, start in jobs if level == "CAMPAIGN"]
    assert campaign_jobs == [("111", _days(214)), ("111", _days(28))]
    assert len([j for j in jobs if j[0] == "ADVERTISER"]) == 6  # advertiser reports: every account and window


# ------------------------------------------------------------------ 3. (organic) a 403 never checkpoints past it
REFUSED = {"status_code": 403, "json": {"code": 29, "message": "You are not permitted to access that resource."}}


def _daily(day: str, value: int) -> dict[str, Any]:
    return {"daily_metrics": [{"date": day, "data_status": "READY", "metrics": {"IMPRESSION": value}}]}


def _emitted_days(output: Any, stream: str) -> list[str]:
    return [
        s.get("cursor", s).get("DATE")
        for m in output.state_messages
        if m.state.stream.stream_descriptor.name == stream
        for s in [m.state.stream.stream_state.__dict__, *m.state.stream.stream_state.__dict__.get("states", [])]
        if s.get("cursor", s).get("DATE")
    ]


def test_a_pin_refused_inside_a_batch_fails_the_batch_instead_of_checkpointing_the_other_pins(requests_mock) -> None:
    pins = [{"id": "11", "created_at": "2026-01-01T00:00:00"}, {"id": "12", "created_at": "2026-01-01T00:00:00"}]
    requests_mock.get(API + "pins", json=page(pins))
    requests_mock.get(API + "pins/analytics", **REFUSED)  # the multi-pin beta is closed: pin by pin
    requests_mock.get(API + "pins/11/analytics", json={"all": _daily(_days(1), 5)})
    requests_mock.get(API + "pins/12/analytics", **REFUSED)  # this one pin is refused

    output = read_streams(
        oauth_config(start_date=_days(10), pin_app_types=["ALL"]), ["pin_analytics"], expecting_exception=True
    )

    assert [r["PIN_ID"] for r in records_of(output, "pin_analytics")] == ["11"]
    # the batch 11..12 is not checkpointed at pin 11's row
    assert all(day <= _days(10) for day in _emitted_days(output, "pin_analytics"))
    error = next(m.trace.error for m in output.errors if "403" in m.trace.error.message)
    assert error.failure_type.value == "config_error" and "/v5/pins/12/analytics" in error.message
    assert "pins:read" in error.message
