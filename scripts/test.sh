#!/usr/bin/env bash
# Install the connector with its test tools into .venv and run lint + the whole test suite (offline).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[test]"
.venv/bin/ruff check source_pinterest unit_tests integration_tests tools scripts benchmarks
.venv/bin/python -m pytest "$@"
