"""The state follows the config (issue 21, deliverable 6) through the real manifest over mocked responses.

- A state remembers its first day: moving `start_date` earlier reads exactly the days before it (from reports where
  they are older than the sync endpoints reach), later changes nothing already read.
- 2.x state in the CDK's per-partition shape starts an account it does not name from `start_date`.
- With `lookback_window_days: 0` and the account zone, the state never passes the last day every zone has finished.

End to end: integration_tests/test_state_follows_config_end_to_end.py.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from airbyte_cdk.test.state_builder import StateBuilder

from conftest import sandbox
from integration_tests.clock import TODAY
from source_pinterest.components.foreign_state import ForeignAnalyticsState
from source_pinterest.components.state import FIRST_DAY
from source_pinterest.components.windows import last_finished_day
from source_pinterest.sync import Sync
from unit_tests.conftest import API, final_state, oauth_config, page, query, read_streams

FILE = "https://pinterest-reports.example/file.json?signature=abc"
ZONE = "AD_ACCOUNT_TIME_ZONE"


def _days(n: int, today: dt.date = TODAY) -> str:
    return (today - dt.timedelta(days=n)).isoformat()


def _accounts(requests_mock: Any, *ids: str) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": i} for i in ids]))
    for account in ids:
        requests_mock.get(f"{API}ad_accounts/{account}/analytics", json=[])
        url = f"{API}ad_accounts/{account}/reports"
        requests_mock.post(url, json={"token": f"tok-{account}", "report_status": "IN_PROGRESS"})
        requests_mock.get(url, json={"report_status": "FINISHED", "url": f"{FILE}&a={account}", "size": None})
        requests_mock.get(f"{FILE}&a={account}", text=json.dumps({}))


def _ours(stream: str, cursors: dict[str, dict[str, str]]) -> Any:
    """This connector's own state: one entry per account, as the CDK writes it."""
    extra = {} if stream.endswith("_analytics") else {"parent_slice": {}}
    entries = [{"partition": {"ad_account_id": a, **extra}, "cursor": c} for a, c in cursors.items()]
    newest = max(c["DATE"] for c in cursors.values())
    written = {"use_global_cursor": False, "states": entries, "state": {"DATE": newest}, "lookback_window": 1}
    return StateBuilder().with_stream_state(stream, written).build()


def _analytics_windows(requests_mock: Any) -> list[tuple[str, str, str]]:
    return sorted(
        (r.path.split("/")[-2], query(r)["start_date"][0], query(r)["end_date"][0])
        for r in requests_mock.request_history
        if r.path.endswith("/analytics")
    )


def _report_windows(requests_mock: Any) -> list[tuple[str, str, str]]:
    return sorted(
        (r.path.split("/")[-2], r.json()["start_date"], r.json()["end_date"])
        for r in requests_mock.request_history
        if r.method == "POST"
    )


def _cursor(output: Any, stream: str, account: str = "111") -> dict[str, str]:
    (entry,) = [s for s in final_state(output, stream)["states"] if s["partition"]["ad_account_id"] == account]
    return entry["cursor"]


# ------------------------------------------------------------------ 1. an earlier start_date backfills
def test_an_earlier_start_date_reads_exactly_the_days_before_the_first_synced_day(requests_mock) -> None:
    _accounts(requests_mock, "111")
    state = _ours("ad_account_analytics", {"111": {"DATE": _days(5), FIRST_DAY: _days(20)}})

    output = read_streams(oauth_config(start_date=_days(40), lookback_window_days=3), ["ad_account_analytics"], state)

    assert not output.errors
    # [start_date, first day) and the usual lookback before the cursor: nothing in between is read again
    assert _analytics_windows(requests_mock) == [("111", _days(40), _days(21)), ("111", _days(8), _days(0))]
    assert _cursor(output, "ad_account_analytics") == {"DATE": _days(0), FIRST_DAY: _days(40)}


def test_days_older_than_the_sync_endpoints_reach_are_backfilled_from_reports(requests_mock) -> None:
    _accounts(requests_mock, "111")
    state = _ours("ad_account_analytics", {"111": {"DATE": _days(5), FIRST_DAY: _days(30)}})

    output = read_streams(oauth_config(start_date=_days(150), lookback_window_days=3), ["ad_account_analytics"], state)

    assert not output.errors
    assert _report_windows(requests_mock) == [("111", _days(150), _days(90))]  # the sync endpoints reach 89 days
    assert _analytics_windows(requests_mock) == [("111", _days(89), _days(31)), ("111", _days(8), _days(0))]
    assert _cursor(output, "ad_account_analytics")[FIRST_DAY] == _days(150)


def test_a_report_stream_backfills_the_days_before_its_first_day(requests_mock) -> None:
    _accounts(requests_mock, "111")
    state = _ours("advertiser_report", {"111": {"DATE": _days(5), FIRST_DAY: _days(150)}})

    output = read_streams(oauth_config(start_date=_days(200), lookback_window_days=3), ["advertiser_report"], state)

    assert not output.errors
    assert _report_windows(requests_mock) == [("111", _days(200), _days(151)), ("111", _days(8), _days(0))]
    assert _cursor(output, "advertiser_report") == {"DATE": _days(0), FIRST_DAY: _days(200)}


def test_a_later_start_date_changes_nothing_already_read(requests_mock) -> None:
    _accounts(requests_mock, "111")
    state = _ours("ad_account_analytics", {"111": {"DATE": _days(5), FIRST_DAY: _days(40)}})

    output = read_streams(oauth_config(start_date=_days(20), lookback_window_days=3), ["ad_account_analytics"], state)

    assert _analytics_windows(requests_mock) == [("111", _days(8), _days(0))]
    assert _cursor(output, "ad_account_analytics")[FIRST_DAY] == _days(40)  # moving back to it reads nothing


def test_a_state_without_a_first_day_is_taken_to_cover_the_configured_start(requests_mock) -> None:
    """Written before `first_day` existed (or by 2.x): no backfill, as before, and the start is recorded."""
    _accounts(requests_mock, "111")
    state = _ours("ad_account_analytics", {"111": {"DATE": _days(5)}})

    output = read_streams(oauth_config(start_date=_days(40), lookback_window_days=3), ["ad_account_analytics"], state)

    assert _analytics_windows(requests_mock) == [("111", _days(8), _days(0))]
    assert _cursor(output, "ad_account_analytics") == {"DATE": _days(0), FIRST_DAY: _days(40)}


def test_a_first_sync_records_its_start_date(requests_mock) -> None:
    _accounts(requests_mock, "111")
    output = read_streams(oauth_config(start_date=_days(30)), ["ad_account_analytics", "advertiser_report"])
    for stream in ("ad_account_analytics", "advertiser_report"):
        assert _cursor(output, stream) == {"DATE": _days(0), FIRST_DAY: _days(30)}


# ------------------------------------------------------------------ 2. 2.x state shapes
def _two_x(stream: str, cursor_field: str, named: str, value: Any, shape: str) -> Any:
    entry = {"partition": {"id": named, "parent_slice": {}}, "cursor": {cursor_field: value}}
    written: dict[str, Any] = {"states": [entry]}
    if shape in ("with_global", "cdk"):
        written["state"] = {cursor_field: value}  # the CDK's newest cursor over all partitions
    if shape == "cdk":
        written.update(use_global_cursor=False, lookback_window=86400, parent_state={})
    return StateBuilder().with_stream_state(stream, written).build()


SHAPES = ["states_only", "with_global", "cdk"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("stream", ["advertiser_report", "ad_account_analytics"])
def test_an_account_a_2x_per_partition_state_does_not_name_starts_from_start_date(
    requests_mock, stream: str, shape: str
) -> None:
    _accounts(requests_mock, "111", "222")
    state = _two_x(stream, "DATE", "111", _days(2), shape)

    output = read_streams(oauth_config(start_date=_days(60), lookback_window_days=3), [stream], state)

    assert not output.errors
    windows = _report_windows(requests_mock) if stream.endswith("_report") else _analytics_windows(requests_mock)
    starts = {account: min(start for a, start, _ in windows if a == account) for account, _, _ in windows}
    assert starts == {"111": _days(5), "222": _days(60)}


@pytest.mark.parametrize("shape", SHAPES)
def test_an_entity_stream_starts_an_account_a_2x_state_does_not_name_from_the_start(requests_mock, shape) -> None:
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}, {"id": "222"}]))
    for account in ("111", "222"):
        listing = [{"id": f"{age}-{account}", "updated_time": now - age * 86400} for age in (100, 1)]
        requests_mock.get(f"{API}ad_accounts/{account}/campaigns", json=page(listing))
    state = _two_x("campaigns", "updated_time", "111", now - 10 * 86400, shape)

    output = read_streams(oauth_config(), ["campaigns"], state)

    emitted = sorted(m.record.data["id"] for m in output.records)
    assert emitted == ["1-111", "1-222", "100-222"]


def test_a_global_cursor_beside_named_entries_is_not_a_fallback() -> None:
    state = {
        "states": [{"partition": {"id": "111", "parent_slice": {}}, "cursor": {"DATE": "2026-11-28"}}],
        "state": {"DATE": "2026-11-28"},
    }
    migrated = ForeignAnalyticsState(parameters={}, substream_partitions=True).migrate(state)
    assert migrated == {
        "states": [{"partition": {"ad_account_id": "111", "parent_slice": {}}, "cursor": {"DATE": "2026-11-28"}}]
    }


# ------------------------------------------------------------------ 3. lookback 0 with the account zone
MOMENTS = [dt.time(0, 30), dt.time(5, 0), dt.time(12, 0), dt.time(23, 30)]


@pytest.mark.parametrize(
    ("moment", "finished"),
    [(dt.time(0, 30), 2), (dt.time(5, 0), 2), (dt.time(11, 59), 2), (dt.time(12, 0), 1), (dt.time(23, 30), 1)],
)
def test_the_last_day_every_zone_has_finished(moment: dt.time, finished: int) -> None:
    now = dt.datetime.combine(TODAY, moment, dt.timezone.utc)
    assert last_finished_day(now) == TODAY - dt.timedelta(days=finished)


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("stream", ["ad_account_analytics", "advertiser_report"])
def test_with_lookback_0_and_the_account_zone_the_state_is_never_past_a_day_some_zone_has_not_finished(
    requests_mock, stream: str, moment: dt.time
) -> None:
    now = dt.datetime.combine(TODAY, moment, dt.timezone.utc)
    sandbox.shift_to(now)  # the connector's clock (the suite puts it back after the test)
    _accounts(requests_mock, "111")
    config = oauth_config(start_date=_days(20), lookback_window_days=0, reporting_timezone=ZONE)

    output = read_streams(config, [stream])

    assert not output.errors
    windows = _report_windows(requests_mock) if stream.endswith("_report") else _analytics_windows(requests_mock)
    asked = max(end for _, _, end in windows)
    assert asked == Sync(config, now).zone.last_day("111").isoformat()  # today's data comes where it has begun
    day = _cursor(output, stream)["DATE"]
    assert day <= last_finished_day(now).isoformat() < asked  # the next sync reads the unfinished days again
    state = StateBuilder().with_stream_state(stream, final_state(output, stream)).build()
    requests_mock.reset_mock()
    read_streams(config, [stream], state)
    windows = _report_windows(requests_mock) if stream.endswith("_report") else _analytics_windows(requests_mock)
    assert min(start for _, start, _ in windows) == day


def test_with_utc_the_state_is_todays_date_as_before(requests_mock) -> None:
    sandbox.shift_to(dt.datetime.combine(TODAY, dt.time(5, 0), dt.timezone.utc))
    _accounts(requests_mock, "111")
    output = read_streams(oauth_config(start_date=_days(20), lookback_window_days=0), ["ad_account_analytics"])
    assert _cursor(output, "ad_account_analytics")["DATE"] == _days(0)  # re-read by the next sync (it starts there)
