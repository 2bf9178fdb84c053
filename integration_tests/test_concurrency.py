"""Concurrent reads with many workers, repeatedly: no interpreter crash (see components/threadsafe_ast.py)."""

from __future__ import annotations

from pathlib import Path

from integration_tests.cli import run_cli
from integration_tests.resume import configured_catalog
from integration_tests.test_end_to_end import ENTITY_STREAMS, _assert_equal_to_truth
from pinterest_emulator import Emulator


def test_repeated_reads_with_twenty_workers_are_complete_and_never_crash(tmp_path: Path) -> None:
    with Emulator(scenario="small") as emulator:
        config = emulator.connector_config(num_workers=20)
        catalog = configured_catalog(config, ENTITY_STREAMS)
        for _ in range(2):
            run = run_cli(tmp_path, "read", config, catalog)

            assert "SystemError" not in run.stderr and "recursion depth mismatch" not in run.stderr
            assert run.returncode == 0 and not run.errors, run.errors
            for stream in ENTITY_STREAMS:
                _assert_equal_to_truth(run, emulator, stream)
