#!/usr/bin/env bash
# Install the connector and run a full sync into DuckDB. Without PINTEREST_CONFIG (a config.json path) the sync runs
# offline against the project's Pinterest API emulator; with it, against the real account.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[demo]"
exec .venv/bin/python -m scripts.demo "$@"
