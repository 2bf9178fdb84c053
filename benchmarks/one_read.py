"""One `read` of chosen streams against an emulator in its own process: records, wall time and the connector's
own peak RSS (VmHWM). Quicker than the full benchmark when only some streams matter (memory: the analytics ones).

    python -m benchmarks.one_read --scenario large --days 90 \
        --streams campaign_targeting_analytics,ad_group_targeting_analytics,ad_analytics

Not a test: it reports one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.emulator_process import emulator_config
from benchmarks.sync_benchmark import PeakRss, children_cpu
from integration_tests.cli import CLI, catalog_for, run_cli
from pinterest_emulator.scenarios import SCENARIOS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="large")
    parser.add_argument("--streams", default="", help="comma-separated; empty: every stream")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--profile", default="", help="write a sampling profile of the connector to this file")
    args = parser.parse_args()

    today = dt.datetime.now(dt.timezone.utc).date()  # the connector's clock
    start = (today - dt.timedelta(days=args.days - 1)).isoformat()
    emulator_today = (today - dt.timedelta(days=1)).isoformat()
    with emulator_config(args.scenario, "--today", emulator_today) as config, tempfile.TemporaryDirectory() as tmp:
        config["start_date"] = start
        discovered = run_cli(Path(tmp), "discover", config).messages
        streams = next(m["catalog"]["streams"] for m in discovered if m["type"] == "CATALOG")
        catalog = catalog_for(streams, args.streams.split(",") if args.streams else None)
        (Path(tmp) / "catalog.json").write_text(json.dumps(catalog))
        files = {name: str(Path(tmp) / f"{name}.json") for name in ("config", "catalog")}  # config: run_cli wrote it
        command = [*CLI, "read", "--config", files["config"], "--catalog", files["catalog"]]
        if args.profile:  # the same read, sampled (benchmarks/sample_profile.py)
            command = [sys.executable, "-m", "benchmarks.sample_profile", "--out", args.profile, "--", *command[3:]]
        records: Counter[str] = Counter()
        errors = 0
        started = time.monotonic()
        cpu_before = children_cpu()
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as read:
            assert read.stdout is not None
            peak = PeakRss(read.pid)
            for line in read.stdout:
                if line.startswith('{"type":"RECORD"'):
                    records[line[len('{"type":"RECORD","record":{"stream":"') :].split('"', 1)[0]] += 1
                elif line.startswith('{"type":"TRACE"') and '"ERROR"' in line:
                    errors += 1
            peak_mb = peak.stop()
        seconds = time.monotonic() - started
        cpu = children_cpu() - cpu_before  # the read's own CPU: the emulator is not reaped yet
    total = sum(records.values())
    result = {"scenario": args.scenario, "days": args.days, "seconds": round(seconds, 1), "records": total,
              "records_per_s": round(total / seconds), "cpu_s": round(cpu, 1),
              "records_per_cpu_s": round(total / max(cpu, 1e-9)), "peak_rss_mb": round(peak_mb), "errors": errors,
              "by_stream": dict(records)}  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
