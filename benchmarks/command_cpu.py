"""CPU time of `spec`, `check` and `discover` (the connector process's own, best of `--repeat`), against an emulator
in its own process. With `--profile DIR` each command also writes a sampling profile there.

    python -m benchmarks.command_cpu --repeat 3

Not a test: it reports one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.emulator_process import emulator_config
from benchmarks.sync_benchmark import children_cpu
from pinterest_emulator.scenarios import SCENARIOS

COMMAND = [str(Path(sys.executable).with_name("source-pinterest"))]  # the installed entry point (spec served fast)


def _cpu(command: list[str]) -> float:
    before = children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    cpu = children_cpu() - before
    if '"type":"TRACE"' in done.stdout and '"ERROR"' in done.stdout:
        raise SystemExit(f"{command[3:5]} failed: {done.stdout[-500:]}")
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="large")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", default="", help="a directory for one sampling profile per command")
    args = parser.parse_args()
    with emulator_config(args.scenario) as config, tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        result: dict[str, float] = {}
        for command in ("spec", "check", "discover"):
            tail = [command] if command == "spec" else [command, "--config", str(config_path)]
            result[f"{command}_cpu_s"] = round(min(_cpu([*COMMAND, *tail]) for _ in range(args.repeat)), 2)
            if args.profile:
                out = str(Path(args.profile) / f"{command}.txt")
                _cpu([sys.executable, "-m", "benchmarks.sample_profile", "--out", out, "--", *tail])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
