"""Ads analytics streams over mocked responses: id batches, skipped entities, state in and out, foreign states."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.clock import TODAY
from source_pinterest.components.analytics.rows import AnalyticsRow
from unit_tests.conftest import API, final_state, oauth_config, page, query, read_streams, records_of

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


# ---------------------------------------------------------------------------------------------------- pins
PINS = [{"id": "11", "created_at": "2026-01-01T00:00:00"}, {"id": "12", "created_at": "2026-01-01T00:00:00"}]


def _pin_block(value: int) -> dict[str, Any]:
    return {"daily_metrics": [{"date": TODAY.isoformat(), "data_status": "READY", "metrics": {"IMPRESSION": value}}]}


# Each app type's IMPRESSION: ALL is not the sum, as for Pinterest's rates.
VALUES = {"ALL": 100, "MOBILE": 50, "TABLET": 5, "WEB": 30}


def _pins(requests_mock, multi_pin: dict[str, Any]) -> None:
    requests_mock.get(API + "pins", json=page(PINS))
    requests_mock.get(API + "pins/analytics", **multi_pin)

    def one_pin(request, _):
        asked = query(request)
        if asked.get("split_field") == ["APP_TYPE"]:
            return {app: _pin_block(VALUES[app]) for app in ("MOBILE", "TABLET", "WEB")}
        return {"all": _pin_block(VALUES[asked.get("app_types", ["ALL"])[0]])}

    for pin in PINS:
        requests_mock.get(API + f"pins/{pin['id']}/analytics", json=one_pin)


def _pin_rows(output) -> dict[tuple[str, str], Any]:
    return {(r["PIN_ID"], r["APP_TYPE"]): r["IMPRESSION"] for r in records_of(output, "pin_analytics")}


def _calls(requests_mock, suffix: str) -> list[dict[str, list[str]]]:
    return [query(r) for r in requests_mock.request_history if r.path.endswith(suffix)]


def test_pin_analytics_rows_for_all_and_each_app_type_through_either_path(requests_mock) -> None:
    expected = {(p["id"], app): value for p in PINS for app, value in VALUES.items()}

    def multi_pin(request, _):
        app = query(request)["app_types"][0]
        return {pin: {"all": _pin_block(VALUES[app])} for pin in query(request)["pin_ids"][0].split(",")}

    _pins(requests_mock, {"json": multi_pin})
    output = read_streams(oauth_config(start_date=TODAY.isoformat()), ["pin_analytics"])
    assert _pin_rows(output) == expected
    assert sorted(c["app_types"][0] for c in _calls(requests_mock, "/pins/analytics")) == sorted(VALUES)

    # The beta closed: one refused request decides, then two requests per pin give the very same rows.
    requests_mock.reset_mock()
    _pins(requests_mock, {"status_code": 403, "json": {"code": 29, "message": "This endpoint is in beta."}})
    output = read_streams(oauth_config(start_date=TODAY.isoformat()), ["pin_analytics"])
    assert not output.errors
    assert _pin_rows(output) == expected
    assert len(_calls(requests_mock, "/pins/analytics")) == 1
    assert len(_calls(requests_mock, "/11/analytics")) == len(_calls(requests_mock, "/12/analytics")) == 2
    (line,) = [m.log.message for m in output.logs if "/pins/{pin_id}/analytics instead" in m.log.message]
    assert "about 4 requests for 2 pins" in line and "batch of 100 pins" in line
    assert output.get_stream_statuses("pin_analytics")[-1].name == "COMPLETE"
    # One state entry per batch of pins, so a cut sync resumes at the first unfinished batch.
    assert [s["partition"] for s in final_state(output, "pin_analytics")["states"]] == [{"pins": "11..12"}]

    # Only the chosen app types: ALL alone costs one request per pin.
    requests_mock.reset_mock()
    _pins(requests_mock, {"status_code": 403, "json": {"code": 29, "message": "This endpoint is in beta."}})
    output = read_streams(oauth_config(start_date=TODAY.isoformat(), pin_app_types=["ALL"]), ["pin_analytics"])
    assert _pin_rows(output) == {(p["id"], "ALL"): 100 for p in PINS}
    assert len(_calls(requests_mock, "/11/analytics")) == 1


def test_a_pin_analytics_state_of_the_single_partition_shape_is_continued(requests_mock) -> None:
    _pins(requests_mock, {"json": {}})
    synced = TODAY - dt.timedelta(days=10)
    old = {"states": [{"partition": {}, "cursor": {"DATE": synced.isoformat()}}], "use_global_cursor": False}
    state = StateBuilder().with_stream_state("pin_analytics", old).build()

    output = read_streams(oauth_config(lookback_window_days=2, start_date="2026-01-01"), ["pin_analytics"], state=state)

    assert not output.errors
    starts = {c["start_date"][0] for c in _calls(requests_mock, "/pins/analytics")}
    assert starts == {(synced - dt.timedelta(days=2)).isoformat()}


# ---------------------------------------------------------------------------------------------------- targeting
def test_targeting_asks_every_type_at_once_and_drops_a_refused_beta_type_for_the_rest_of_the_sync(
    requests_mock,
) -> None:
    old = _ts(TODAY - dt.timedelta(days=400))
    requests_mock.get(API + "ad_accounts", json=page([{"id": ACCOUNT}, {"id": "222"}]))
    for account in (ACCOUNT, "222"):
        requests_mock.get(
            API + f"ad_accounts/{account}/campaigns",
            json=page([{"id": f"c{account}", "status": "ACTIVE", "created_time": old, "updated_time": old}]),
        )

    def targeting(request, context):
        types = query(request)["targeting_types"][0].split(",")
        if "AGE_BUCKET_AND_GENDER" in types:
            context.status_code = 400
            return {"code": 1, "message": "targeting_types AGE_BUCKET_AND_GENDER is in BETA and not available."}
        campaign = query(request)["campaign_ids"][0]
        return {
            "data": [
                {
                    "targeting_type": t,
                    "targeting_value": "v",
                    "metrics": {"CAMPAIGN_ID": campaign, "DATE": TODAY.isoformat()},
                }
                for t in types
            ]
        }

    for account in (ACCOUNT, "222"):
        requests_mock.get(API + f"ad_accounts/{account}/campaigns/targeting_analytics", json=targeting)
    chosen = ["AGE_BUCKET_AND_GENDER", "GENDER", "LOCATION"]

    output = read_streams(
        oauth_config(start_date=TODAY.isoformat(), targeting_types={"campaign": chosen}, num_workers=2),
        ["campaign_targeting_analytics"],
    )

    assert not output.errors
    rows = {(r["CAMPAIGN_ID"], r["TARGETING_TYPE"]) for r in records_of(output)}
    assert rows == {(f"c{a}", t) for a in (ACCOUNT, "222") for t in ("GENDER", "LOCATION")}
    asked = [c["targeting_types"][0] for c in _calls(requests_mock, "/targeting_analytics")]
    # Decided per ad account: each refuses once (both refuse here), never asked again once known.
    assert asked.count("GENDER,LOCATION") == 2 and asked.count(",".join(chosen)) == 2, asked
    warnings = [m.log.message for m in output.logs if "targeting type AGE_BUCKET_AND_GENDER" in m.log.message]
    assert len(warnings) == 2 and all("skipped for this account for the rest of this sync" in w for w in warnings)
    assert {w.split("to ad account ")[1].split(" ")[0] for w in warnings} == {ACCOUNT, "222"}


def test_a_stream_whose_every_targeting_type_is_refused_ends_incomplete_saying_why(requests_mock) -> None:
    old = _ts(TODAY - dt.timedelta(days=400))
    _campaigns(requests_mock, [{"id": "c1", "status": "ACTIVE", "created_time": old, "updated_time": old}])
    requests_mock.get(
        API + f"ad_accounts/{ACCOUNT}/campaigns/targeting_analytics",
        status_code=400,
        json={"code": 1, "message": "AGE_BUCKET_AND_GENDER is in BETA and not yet available to this ad account."},
    )
    config = oauth_config(start_date=TODAY.isoformat(), targeting_types={"campaign": ["AGE_BUCKET_AND_GENDER"]})

    output = read_streams(config, ["campaign_targeting_analytics"], expecting_exception=True)

    assert output.get_stream_statuses("campaign_targeting_analytics")[-1].name == "INCOMPLETE"
    (error,) = output.errors
    assert error.trace.error.failure_type.name == "config_error"
    assert "campaign_targeting_analytics" in error.trace.error.message
    assert "targeting_types.campaign" in error.trace.error.message


def test_a_cut_pin_analytics_sync_continues_at_the_first_unfinished_batch(requests_mock) -> None:
    pins = [{"id": str(1000 + i), "created_at": "2026-01-01T00:00:00"} for i in range(150)]  # two batches of 100
    requests_mock.get(API + "pins", json=page(pins))
    requests_mock.get(API + "pins/analytics", json={})
    done = TODAY - dt.timedelta(days=1)
    previous_sync = TODAY - dt.timedelta(days=20)
    cut = {  # the first batch was read up to yesterday when the sync was killed; the last full sync ended earlier
        "states": [{"partition": {"pins": "1000..1099"}, "cursor": {"DATE": done.isoformat()}}],
        "state": {"DATE": previous_sync.isoformat()},
        "use_global_cursor": False,
    }
    state = StateBuilder().with_stream_state("pin_analytics", cut).build()

    output = read_streams(
        oauth_config(lookback_window_days=0, start_date="2026-01-01", pin_app_types=["ALL"]), ["pin_analytics"], state
    )

    assert not output.errors
    starts = {c["pin_ids"][0].split(",")[0]: c["start_date"][0] for c in _calls(requests_mock, "/pins/analytics")}
    assert starts == {"1000": done.isoformat(), "1100": previous_sync.isoformat()}
