"""reporting_timezone's pieces that need no emulator: the spec and config field, the last day windows may ask
for, the refusal Pinterest gives, and the state migration when the zone changes (end to end:
integration_tests/test_timezone_end_to_end.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
import requests

from source_pinterest.components import timezone
from source_pinterest.components.refusals import timezone_refused
from source_pinterest.facts import analytics_facts
from source_pinterest.settings import apply_defaults
from source_pinterest.source import SourcePinterest
from source_pinterest.sync import Sync

ZONE = "AD_ACCOUNT_TIME_ZONE"
ROOT = Path(__file__).resolve().parents[1]


def test_the_field_follows_the_openapi_description_and_defaults_to_utc() -> None:
    field = SourcePinterest().spec(logging.getLogger()).connectionSpecification["properties"]["reporting_timezone"]
    spec = analytics_facts()["reporting_timezone"]
    assert field["enum"] == spec["values"] and field["default"] == spec["values"][0] == timezone.DEFAULT
    assert spec["beta"] is True
    config = {"credentials": {}}
    apply_defaults(config)
    assert config["reporting_timezone"] == timezone.DEFAULT  # resolved in memory, like every default
    assert "`reporting_timezone`" in (ROOT / "README.md").read_text()


def test_windows_end_on_the_day_every_zone_has_begun_only_with_the_account_zone() -> None:
    early = dt.datetime(2027, 3, 1, 3, tzinfo=dt.timezone.utc)  # 2027-02-28 at 15:00 in UTC-12
    noon = dt.datetime(2027, 3, 1, 12, tzinfo=dt.timezone.utc)
    assert Sync({}, early).zone.last_day() == dt.date(2027, 3, 1)
    zoned = Sync({"reporting_timezone": ZONE}, early).zone
    assert zoned.last_day() == dt.date(2027, 2, 28)
    assert zoned.last_day(now=noon) == dt.date(2027, 3, 1)
    zoned.refuse(ZONE, "403: beta", "111")
    assert zoned.last_day("111") == dt.date(2027, 3, 1)  # UTC again
    assert zoned.last_day("222") == dt.date(2027, 2, 28)  # its own


def test_the_first_refusal_warns_once_and_later_requests_leave_the_parameter_out(caplog) -> None:
    zone = Sync({"reporting_timezone": ZONE}).zone
    assert zone.value("111") == ZONE and Sync({}).zone.value("111") is None
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        zone.refuse(ZONE, "403: reporting_timezone is in beta", "111")
        zone.refuse(ZONE, "403: reporting_timezone is in beta", "111")
    assert zone.value("111") is None
    assert zone.value("222") == ZONE  # decided per ad account
    warned = [r.getMessage() for r in caplog.records if "reporting_timezone" in r.getMessage()]
    assert len(warned) == 1 and "Fix:" in warned[0] and "UTC" in warned[0]


def _answer(status: int, message: str, url: str, body: dict | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps({"code": 29, "message": message}).encode()
    method = "POST" if body is not None else "GET"
    response.request = requests.Request(method, url, json=body).prepare()
    response.url = url
    return response


@pytest.mark.parametrize(
    ("status", "message", "query", "body", "refused"),
    [
        (403, "reporting_timezone is in beta and not available to your app.", "&reporting_timezone=" + ZONE, None, 1),
        (400, "This feature is not available to you.", "&reporting_timezone=" + ZONE, None, 1),
        (403, "reporting_timezone is in beta and not available to your app.", "", {"reporting_timezone": ZONE}, 1),
        (403, "User does not have access to the ad account.", "&reporting_timezone=" + ZONE, None, 0),  # a role
        (403, "reporting_timezone is in beta and not available to your app.", "", None, 0),  # not asked for
        (429, "reporting_timezone rate limited", "&reporting_timezone=" + ZONE, None, 0),
    ],
)
def test_a_refusal_is_a_beta_answer_to_a_request_that_asked_for_a_zone(
    status: int, message: str, query: str, body: dict | None, refused: int
) -> None:
    url = "https://api.pinterest.com/v5/ad_accounts/1/analytics?start_date=2027-01-01" + query
    assert timezone_refused(_answer(status, message, url, body)) is bool(refused)


def test_a_changed_zone_moves_each_entry_to_the_new_key_a_day_earlier() -> None:
    migration = timezone.ZoneChange(parameters={}, config={"reporting_timezone": ZONE})
    state = {
        "use_global_cursor": False,
        "states": [
            {"partition": {"ad_account_id": "1", "parent_slice": {}}, "cursor": {"DATE": "2027-03-01"}},
            {"partition": {"ad_account_id": "2"}, "cursor": {"DATE": "2027-03-01T05:00:00"}},
            {"partition": {"ad_account_id": "2", "reporting_timezone": ZONE}, "cursor": {"DATE": "2027-03-05"}},
        ],
    }
    assert migration.should_migrate(state)
    migrated = migration.migrate(state)
    assert migrated["use_global_cursor"] is False
    assert migrated["states"] == [
        {"partition": {"ad_account_id": "1", "parent_slice": {}, "reporting_timezone": ZONE},
         "cursor": {"DATE": "2027-02-28"}},
        {"partition": {"ad_account_id": "2", "reporting_timezone": ZONE}, "cursor": {"DATE": "2027-02-28"}},
    ]  # fmt: skip
    assert not migration.should_migrate(migrated)

    back = timezone.ZoneChange(parameters={}, config={}).migrate(migrated)
    partitions = [e["partition"] for e in back["states"]]
    assert partitions == [{"ad_account_id": "1", "parent_slice": {}}, {"ad_account_id": "2"}]
    assert {e["cursor"]["DATE"] for e in back["states"]} == {"2027-02-27"}
