"""Issue 23: a read starts with lines a person can act on. The CDK's "Parent state handling is not supported for
CartesianProductStreamSlicer" warning (audiences, a full-refresh stream with no state) is not among them."""

from __future__ import annotations

from pathlib import Path

from integration_tests.cli import run_cli
from integration_tests.resume import configured_catalog
from pinterest_emulator import Emulator


def test_a_read_of_audiences_shows_no_cdk_warning_about_parent_state(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        config = emulator.connector_config()
        done = run_cli(tmp_path, "read", config, configured_catalog(config, ["audiences"]))

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.records.get("audiences")  # the stream with the cartesian router was read
    warnings = [m["log"]["message"] for m in done.messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]
    assert not [w for w in warnings if "CartesianProductStreamSlicer" in w], warnings
