#!/usr/bin/env bash
# Install the connector and run a full sync into DuckDB. Without PINTEREST_CONFIG (a config.json path) the sync runs
# offline against the project's Pinterest API emulator; with it, against the real account.
# Paths (PINTEREST_CONFIG, --db) are taken relative to the directory the command was run from.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
# Install once; again only when pyproject.toml changes (the stamp holds the hash it was installed from).
stamp="$venv/.demo-installed"
wanted=$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  if [[ -f "$stamp" ]]; then
    echo "pyproject.toml changed: reinstalling the connector into $venv (~1 min)..." >&2
  else
    echo "Installing the connector and DuckDB into $venv (first run only, ~1 min)..." >&2
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -e "$root[demo]"
  echo "$wanted" > "$stamp"
fi
# The demo imports the emulator and test helpers from the checkout; the caller's directory stays the working one.
PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" exec "$venv/bin/python" -m scripts.demo "$@"
