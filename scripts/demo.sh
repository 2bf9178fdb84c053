#!/usr/bin/env bash
# Install the connector and run a full sync into DuckDB. Without PINTEREST_CONFIG (a config.json path) the sync runs
# offline against the project's Pinterest API emulator; with it, against the real account.
set -euo pipefail
cd "$(dirname "$0")/.."
# Install once; again only when pyproject.toml changes (the stamp holds the hash it was installed from).
stamp=.venv/.demo-installed
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -x .venv/bin/python || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e ".[demo]"
  echo "$wanted" > "$stamp"
fi
exec .venv/bin/python -m scripts.demo "$@"
