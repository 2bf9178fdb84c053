"""Closed betas decided per ad account (issue 21): how a refusal is recognised (a value of the request's own body
or query appears in the error, whatever the wording), what each account's decision covers, and report jobs
created again without a refused targeting type."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import requests

from source_pinterest.components.betas import BetaDecisions
from source_pinterest.components.refusals import refused_targeting_types, timezone_refused
from source_pinterest.components.reports import build_report_body
from source_pinterest.components.zone import ZoneMixed
from source_pinterest.sync import Sync
from unit_tests.conftest import API, token_config
from unit_tests.test_report_runner import FILE, finished, runner

REFUSING, SERVING = "111", "222"
AGE = "AGE_BUCKET_AND_GENDER"


def _answer(status: int, message: str, *, body: dict | None = None, query: str = "") -> requests.Response:
    url = f"{API}ad_accounts/1/" + ("reports" if body is not None else f"campaigns/targeting_analytics?{query}")
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps({"code": 1, "message": message}).encode()
    response.request = requests.Request("POST" if body is not None else "GET", url, json=body).prepare()
    response.url = url
    return response


JOB = {"level": "CAMPAIGN_TARGETING", "targeting_types": ["AGE_BUCKET", AGE, "GENDER"]}


@pytest.mark.parametrize(
    ("status", "message", "refused"),
    [
        (400, f"Targeting type {AGE} is in BETA and not available for this ad account", [AGE]),
        (400, f"{AGE}: not for you", [AGE]),  # any wording: the body's own value is named
        (400, f"Invalid value(s) {AGE}, AGE_BUCKET", ["AGE_BUCKET", AGE]),  # in the body's order
        (403, f"Targeting type {AGE} requires access", [AGE]),
        (400, "Targeting type CREATIVE_ENHANCEMENTS is in BETA", []),  # not asked for
        (400, "AGE_BUCKET_AND_GENDERS are in BETA", []),  # whole words only
        (400, "Invalid request: 'columns' value 'X' is not valid", []),
        (403, "You are not permitted to access that resource.", []),
        (429, f"Rate limited: {AGE}", []),
        (500, f"{AGE}", []),
    ],
)
def test_a_report_job_is_refused_for_the_types_of_its_body_the_error_names(
    status: int, message: str, refused: list[str]
) -> None:
    assert refused_targeting_types(_answer(status, message, body=JOB)) == refused


def test_gender_is_not_read_inside_age_bucket_and_gender_nor_age_bucket() -> None:
    answer = _answer(400, f"{AGE} is in BETA", query="targeting_types=GENDER,AGE_BUCKET,LOCATION")
    assert refused_targeting_types(answer) == []
    answer = _answer(400, f"{AGE} is in BETA", query=f"targeting_types=GENDER,{AGE}")
    assert refused_targeting_types(answer) == [AGE]


def test_a_refused_type_is_not_taken_for_a_refused_time_zone() -> None:
    zoned = {**JOB, "reporting_timezone": "AD_ACCOUNT_TIME_ZONE"}
    named_type = _answer(400, f"Targeting type {AGE} is in BETA and not available", body=zoned)
    assert not timezone_refused(named_type) and refused_targeting_types(named_type) == [AGE]
    named_zone = _answer(403, "reporting_timezone is in beta and not available to your app.", body=zoned)
    assert timezone_refused(named_zone) and refused_targeting_types(named_zone) == []
    assert timezone_refused(_answer(400, "This feature is not available to you.", body=zoned))


def test_one_accounts_refusal_changes_nothing_for_another() -> None:
    betas = BetaDecisions()
    assert betas.refuse_types(REFUSING, "campaign", [AGE]) == [AGE]
    assert betas.usable(REFUSING, "campaign", ["GENDER", AGE]) == ["GENDER"]
    assert betas.usable(SERVING, "campaign", ["GENDER", AGE]) == ["GENDER", AGE]
    # A BETA type is the account's beta: refused wherever the spec marks it BETA, reports included ...
    assert betas.is_refused(REFUSING, "ad_group", AGE) and betas.is_refused(REFUSING, "PIN_PROMOTION_TARGETING", AGE)
    assert betas.refuse_types(REFUSING, "CAMPAIGN_TARGETING", [AGE]) == []  # ... and announced once per account
    # CREATIVE_ENHANCEMENTS is BETA only where ad groups are reported.
    betas.refuse_types(REFUSING, "AD_GROUP_TARGETING", ["CREATIVE_ENHANCEMENTS"])
    assert betas.is_refused(REFUSING, "ad_group", "CREATIVE_ENHANCEMENTS")
    assert not betas.is_refused(REFUSING, "CAMPAIGN_TARGETING", "CREATIVE_ENHANCEMENTS")
    # A type the spec does not mark BETA is refused only where it was refused.
    betas.refuse_types(REFUSING, "PRODUCT_ITEM_TARGETING", ["AUDIENCE_MULTIPLIER"])
    assert not betas.is_refused(REFUSING, "CAMPAIGN_TARGETING", "AUDIENCE_MULTIPLIER")
    betas.reset()
    assert betas.usable(REFUSING, "campaign", [AGE]) == [AGE]


def test_the_time_zone_is_decided_once_per_account(caplog) -> None:
    zone = Sync({"reporting_timezone": "AD_ACCOUNT_TIME_ZONE"}).zone
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        zone.refuse("AD_ACCOUNT_TIME_ZONE", "403: beta", REFUSING)
        zone.refuse("AD_ACCOUNT_TIME_ZONE", "403: beta", REFUSING)
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert f"ad account {REFUSING}" in caplog.records[0].getMessage()
    assert zone.value(REFUSING) is None
    assert zone.value(SERVING) == "AD_ACCOUNT_TIME_ZONE"
    # An account that served rows in the zone is never switched to UTC mid-sync: the request fails instead.
    zone.served(SERVING)
    with pytest.raises(ZoneMixed, match=f"ad account {SERVING}"):
        zone.refuse("AD_ACCOUNT_TIME_ZONE", "403: beta", SERVING)
    assert zone.value(SERVING) == "AD_ACCOUNT_TIME_ZONE"


def test_the_multi_pin_beta_is_decided_per_organic_account() -> None:
    betas = BetaDecisions()
    betas.decide_multi_pin(REFUSING, False)
    assert betas.multi_pin(REFUSING) is False and betas.multi_pin(SERVING) is None and betas.multi_pin(None) is None
    betas.decide_multi_pin(None, True)
    assert betas.multi_pin(None) is True


# ---------------------------------------------------------------------------------------------- report jobs
def _reports(account: str) -> str:
    return f"{API}ad_accounts/{account}/reports"


def _serve_refusing(requests_mock: Any, account: str, refused: set[str], message: str) -> None:
    """POST /reports of `account` refuses a job naming a type of `refused` (the first); others get a job whose file
    holds one row per requested type."""
    files: dict[str, list[str]] = {}

    def create(request: Any, context: Any) -> dict[str, Any]:
        types = request.json().get("targeting_types", [])
        named = [t for t in types if t in refused]
        if named:
            context.status_code = 400
            return {"code": 1, "message": message.format(named[0])}
        token = f"tok-{len(files)}"
        files[token] = types
        return {"token": token, "report_status": "IN_PROGRESS"}

    def file(request: Any, context: Any) -> str:
        types = files[request.qs["token"][0]] if "token" in request.qs else []
        return json.dumps({"1": [{"CAMPAIGN_ID": "1", "TARGETING_TYPE": t, "TARGETING_VALUE": "v"} for t in types]})

    requests_mock.post(_reports(account), json=create)
    requests_mock.get(_reports(account), json=lambda r, c: {**finished(f"{FILE}&token={r.qs['token'][0]}")["json"]})
    requests_mock.get(FILE, text=file)


def test_a_job_refused_for_a_type_is_created_again_without_it_with_one_warning(requests_mock, caplog) -> None:
    _serve_refusing(requests_mock, REFUSING, {AGE}, "Targeting type {} is in BETA and not available for this account")
    types = [AGE, "GENDER", "APPTYPE", "LOCATION", "COUNTRY", "REGION", "GEO"]  # 7: two jobs of at most 5
    body = build_report_body("CAMPAIGN_TARGETING", "2026-01-01", "2026-01-31", columns=["SPEND_IN_DOLLAR"],
                             targeting_types=types)  # fmt: skip
    sync = Sync(token_config())
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        rows = list(runner(sync=sync).rows(REFUSING, body))
        again = list(runner(sync=sync).rows(REFUSING, body))  # another stream of the same sync: not asked again

    assert [r["TARGETING_TYPE"] for r in rows] == types[1:] == [r["TARGETING_TYPE"] for r in again]
    sent = [r.json()["targeting_types"] for r in requests_mock.request_history if r.method == "POST"]
    assert all(len(s) <= 5 for s in sent)
    # Refused, created again without it, then the rest; once known, the 6 others go 5 + 1 from the start.
    assert sent == [types[:5], types[1:5], types[5:], types[1:6], types[6:]]
    warned = [r.getMessage() for r in caplog.records if f"targeting type {AGE}" in r.getMessage()]
    assert len(warned) == 1 and f"ad account {REFUSING}" in warned[0] and "Fix:" in warned[0]


def test_a_refusal_naming_every_type_of_the_job_is_told_apart_one_type_at_a_time(requests_mock) -> None:
    # The message names every type of the job, only one of which is refused: each is asked alone.
    _serve_refusing(requests_mock, REFUSING, {AGE}, f"Some of [{AGE}, GENDER] ({{}}) are not available")
    body = build_report_body("CAMPAIGN_TARGETING", "2026-01-01", "2026-01-31", columns=["SPEND_IN_DOLLAR"],
                             targeting_types=[AGE, "GENDER"])  # fmt: skip
    rows = list(runner().rows(REFUSING, body))
    assert [r["TARGETING_TYPE"] for r in rows] == ["GENDER"]
    sent = [r.json()["targeting_types"] for r in requests_mock.request_history if r.method == "POST"]
    assert sent == [[AGE, "GENDER"], [AGE], ["GENDER"]]
