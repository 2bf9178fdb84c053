"""The api_budget's per-category pacing, 429/daily-cap decisions, 400s that say which request failed, and the retry
budgets: time for 429s and a dead host, counts for transient 400s."""

from __future__ import annotations

import json
import socket

import pytest
import requests
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest import SourcePinterest
from source_pinterest.components import auth, pinterest_said, reachability
from source_pinterest.components.analytics.organic import ORG_ANALYTICS_PER_MINUTE
from source_pinterest.components.answers import PinterestError, pinterest_error
from source_pinterest.components.errors import PinterestErrorHandler
from source_pinterest.components.refusals import multi_pin_refused, refused_targeting_types
from source_pinterest.components.reports import job_lifecycle
from source_pinterest.components.retry_waits import PinterestBackoff
from unit_tests.conftest import (
    ACCESS_TOKEN,
    API,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    oauth_config,
    page,
    read_streams,
    records_of,
    token_config,
)

# Standard-access quotas per minute (developers.pinterest.com/docs/reference/rate-limits), in manifest order.
PINTEREST_LIMITS = {"ads_analytics": 300, "org_analytics": 60, "ads_read": 1000, "org_read": 1000, "catalogs_read": 100}
ENDPOINTS = {
    "ads_read": [
        "ad_accounts",
        "ad_accounts/549/campaigns",
        "ad_accounts/549/ad_groups",
        "ad_accounts/549/ads",
        "ad_accounts/549/audiences",
        "ad_accounts/549/conversion_tags",
        "ad_accounts/549/customer_lists",
        "ad_accounts/549/keywords",
    ],
    "ads_analytics": [
        "ad_accounts/549/analytics",
        "ad_accounts/549/campaigns/analytics",
        "ad_accounts/549/ad_groups/analytics",
        "ad_accounts/549/ads/analytics",
        "ad_accounts/549/targeting_analytics",
        "ad_accounts/549/campaigns/targeting_analytics",
        "ad_accounts/549/ads/targeting_analytics",
        "ad_accounts/549/reports",
        "POST ad_accounts/549/reports",
    ],
    "org_read": [
        "boards",
        "boards/7/sections",
        "boards/7/pins",
        "boards/7/sections/8/pins",
        "pins",
        "pins/123",
        "user_account",
        "POST oauth/token",
    ],
    "org_analytics": [
        "pins/123/analytics",
        "pins/analytics",
        "user_account/analytics",
        "user_account/analytics/top_pins",
    ],
    "catalogs_read": ["catalogs", "catalogs/feeds", "catalogs/product_groups"],
}


@pytest.fixture
def budget():
    source = SourcePinterest(config=oauth_config())
    source.streams(source._config)
    return source._constructor._api_budget


def _limit(policy) -> int:
    (rate,) = policy._bucket.rates
    assert rate.interval == 60_000  # per minute, like Pinterest's quotas
    return rate.limit


@pytest.mark.parametrize("base", [API, "http://127.0.0.1:8123/v5/", "http://localhost/proxy/v5/"])
def test_every_endpoint_is_paced_a_little_under_its_pinterest_category_limit(budget, base: str) -> None:
    policies = list(budget._policies)
    assert len(policies) == len(PINTEREST_LIMITS)
    for index, (category, limit) in enumerate(PINTEREST_LIMITS.items()):
        assert 0.9 * limit <= _limit(policies[index]) < limit, category
        for endpoint in ENDPOINTS[category]:
            method, _, path = endpoint.rpartition(" ")
            request = requests.Request(method or "GET", base + path, params={"page_size": 250}).prepare()
            assert budget.get_matching_policy(request) is policies[index], f"{endpoint} is not paced as {category}"
    report_download = requests.Request("GET", "https://pinterest-reports.s3.amazonaws.com/x.json").prepare()
    assert budget.get_matching_policy(report_download) is None  # not an API call, no quota


def test_the_pin_fallback_estimate_uses_the_budget_the_requests_are_paced_by(budget) -> None:
    request = requests.Request("GET", API + "pins/123/analytics").prepare()
    assert _limit(budget.get_matching_policy(request)) == ORG_ANALYTICS_PER_MINUTE


def test_one_budget_per_process_however_often_streams_are_built() -> None:
    source = SourcePinterest(config=oauth_config())
    source.streams(source._config)
    first = source._constructor._api_budget
    source.streams(source._config)  # read() builds streams a second time after warming the parent caches
    assert source._constructor._api_budget is first


def _response(
    status: int, body: dict, headers: dict | None = None, url: str = API + "ad_accounts"
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers.update(headers or {})
    response.request = requests.Request("GET", url, headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}).prepare()
    response.url = response.request.url
    return response


def _handler() -> PinterestErrorHandler:
    source = SourcePinterest(config=oauth_config())
    stream = next(s for s in source.streams(source._config) if s.name == "ad_accounts")
    retriever = stream._stream_partition_generator._partition_factory._retriever
    return retriever.requester.error_handler


RATE_LIMITED = "This request exceeded a rate limit. This can happen if the client exceeds one of the published limits."
DAILY_CAP = "You have exceeded your daily request limit for this app; try again tomorrow."


def test_a_per_minute_429_waits_and_retries_the_same_request_never_ignores_it() -> None:
    resolution = _handler().interpret_response(_response(429, {"code": 8, "message": RATE_LIMITED}))
    assert resolution.response_action == ResponseAction.RATE_LIMITED


def test_the_daily_cap_fails_at_once_saying_when_to_retry() -> None:
    url = API + "ad_accounts/549/ads?page_size=250"
    resolution = _handler().interpret_response(_response(429, {"code": 8, "message": DAILY_CAP}, url=url))
    assert resolution.response_action == ResponseAction.FAIL
    assert resolution.failure_type == FailureType.transient_error
    message = resolution.error_message
    assert "daily request limit" in message and "run the sync again tomorrow" in message
    assert "GET /v5/ad_accounts/549/ads?page_size=250" in message and ACCESS_TOKEN not in message


@pytest.mark.parametrize(
    ("status", "headers", "wait"),
    [
        (429, {"x-ratelimit-reset": "7"}, 7.0),
        (429, {"x-ratelimit-reset": "900"}, 900.0),  # as long as Pinterest says, within the time budget
        (429, {}, 2.0),  # no header: exponential
        (401, {"x-ratelimit-reset": "7"}, 0.01),  # refreshed token: no reason to wait
    ],
)
def test_429_waits_for_the_reset_header_without_retry_after_and_401_retries_at_once(
    status: int, headers: dict, wait: float | None
) -> None:
    assert PinterestBackoff(parameters={}).backoff_time(_response(status, {}, headers), 1) == wait


def test_the_reset_header_does_not_stretch_5xx_backoff() -> None:
    assert PinterestBackoff(parameters={}).backoff_time(_response(503, {}, {"x-ratelimit-reset": "50"}), 1) == 4.0


def test_a_400_is_not_retried_and_names_pinterests_message_and_the_request(requests_mock) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}]))
    campaigns = requests_mock.get(
        API + "ad_accounts/111/campaigns",
        status_code=400,
        json={"code": 1, "message": "Invalid parameters: 'order' must be ASCENDING or DESCENDING."},
    )

    output = read_streams(oauth_config(), ["campaigns"], expecting_exception=True)

    assert campaigns.call_count == 1  # a 400 will not change on retry
    errors = [m.trace.error for m in output.errors]
    message = next(e.message for e in errors if "Invalid parameters" in (e.message or ""))
    assert "'order' must be ASCENDING or DESCENDING" in message
    assert "HTTP 400 for GET /v5/ad_accounts/111/campaigns?" in message
    assert "entity_statuses=ACTIVE" in message and "order=ASCENDING" in message and "page_size=250" in message
    everything = "".join(str(m) for m in output._messages)
    assert not [s for s in (ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET) if s in everything]


def test_429_waits_as_long_as_pinterest_says_until_the_requests_time_budget_is_spent(fake_time) -> None:
    backoff = PinterestBackoff(parameters={})
    limited = _response(429, {"code": 8, "message": RATE_LIMITED}, {"Retry-After": "600"})
    waits: list[float] = []
    with pytest.raises(AirbyteTracedException) as raised:
        for attempt in range(1, 100):
            waits.append(backoff.backoff_time(limited, attempt))
            fake_time[0] += waits[-1]
    assert waits == [600.0, 600.0, 600.0]  # a fourth wait would pass the 30 minutes
    assert raised.value.failure_type == FailureType.transient_error
    assert "30 min" in raised.value.message and "GET /v5/ad_accounts" in raised.value.message
    assert backoff.backoff_time(limited, 1) == 600.0  # the budget is per request: the next one starts afresh


def test_many_short_429s_are_waited_out_beyond_the_cdks_retry_count(requests_mock, fake_time) -> None:
    throttled = {"status_code": 429, "json": {"code": 8, "message": RATE_LIMITED}, "headers": {"Retry-After": "1"}}
    accounts = requests_mock.get(API + "ad_accounts", [throttled] * 20 + [{"json": page([{"id": "1"}])}])

    output = read_streams(oauth_config(), ["ad_accounts"], mode=SyncMode.full_refresh)

    assert [r["id"] for r in records_of(output)] == ["1"] and accounts.call_count == 21
    waits = [m for m in output.logs if "Rate limited (429) on GET /v5/ad_accounts" in m.log.message]
    assert len(waits) == 20 and "waiting 1 s (as Pinterest asks)" in waits[0].log.message


def test_transient_400s_are_retried_a_bounded_number_of_times(requests_mock, fake_time) -> None:
    went_wrong = {"status_code": 400, "json": {"code": 12, "message": "Something went wrong. Please try later."}}
    requests_mock.get(API + "ad_accounts", [went_wrong, went_wrong, {"json": page([{"id": "1"}])}])
    assert [r["id"] for r in records_of(read_streams(oauth_config(), ["ad_accounts"], mode=SyncMode.full_refresh))] == [
        "1"
    ]

    retry_after = requests_mock.get(
        API + "ad_accounts", status_code=400, json={"code": 1, "message": "Request failed. Retry after 5 seconds."}
    )
    output = read_streams(oauth_config(), ["ad_accounts"], mode=SyncMode.full_refresh, expecting_exception=True)

    assert retry_after.call_count == 4  # the request and 3 retries
    error = next(m.trace.error for m in output.errors if "gave up after 3 retries" in (m.trace.error.message or ""))
    assert error.failure_type == FailureType.transient_error and "GET /v5/ad_accounts" in error.message
    assert "retry 1 of 3 in 5 s" in " ".join(m.log.message for m in output.logs)  # the wait the message names


@pytest.fixture
def dead_api() -> str:
    """An API base URL on a loopback port nothing listens on: every connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v5/"


@pytest.mark.parametrize("auth", ["access_token", "oauth_refresh"])
def test_a_dead_host_ends_the_read_within_a_minute_with_a_transient_error_and_a_line_per_retry(
    dead_api: str, fake_time, auth: str
) -> None:
    config = token_config(api_base_url=dead_api) if auth == "access_token" else oauth_config(api_base_url=dead_api)
    if auth == "oauth_refresh":
        config["credentials"]["token_expiry_date"] = ""  # the token refresh meets the dead host first

    output = read_streams(config, ["ad_accounts", "campaigns", "ads"], expecting_exception=True)

    # Issue 23: one trace for the cause (not one per stream), then a closing trace that agrees with it.
    first, closing = [m.trace.error for m in output.errors]
    assert first.stream_descriptor is not None and closing.stream_descriptor is None
    for error in (first, closing):
        assert error.failure_type == FailureType.transient_error
        assert f"Could not reach the Pinterest API at {dead_api}" in error.message
        assert "Connection refused" in error.message and "'api_base_url'" in error.message
    assert "3 streams stopped (ad_accounts, ads, campaigns)" in closing.message
    assert reachability.UNREACHABLE_SECONDS <= fake_time[0] <= 60  # the budget, once for all streams
    path = "POST /v5/oauth/token" if auth == "oauth_refresh" else "GET /v5/ad_accounts"
    retries = [m.log.message for m in output.logs if m.log.message.startswith(f"Cannot connect for {path}")]
    assert len(retries) >= 4 and all("Connection refused); retrying in" in line for line in retries)


def test_refused_betas_are_told_from_other_refusals() -> None:
    multi_pin = API + "pins/analytics?pin_ids=1,2"
    assert multi_pin_refused(_response(403, {"code": 29, "message": "Forbidden"}, url=multi_pin))
    assert multi_pin_refused(_response(400, {"code": 1, "message": "This API is in beta."}, url=multi_pin))
    assert multi_pin_refused(_response(404, {"code": 1, "message": "Not available to your app"}, url=multi_pin))
    assert not multi_pin_refused(_response(404, {"code": 404, "message": "Pin not found."}, url=multi_pin))
    assert not multi_pin_refused(_response(403, {"code": 3, "message": "Forbidden"}, url=API + "pins/1/analytics"))

    targeting = API + "ad_accounts/1/ad_groups/targeting_analytics?targeting_types=AGE_BUCKET,AGE_BUCKET_AND_GENDER"
    beta = {"code": 1, "message": "targeting_types AGE_BUCKET_AND_GENDER is in BETA and not available."}
    assert refused_targeting_types(_response(400, beta, url=targeting)) == ["AGE_BUCKET_AND_GENDER"]  # not AGE_BUCKET
    # Issue 21: a type of the request named in the refusal is refused, whatever the wording ...
    invalid = {"code": 1, "message": "Invalid targeting_types AGE_BUCKET_AND_GENDER"}
    assert refused_targeting_types(_response(400, invalid, url=targeting)) == ["AGE_BUCKET_AND_GENDER"]
    # ... and a 400 naming none of them still fails.
    other = {"code": 1, "message": "Invalid targeting_types GENDER: not in BETA"}
    assert refused_targeting_types(_response(400, other, url=targeting)) == []


def _answer(status: int, body: object = None, text: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = (json.dumps(body) if text is None else text).encode()
    response.url = API + "ad_accounts"
    return response


def test_pinterests_error_body_is_read_by_one_function_for_errors_reports_and_auth() -> None:
    went_wrong = _answer(400, {"code": 12, "message": "Something went wrong"})
    assert pinterest_error(went_wrong) == PinterestError(12, "Something went wrong")
    assert pinterest_said.pinterest_message(went_wrong) == "Something went wrong"
    assert pinterest_said.is_transient_400(went_wrong)
    assert job_lifecycle._json(went_wrong) == {"report_status": "HTTP_400", "message": "Something went wrong"}
    assert auth._pinterest_error(went_wrong) == "code 12: Something went wrong"
    # The token endpoint's OAuth shape; a body that is no JSON (said as its text, never a transient 400); no object.
    oauth = _answer(400, {"error": "invalid_grant", "error_description": "Token expired"})
    assert pinterest_error(oauth) == PinterestError(None, "Token expired") and auth._pinterest_error(oauth) == (
        "Token expired"
    )
    html = _answer(400, text="<html>Retry after 5 seconds</html>")
    assert pinterest_error(html) == PinterestError(None, "<html>Retry after 5 seconds</html>", is_text=True)
    assert not pinterest_said.is_transient_400(html)
    assert pinterest_error(_answer(500, [1])) == PinterestError(None, "") == pinterest_error(None)
