"""Ads analytics streams over mocked responses: id batches, skipped entities, state in and out, foreign states."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from airbyte_cdk.test.state_builder import StateBuilder

from source_pinterest.components.analytics import AnalyticsRow
from unit_tests.conftest import API, final_state, oauth_config, page, query, read_streams, records_of

TODAY = dt.datetime.now(dt.timezone.utc).date()
ACCOUNT = "111"


def _ts(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def _campaigns(requests_mock, campaigns: list[dict[str, Any]]) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": ACCOUNT}]))
    requests_mock.get(API + f"ad_accounts/{ACCOUNT}/campaigns", json=page(campaigns))


def _analytics_calls(requests_mock) -> list[dict[str, list[str]]]:
    return [query(r) for r in requests_mock.request_history if r.path.endswith("/campaigns/analytics")]


def test_ids_are_sent_250_at_a_time_and_entities_without_data_are_not_asked_for(requests_mock) -> None:
    old = _ts(TODAY - dt.timedelta(days=400))
    live = [{"id": f"{i:03d}", "status": "ACTIVE", "created_time": old, "updated_time": old} for i in range(251)]
    skipped = [
        {"id": "draft", "status": "DRAFT", "created_time": old, "updated_time": old},
        {"id": "future", "status": "ACTIVE", "created_time": _ts(TODAY + dt.timedelta(days=2)), "updated_time": old},
        {"id": "gone", "status": "ARCHIVED", "created_time": old, "updated_time": old},
    ]
    _campaigns(requests_mock, live + skipped)
    requests_mock.get(
        API + f"ad_accounts/{ACCOUNT}/campaigns/analytics",
        json=lambda request, _: [
            {
                "CAMPAIGN_ID": query(request)["campaign_ids"][0].split(",")[0],
                "DATE": TODAY.isoformat(),
                "SPEND_IN_DOLLAR": 1.5,
            }
        ],
    )

    output = read_streams(oauth_config(start_date=(TODAY - dt.timedelta(days=10)).isoformat()), ["campaign_analytics"])

    calls = _analytics_calls(requests_mock)
    assert [len(c["campaign_ids"][0].split(",")) for c in calls] == [250, 1]
    sent = {i for c in calls for i in c["campaign_ids"][0].split(",")}
    assert sent == {c["id"] for c in live}
    assert all(c["start_date"] == [(TODAY - dt.timedelta(days=10)).isoformat()] for c in calls)
    assert all(c["end_date"] == [TODAY.isoformat()] and c["granularity"] == ["DAY"] for c in calls)
    assert calls[0]["columns"][0].split(",")[0] == "CAMPAIGN_ID"
    assert sorted(r["CAMPAIGN_ID"] for r in records_of(output)) == ["000", "250"]


def test_sparse_rows_get_every_configured_column_and_targeting_rows_are_flattened() -> None:
    row = AnalyticsRow(
        config={"analytics_columns": ["SPEND_IN_DOLLAR", "TOTAL_CLICKTHROUGH"]}, parameters={"level": "AD"}
    )
    record = {"targeting_type": "LOCATION", "targeting_value": 500, "metrics": {"AD_ID": 7, "DATE": "2026-11-01"}}
    row.transform(record)
    # The columns Pinterest left out are None; the Airbyte serializer then omits them, which destinations load as
    # NULL in the column the schema declares.
    assert record == {
        "TARGETING_TYPE": "LOCATION",
        "TARGETING_VALUE": "500",
        "AD_ID": "7",
        "DATE": "2026-11-01",
        "SPEND_IN_DOLLAR": None,
        "TOTAL_CLICKTHROUGH": None,
    }


def test_state_is_one_small_entry_per_account_and_the_lookback_is_re_read(requests_mock) -> None:
    old = _ts(TODAY - dt.timedelta(days=400))
    _campaigns(requests_mock, [{"id": "c1", "status": "ACTIVE", "created_time": old, "updated_time": old}])
    last = TODAY - dt.timedelta(days=1)
    requests_mock.get(
        API + f"ad_accounts/{ACCOUNT}/campaigns/analytics",
        json=[{"CAMPAIGN_ID": "c1", "DATE": last.isoformat(), "SPEND_IN_DOLLAR": 2}],
    )
    synced_until = TODAY - dt.timedelta(days=5)
    state = (
        StateBuilder()
        .with_stream_state(
            "campaign_analytics",
            {"states": [{"partition": {"ad_account_id": ACCOUNT}, "cursor": {"DATE": synced_until.isoformat()}}]},
        )
        .build()
    )

    output = read_streams(oauth_config(lookback_window_days=7), ["campaign_analytics"], state=state)

    (call,) = _analytics_calls(requests_mock)
    assert call["start_date"] == [(synced_until - dt.timedelta(days=7)).isoformat()]
    out = final_state(output, "campaign_analytics")  # the end of the window read, not its newest row's day
    assert out["states"] == [{"partition": {"ad_account_id": ACCOUNT}, "cursor": {"DATE": TODAY.isoformat()}}]


@pytest.mark.parametrize(
    ("foreign", "resumes_at"),
    [
        # per entity, under its ad account (source-pinterest 2.x substreams): the earliest, but never more than the
        # lookback before the newest (state.resume_day)
        (
            {
                "states": [
                    {
                        "partition": {"id": "c1", "parent_slice": {"id": ACCOUNT, "parent_slice": {}}},
                        "cursor": {"DATE": "{late}"},
                    },
                    {
                        "partition": {"id": "c2", "parent_slice": {"id": ACCOUNT, "parent_slice": {}}},
                        "cursor": {"DATE": "{early}"},
                    },
                ]
            },
            "{late-2}",
        ),
        ({"DATE": "{early}"}, "{early}"),  # one flat cursor
    ],
)
def test_a_state_from_older_connectors_is_continued(requests_mock, foreign: dict, resumes_at: str) -> None:
    old = _ts(TODAY - dt.timedelta(days=400))
    _campaigns(requests_mock, [{"id": "c1", "status": "ACTIVE", "created_time": old, "updated_time": old}])
    requests_mock.get(API + f"ad_accounts/{ACCOUNT}/campaigns/analytics", json=[])
    early, late = TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=3)
    text = str(foreign).replace("{early}", early.isoformat()).replace("{late}", late.isoformat())
    state = StateBuilder().with_stream_state("campaign_analytics", eval(text)).build()  # noqa: S307 - test literal

    output = read_streams(oauth_config(lookback_window_days=2), ["campaign_analytics"], state=state)

    assert not output.errors
    (call,) = _analytics_calls(requests_mock)
    resume = early if resumes_at == "{early}" else late - dt.timedelta(days=2)
    assert call["start_date"] == [(resume - dt.timedelta(days=2)).isoformat()]


def test_a_start_date_beyond_the_api_reach_is_clamped_with_a_warning(requests_mock) -> None:
    requests_mock.get(API + "user_account/analytics", json={"all": {"daily_metrics": []}})
    start = TODAY - dt.timedelta(days=200)

    output = read_streams(oauth_config(start_date=start.isoformat()), ["user_account_analytics"])

    (call,) = [query(r) for r in requests_mock.request_history if r.path.endswith("/analytics")]
    assert call["start_date"] == [(TODAY - dt.timedelta(days=89)).isoformat()]
    warnings = [m.log.message for m in output.logs if m.log.level.name == "WARN" and "start_date" in m.log.message]
    assert warnings and "user_account_analytics: it starts at" in warnings[0]
