"""Spec shape, 2.x config compatibility, bad configs as config_error, and `check`."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import threading
from unittest import mock

import pytest
import requests
import urllib3.exceptions
import yaml
from airbyte_cdk.models import FailureType, Status
from airbyte_cdk.sources.declarative.concurrent_declarative_source import (
    get_declarative_component_schema,
    validate_manifest,
)
from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver
from jsonschema import ValidationError
from urllib3.exceptions import MaxRetryError

from source_pinterest import SourcePinterest
from source_pinterest.components import config_validation
from source_pinterest.components.reachability import CHECK_UNREACHABLE_SECONDS
from source_pinterest.manifest_facts import with_facts
from source_pinterest.settings import apply_defaults, targeting_types
from source_pinterest.spec_file import with_spec
from unit_tests.conftest import API, oauth_config, page, token_config

MANIFEST = "source_pinterest/manifest.yaml"


def _check(config: dict) -> tuple[Status, str | None]:
    status = SourcePinterest(config=config).check(None, config)
    return status.status, status.message


def _prepared_manifest() -> dict:
    with open(MANIFEST) as f:
        manifest = with_facts(with_spec(yaml.safe_load(f)))  # as SourcePinterest reads it
    resolved = ManifestReferenceResolver().preprocess_manifest(manifest)
    return ManifestComponentTransformer().propagate_types_and_parameters("", resolved, {})


def test_manifest_validates_against_the_cdk_schema() -> None:
    # SourcePinterest does not validate its shipped manifest at runtime: this test does, and refuses a broken one.
    schema = get_declarative_component_schema()
    validate_manifest(_prepared_manifest(), schema)
    broken = _prepared_manifest()
    broken["streams"][0]["primary_key"] = 5
    with pytest.raises(ValidationError):
        validate_manifest(broken, schema)


def test_a_substituted_manifest_is_still_validated_at_runtime() -> None:
    broken = {**_prepared_manifest(), "check": {"type": "CheckStream", "stream_names": "ad_accounts"}}
    patched = mock.patch.object(SourcePinterest, "read_manifest", return_value=broken)
    with patched, pytest.raises(ValidationError, match="declarative_component_schema"):
        SourcePinterest(config=oauth_config())


def test_the_source_reads_its_own_manifest_whatever_the_working_directory(tmp_path, monkeypatch) -> None:
    # The CDK's YamlDeclarativeSource opens ./manifest.yaml first: a file of that name where the command runs
    # would have replaced the connector's streams. The package's own is package data, read as such.
    shipped = [stream["name"] for stream in _prepared_manifest()["streams"]]
    (tmp_path / "manifest.yaml").write_text(yaml.safe_dump({"version": "6.0.0", "streams": []}))
    monkeypatch.chdir(tmp_path)
    source = SourcePinterest(config=oauth_config())
    names = [stream["name"] for stream in source.resolved_manifest["streams"]]
    assert "ad_accounts" in names and names == shipped


def test_spec_masks_every_secret_and_offers_oauth() -> None:
    spec = SourcePinterest().spec(None)
    oauth, token = spec.connectionSpecification["properties"]["credentials"]["oneOf"]
    for branch, secrets in (
        (oauth, ["client_id", "client_secret", "refresh_token", "access_token"]),
        (token, ["access_token"]),
    ):
        assert all(branch["properties"][name]["airbyte_secret"] for name in secrets)
    assert spec.advanced_auth.predicate_value == "oauth2.0"
    assert spec.advanced_auth.oauth_config_specification.complete_oauth_output_specification["properties"][
        "refresh_token"
    ]["path_in_connector_config"] == ["credentials", "refresh_token"]


def test_legacy_2x_config_is_migrated() -> None:
    legacy = oauth_config(status=["ACTIVE", "ARCHIVED"], account_id="549755885175", num_threads=3)
    source = SourcePinterest(config=legacy)
    migrated = source._config
    assert migrated["entity_statuses"] == ["ACTIVE", "ARCHIVED"]
    assert migrated["account_ids"] == ["549755885175"]
    assert migrated["num_workers"] == 3
    assert not {"status", "account_id", "num_threads"} & set(migrated)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": "2999-01-01"}, "start_date"),
        ({"account_ids": ["abc"]}, "account_ids"),
        ({"entity_statuses": ["LIVE"]}, "entity_statuses"),
        ({"api_base_url": "https://evil.example.com/v5/"}, "api_base_url"),
        ({"num_workers": 0}, "num_workers"),
        (
            {"credentials": {"auth_method": "oauth2.0", "client_id": "x", "client_secret": "", "refresh_token": "r"}},
            "credentials.client_secret",
        ),
        ({"credentials": {"auth_method": "access_token", "access_token": " "}}, "credentials.access_token"),
        ({"analytics_columns": ["SPEND_IN_DOLLAR", "SPEND_IN_EUROS"]}, "analytics_columns"),
        ({"granularity": "YEAR"}, "granularity"),
        ({"lookback_window_days": -1}, "lookback_window_days"),
        ({"lookback_window_days": 120}, "lookback_window_days"),
        ({"click_window_days": 45}, "click_window_days"),
        ({"conversion_report_time": "LATER"}, "conversion_report_time"),
        ({"reporting_timezone": "Europe/Paris"}, "reporting_timezone"),
        ({"pin_metric_types": ["LIKES"]}, "pin_metric_types"),
        ({"pin_app_types": ["DESKTOP"]}, "pin_app_types"),
        ({"targeting_types": {"ad_group": ["CREATIVE_TYPE"]}}, "targeting_types.ad_group"),
        ({"targeting_types": {"pin": ["GENDER"]}}, "targeting_types"),
    ],
)
def test_bad_config_names_the_field_and_the_fix(change: dict, field: str) -> None:
    config = oauth_config(**change)
    with pytest.raises(Exception) as raised:
        apply_defaults(config)
        config_validation.validate(config, today=dt.date(2026, 11, 22))
    assert raised.value.failure_type == FailureType.config_error
    assert f"'{field}'" in raised.value.message and "Fix:" in raised.value.message
    status, message = _check(oauth_config(**change))
    assert status == Status.FAILED and f"'{field}'" in message


def test_targeting_types_default_to_every_non_beta_type_of_the_level() -> None:
    assert "AGE_BUCKET_AND_GENDER" not in targeting_types({}, "campaign")
    assert len(targeting_types({}, "campaign")) == 14  # the API's maxItems: one request
    ad_group = targeting_types({}, "ad_group")
    assert "CREATIVE_ENHANCEMENTS" not in ad_group and "KEYWORD" in ad_group
    chosen = {"targeting_types": {"ad": ["AGE_BUCKET_AND_GENDER", "GENDER"]}}
    assert targeting_types(chosen, "ad") == ["AGE_BUCKET_AND_GENDER", "GENDER"]


def test_check_succeeds_with_one_cheap_call(requests_mock) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}]))
    assert _check(oauth_config()) == (Status.SUCCEEDED, None)
    assert len(requests_mock.request_history) == 1


def test_check_names_unknown_account_ids(requests_mock) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}]))
    status, message = _check(oauth_config(account_ids=["111", "999"]))
    assert (
        status == Status.FAILED
        and "999" in message
        and "'account_ids'" in message
        and "111" not in message.split("Fix")[0].split("account(s)")[1]
    )


def test_check_explains_a_rejected_token(requests_mock) -> None:
    requests_mock.get(API + "ad_accounts", status_code=401, json={"code": 2, "message": "Authentication failed."})
    status, message = _check(token_config())
    assert status == Status.FAILED and "new access token" in message


def test_check_explains_a_missing_scope(requests_mock) -> None:
    requests_mock.get(API + "ad_accounts", status_code=403, json={"code": 3, "message": "Missing scope ads:read"})
    status, message = _check(oauth_config())
    assert status == Status.FAILED and "no ad account" in message


def test_cli_bad_config_ends_in_a_config_error_trace(tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(oauth_config(start_date="2026-13-01")))
    result = subprocess.run(
        [sys.executable, "-m", "source_pinterest.run", "discover", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    traces = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"type":"TRACE"')]
    assert traces and traces[-1]["trace"]["error"]["failure_type"] == "config_error"
    assert "'start_date'" in traces[-1]["trace"]["error"]["message"]


def test_current_and_legacy_configs_pass_the_spec() -> None:
    import jsonschema

    schema = SourcePinterest().spec(None).connectionSpecification
    legacy = oauth_config(status=["ACTIVE"], account_id="549755885175", num_threads=2)
    for config in (oauth_config(account_ids=["549755885175"], entity_statuses=["ACTIVE"]), token_config(), legacy):
        jsonschema.validate(config, schema)


def _unknown_host(requests_mock) -> None:
    cause = urllib3.exceptions.NameResolutionError(
        "api.pinterest.com", None, socket.gaierror(-2, "Name or service not known")
    )
    requests_mock.get(API + "ad_accounts", exc=requests.exceptions.ConnectionError(MaxRetryError(None, API, cause)))


@pytest.mark.parametrize(
    ("api_base_url", "reason"), [("closed loopback port", "Connection refused"), (API, "unknown host")]
)
def test_check_answers_an_unreachable_host_within_seconds_and_leaves_no_thread(
    requests_mock, fake_time, api_base_url: str, reason: str
) -> None:
    if api_base_url == API:
        _unknown_host(requests_mock)
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            api_base_url = f"http://127.0.0.1:{probe.getsockname()[1]}/v5/"
        requests_mock.real_http = True  # a real refused connection, on loopback
    threads = set(threading.enumerate())

    status, message = _check(token_config(api_base_url=api_base_url))

    assert status == Status.FAILED and reason in message
    assert f"Could not reach the Pinterest API at {api_base_url}" in message and "'api_base_url'" in message
    assert fake_time[0] <= CHECK_UNREACHABLE_SECONDS + 4  # seconds of retry waits, not the sync's budget
    # nothing of the check's own keeps running (the api_budget's rate limiter threads live with the process)
    assert not [t.name for t in set(threading.enumerate()) - threads if "_leak_task" not in t.name]
