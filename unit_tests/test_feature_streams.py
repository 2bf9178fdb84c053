"""targeting_options and the top pins streams: requests, rows, refusals and their config."""

from __future__ import annotations

import datetime as dt

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType, SyncMode

from source_pinterest.components import config_validation
from source_pinterest.components.targeting_options import RESOURCES, reported_types
from source_pinterest.settings import apply_defaults
from unit_tests.conftest import API, oauth_config, page, query, read_streams, records_of

ACCOUNT = "549755885175"
GROUPS = [
    {"id": "g1", "ad_account_id": ACCOUNT, "targeting_spec": {"INTEREST": ["11", "12"]}},
    {"id": "g2", "ad_account_id": ACCOUNT, "targeting_spec": {"INTEREST": ["13"], "LOCATION": ["811"]}},
]


def _targeting_api(requests_mock) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": ACCOUNT}]))
    requests_mock.get(API + f"ad_accounts/{ACCOUNT}/ad_groups", json=page(GROUPS))
    requests_mock.get(API + "resources/targeting/LOCATION", json=[{"811": "U.S.: Reno", "500": "U.S.: Portland"}])
    requests_mock.get(API + "resources/targeting/INTEREST", json=[{"11": "Home decor"}])
    requests_mock.get(API + "resources/targeting/interests/12", json={"id": "12", "name": "Living rooms", "level": 2})
    requests_mock.get(API + "resources/targeting/interests/13", status_code=404, json={"code": 404, "message": "gone"})
    requests_mock.get(API + "resources/targeting/AUDIENCE_INCLUDE", json=[{"2542620905473": "Past buyers"}])
    for resource in ("APPTYPE", "GENDER", "AGE_BUCKET", "GEO"):
        requests_mock.get(API + f"resources/targeting/{resource}", json=[{}])


def test_targeting_options_rows_join_the_targeting_rows_and_skip_a_retired_interest(requests_mock) -> None:
    _targeting_api(requests_mock)
    output = read_streams(oauth_config(), ["targeting_options"], mode=SyncMode.full_refresh)

    rows = {(r["TARGETING_TYPE"], r["TARGETING_VALUE"]): r for r in records_of(output)}
    assert rows[("LOCATION", "811")]["NAME"] == "U.S.: Reno"
    # One interest list serves both interest breakdowns; an unlisted targeted interest is asked for by id.
    for breakdown in ("TARGETED_INTEREST", "PINNER_INTEREST"):
        assert rows[(breakdown, "11")]["NAME"] == "Home decor"
        assert rows[(breakdown, "12")]["NAME"] == "Living rooms"
        assert (breakdown, "13") not in rows  # Pinterest no longer names it: left out, the sync goes on
    assert rows[("AUDIENCE_INCLUDE", "2542620905473")]["AD_ACCOUNT_ID"] == ACCOUNT
    paths = sorted(r.path for r in requests_mock.request_history if "/resources/" in r.path)
    assert paths.count("/v5/resources/targeting/interest") == 1
    assert "/v5/resources/targeting/interests/11" not in paths, "a listed interest is not asked for again"
    audience_requests = [r for r in requests_mock.request_history if r.path.endswith("/audience_include")]
    assert [query(r)["ad_account_id"] for r in audience_requests] == [[ACCOUNT]]
    assert any("no longer names this interest" in m.log.message for m in output.logs)
    assert not output.errors


def test_only_targeting_types_pinterest_can_name_are_read() -> None:
    assert "KEYWORD" not in reported_types() and "PLACEMENT" not in reported_types()
    assert {RESOURCES[t] for t in reported_types()} == {
        "APPTYPE", "GENDER", "AGE_BUCKET", "LOCATION", "GEO", "INTEREST", "AUDIENCE_INCLUDE"
    }  # fmt: skip


def test_top_pins_ask_for_the_configured_ranking_within_90_days(requests_mock) -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    answer = {"pins": [{"pin_id": "7", "metrics": {"SAVE": 3}, "data_status": {}}], "sort_by": "SAVE"}
    top = requests_mock.get(API + "user_account/analytics/top_pins", json=answer)
    config = oauth_config(start_date="2020-01-01", top_pins_sort_by="SAVE", top_pins_metric_types=["SAVE"])

    output = read_streams(config, ["user_account_top_pins"], mode=SyncMode.full_refresh)

    oldest = (today - dt.timedelta(days=89)).isoformat()
    assert query(top.last_request) == {
        "start_date": [oldest],
        "end_date": [today.isoformat()],
        "sort_by": ["SAVE"],
        "metric_types": ["SAVE"],
        "num_of_pins": ["50"],
    }
    assert records_of(output) == [
        {**answer["pins"][0], "sort_by": "SAVE", "start_date": oldest, "end_date": today.isoformat()}
    ]


def test_top_pins_refused_for_a_missing_scope_skip_with_a_warning_and_end_saying_so(requests_mock) -> None:
    requests_mock.get(API + "user_account/analytics/top_video_pins", status_code=403, json={"code": 3, "message": "no"})
    output = read_streams(
        oauth_config(), ["user_account_top_video_pins"], mode=SyncMode.full_refresh, expecting_exception=True
    )
    assert not records_of(output)
    assert any("refused access (403" in m.log.message for m in output.logs)
    # Not a silent COMPLETE with 0 rows: INCOMPLETE, and the read ends with a config_error naming the stream.
    assert output.get_stream_statuses("user_account_top_video_pins")[-1] == AirbyteStreamStatus.INCOMPLETE
    (error,) = output.errors
    assert error.trace.error.failure_type == FailureType.config_error
    assert "user_account_top_video_pins" in error.trace.error.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"top_pins_sort_by": "VIDEO_START"}, "top_pins_sort_by"),
        ({"top_video_pins_sort_by": "ENGAGEMENT"}, "top_video_pins_sort_by"),
        ({"top_pins_metric_types": ["VIDEO_START"]}, "top_pins_metric_types"),
        ({"top_video_pins_metric_types": ["ENGAGEMENT"]}, "top_video_pins_metric_types"),
    ],
)
def test_bad_top_pins_config_names_the_field_and_the_fix(change: dict, field: str) -> None:
    config = oauth_config(**change)
    apply_defaults(config)
    with pytest.raises(Exception) as raised:
        config_validation.validate(config, today=dt.date(2026, 11, 22))
    assert raised.value.failure_type == FailureType.config_error
    assert f"'{field}'" in raised.value.message and "Fix:" in raised.value.message
