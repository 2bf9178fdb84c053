#!/usr/bin/env bash
# Install the connector with its test tools into .venv, lint and format-check, and run the whole test suite (offline).
# TEST_TODAY=2028-02-29 runs it with the wall clock of every Python process moved to that day (tools/test_sandbox).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
# The pyairbyte extra (~100 packages, ~25 s and ~360 MB here) lets integration_tests/test_pyairbyte_example.py run.
.venv/bin/pip install --quiet -e ".[test,pyairbyte]"
lint=(conftest.py source_pinterest pinterest_emulator unit_tests integration_tests tools scripts benchmarks)
.venv/bin/ruff check "${lint[@]}"
.venv/bin/ruff format --check "${lint[@]}"
export PYTHONPATH="$PWD/tools/test_sandbox${PYTHONPATH:+:$PYTHONPATH}"
if [ -n "${TEST_TODAY:-}" ]; then
  export FAKE_NOW="${TEST_TODAY}T$(date -u +%H:%M:%S)+00:00"
fi
# Two workers (the machine has two cores), one test file each at a time: module-scoped emulators stay shared.
.venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile "$@"
