"""Config errors all at once: one config_error names every bad field, and an unknown key is warned about."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from airbyte_cdk.models import FailureType, Status
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest import SourcePinterest
from source_pinterest.components import config_keys, config_validation
from source_pinterest.settings import apply_defaults
from unit_tests.conftest import oauth_config, token_config

TODAY = dt.date(2026, 11, 22)


def _error_of(config: dict) -> AirbyteTracedException:
    apply_defaults(config)
    with pytest.raises(AirbyteTracedException) as raised:
        config_validation.validate(config, today=TODAY)
    return raised.value


def test_three_bad_fields_make_one_config_error_naming_all_three() -> None:
    error = _error_of(oauth_config(start_date="2026-13-01", granularity="YEAR", num_workers=0))
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith("The config has 3 problems:")
    for field in ("'start_date'", "'granularity'", "'num_workers'"):
        assert f"Config field {field}" in error.message
    assert error.message.count("Fix:") == 3


def test_a_bad_credential_and_a_bad_custom_report_are_reported_beside_the_other_fields() -> None:
    config = oauth_config(lookback_window_days=-1, custom_reports=[{"name": "x", "level": "GALAXY"}])
    config["credentials"]["client_secret"] = ""
    error = _error_of(config)
    assert error.message.startswith("The config has 3 problems:")
    assert "'credentials.client_secret'" in error.message and "'lookback_window_days'" in error.message
    assert "custom_reports[0]" in error.message


def test_every_bad_field_of_every_custom_report_is_in_the_one_config_error() -> None:
    reports = [
        {"name": "spend", "columns": ["SPEND_IN_DOLLARS"], "click_window_days": 3},
        {"name": "fine", "level": "CAMPAIGN"},
        {"name": "reach", "level": "GALAXY", "start_date": "2026-13-01"},
        {"name": "spend", "granularity": "TOTAL"},
    ]
    error = _error_of(oauth_config(granularity="YEAR", custom_reports=reports))
    assert error.failure_type == FailureType.config_error
    assert error.message.startswith("The config has 7 problems:")
    named = [
        "granularity",
        "custom_reports[0] ('spend').columns",
        "custom_reports[0] ('spend').click_window_days",
        "custom_reports[2] ('reach').level",
        "custom_reports[2] ('reach').start_date",
        "custom_reports[3] ('spend').name",
        "custom_reports[3] ('spend').granularity",
    ]
    for field in named:
        assert f"Config field '{field}'" in error.message
    assert "custom_reports[1]" not in error.message
    assert error.message.count("Fix:") == len(named)
    assert "e.g. SPEND_IN_DOLLAR" in error.message and "used by another custom report" in error.message


def test_one_bad_field_keeps_its_own_message() -> None:
    error = _error_of(oauth_config(granularity="YEAR"))
    assert error.message.startswith("Config field 'granularity': 'YEAR' is not supported. Fix:")


def test_every_bad_account_id_is_named_once() -> None:
    error = _error_of(oauth_config(account_ids=["act_1", "549755885175", "shop"]))
    assert error.message.startswith("Config field 'account_ids': 'act_1', 'shop' are not ad account ids.")


def test_check_fails_with_every_problem_in_its_status() -> None:
    config = oauth_config(start_date="01/02/2025", granularity="YEAR", click_window_days=45)
    status = SourcePinterest(config=config).check(None, config)
    assert status.status == Status.FAILED
    assert all(f"'{f}'" in status.message for f in ("start_date", "granularity", "click_window_days"))


def test_an_unknown_key_is_warned_about_with_the_nearest_field(caplog) -> None:
    source = SourcePinterest(config=oauth_config(**{"start-date": "2026-01-01", "zzz_platform_extra": 1}))
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        config_keys.warn_unknown_keys(source._config)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("'start-date'" in w and "Did you mean 'start_date'?" in w for w in warnings)
    assert any("'zzz_platform_extra'" in w and "Did you mean" not in w for w in warnings)
    assert len(warnings) == 2


def test_an_unknown_credentials_key_is_named_with_its_nearest_credentials_field() -> None:
    config = oauth_config()
    config["credentials"]["refresh_tokn"] = "r"
    found = config_keys.unknown_keys(SourcePinterest(config=config)._config)
    assert found == [("credentials.refresh_tokn", "credentials.refresh_token")]


def test_known_fields_defaults_and_2x_keys_are_not_warned_about() -> None:
    legacy = oauth_config(status=["ACTIVE"], account_id="549755885175", num_threads=2)
    assert config_keys.unknown_keys(legacy) == []  # as given, before migration
    full = oauth_config(account_ids=["549755885175"], custom_reports=[], granularity="DAY")
    for config in (legacy, full, token_config()):
        resolved = SourcePinterest(config=config)._config  # migrated, defaults and Settings applied
        assert config_keys.unknown_keys(resolved) == []
        apply_defaults(config)
        assert config_keys.unknown_keys(config) == []
