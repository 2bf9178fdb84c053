"""OAuth refresh with HTTP Basic, rotating refresh tokens persisted via a control message, 401 handling."""

from __future__ import annotations

import base64
import copy
import json
from urllib.parse import parse_qs

from airbyte_cdk.models import FailureType, SyncMode

from unit_tests.conftest import (
    ACCESS_TOKEN,
    API,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    oauth_config,
    page,
    read_streams,
    records_of,
    token_config,
)

BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def _token_response(access: str, refresh: str) -> dict:
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": 2592000,
        "refresh_token_expires_in": 5184000,
        "scope": "ads:read",
        "response_type": "refresh_token",
    }


def _control_configs(capsys) -> list[dict]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"CONTROL"' in line]
    return [line["control"]["connectorConfig"]["config"] for line in lines]


def test_expired_token_is_refreshed_with_basic_auth_and_only_the_users_config_is_persisted(
    requests_mock, capsys
) -> None:
    config = oauth_config(granularity="WEEK", status=["ACTIVE"])  # `status`: a 2.x key, migrated
    config["credentials"]["token_expiry_date"] = ""  # unknown expiry: refresh before the first call
    token = requests_mock.post(API + "oauth/token", json=_token_response("new-access-1", "new-refresh-1"))
    accounts = requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}]))

    output = read_streams(config, ["ad_accounts"], mode=SyncMode.full_refresh)

    assert [r["id"] for r in records_of(output)] == ["111"]
    assert token.last_request.headers["Authorization"] == BASIC
    form = parse_qs(token.last_request.text)
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == [REFRESH_TOKEN]
    assert form["continuous_refresh"] == ["true"]
    assert "client_secret" not in form  # the secret travels only in the Basic header
    assert accounts.last_request.headers["Authorization"] == "Bearer new-access-1"
    migrated, rotated = _control_configs(capsys)
    expected = copy.deepcopy(config)
    expected["entity_statuses"] = expected.pop("status")
    assert migrated == expected  # the 2.x migration is persisted, without any default
    expected["credentials"].update(
        access_token="new-access-1",
        refresh_token="new-refresh-1",
        token_expiry_date=rotated["credentials"]["token_expiry_date"],
    )
    assert rotated == expected and rotated["credentials"]["token_expiry_date"]


def test_401_on_data_refreshes_once_and_retries_the_same_request(requests_mock, capsys) -> None:
    requests_mock.post(API + "oauth/token", json=_token_response("fresh-access", "rotated-refresh"))
    sent: list[str] = []  # headers as they were on the wire (the retried request object is mutated in place)

    def accounts(request, context) -> dict:
        sent.append(request.headers["Authorization"])
        if len(sent) == 1:
            context.status_code = 401
            return {"code": 2, "message": "Authentication failed."}
        return page([{"id": "7"}])

    requests_mock.get(API + "ad_accounts", json=accounts)
    output = read_streams(oauth_config(), ["ad_accounts"], mode=SyncMode.full_refresh)

    assert [r["id"] for r in records_of(output)] == ["7"]
    assert sent == [f"Bearer {ACCESS_TOKEN}", "Bearer fresh-access"]
    assert _control_configs(capsys)[-1]["credentials"]["refresh_token"] == "rotated-refresh"


def test_refused_refresh_in_pinterests_shape_is_a_config_error_asking_to_reauthenticate(requests_mock) -> None:
    config = oauth_config()
    config["credentials"]["token_expiry_date"] = ""
    token = requests_mock.post(
        API + "oauth/token", status_code=401, json={"code": 283, "message": "The authorization grant is invalid"}
    )
    output = read_streams(config, ["ad_accounts"], mode=SyncMode.full_refresh, expecting_exception=True)

    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.config_error
    assert "code 283: The authorization grant is invalid" in error.message
    assert "re-authenticate" in error.message and "'credentials.refresh_token'" in error.message
    assert "--config" in error.message and "'credentials.client_secret'" in error.message
    assert token.call_count == 1  # a refused refresh token is not retried
    assert REFRESH_TOKEN not in str(output._messages)


def test_a_refreshed_token_without_any_scope_is_a_config_error(requests_mock) -> None:
    config = oauth_config()
    config["credentials"]["token_expiry_date"] = ""
    requests_mock.post(API + "oauth/token", json={**_token_response("scopeless", "r2"), "scope": ""})
    accounts = requests_mock.get(API + "ad_accounts", json=page([{"id": "1"}]))

    output = read_streams(config, ["ad_accounts"], mode=SyncMode.full_refresh, expecting_exception=True)

    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.config_error and "carries no scope" in error.message
    assert not accounts.called


def test_rejected_access_token_is_a_config_error_naming_the_fix(requests_mock) -> None:
    requests_mock.get(API + "ad_accounts", status_code=401, json={"code": 2, "message": "Authentication failed."})
    output = read_streams(token_config(), ["ad_accounts"], mode=SyncMode.full_refresh, expecting_exception=True)

    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.config_error
    assert "new access token" in error.message
    assert len(requests_mock.request_history) == 1  # a static token cannot be refreshed: no retry storm


def test_access_token_is_sent_as_bearer(requests_mock) -> None:
    accounts = requests_mock.get(API + "ad_accounts", json=page([{"id": "1"}]))
    read_streams(token_config(), ["ad_accounts"], mode=SyncMode.full_refresh)
    assert accounts.last_request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
