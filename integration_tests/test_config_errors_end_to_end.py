"""`check` and `read` from the command line: every typo is reported in one run, and a misspelt key is warned about."""

from __future__ import annotations

import json
from pathlib import Path

from integration_tests.cli import run_cli
from unit_tests.conftest import oauth_config


def test_check_with_three_typos_reports_them_all_in_one_failed_status(tmp_path) -> None:
    config = oauth_config(granularity="DAYY", num_workers="4", **{"start-date": "2026-01-01"})
    config["credentials"]["auth_method"] = "oauth2"
    run = run_cli(tmp_path, "check", config, timeout=120)

    statuses = [m["connectionStatus"] for m in run.messages if m["type"] == "CONNECTION_STATUS"]
    assert run.returncode == 0 and len(statuses) == 1 and statuses[0]["status"] == "FAILED"
    message = statuses[0]["message"]
    assert message.startswith("The config has 3 problems:")
    for field in ("credentials.auth_method", "granularity", "num_workers"):
        assert f"'{field}'" in message
    warnings = [m["log"]["message"] for m in run.messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]
    typo = [w for w in warnings if "'start-date'" in w]
    assert len(typo) == 1 and "Did you mean 'start_date'?" in typo[0]
    assert not run.errors  # a failed check, not a crash


def test_read_with_bad_custom_reports_ends_in_one_config_error_naming_every_field(tmp_path) -> None:
    reports = [
        {"name": "spend", "columns": ["SPEND_IN_DOLLARS"]},
        {"name": "fine"},
        {"name": "reach", "level": "GALAXY", "ad_statuses": ["LIVE"]},
    ]
    config = oauth_config(lookback_window_days=-1, custom_reports=reports)
    catalog = json.loads((Path(__file__).parent / "configured_catalog.json").read_text())
    run = run_cli(tmp_path, "read", config, catalog=catalog, timeout=120)

    assert run.returncode == 1 and len(run.errors) == 1
    error = run.errors[0]
    assert error["failure_type"] == "config_error"
    assert error["message"].startswith("The config has 4 problems:")
    for field in (
        "lookback_window_days",
        "custom_reports[0] ('spend').columns",
        "custom_reports[2] ('reach').level",
        "custom_reports[2] ('reach').ad_statuses",
    ):
        assert f"Config field '{field}'" in error["message"]
    assert error["message"].count("Fix:") == 4
    assert not run.records and not run.states
