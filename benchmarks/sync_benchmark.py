"""Measure full and incremental syncs against the emulator and write a markdown report.

    python -m benchmarks.sync_benchmark --scenario large --latency-ms 0 50 --out benchmarks/report.md

For every run: records per stream, HTTP requests per endpoint next to the fewest the API allows for those records
(pages of 250 per listed parent; 250 ids x 90 days per ads analytics call, 100 pins per organic call), wall time,
records/s and the connector's own peak memory (VmHWM). Not a test: it reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integration_tests.cli import CLI, catalog_for, run_cli
from pinterest_emulator import Emulator

PAGE = 250
STREAMS = [
    "ad_accounts", "campaigns", "ad_groups", "ads", "user_account", "boards", "board_sections", "board_pins",
    "board_section_pins", "pins", "audiences", "conversion_tags", "customer_lists", "keywords", "catalogs",
    "catalogs_feeds", "catalogs_product_groups",
]  # fmt: skip
ANALYTICS = {  # stream: (level, entity stream, endpoint)
    "ad_account_analytics": ("AD_ACCOUNT", None, "analytics"),
    "campaign_analytics": ("CAMPAIGN", "campaigns", "campaigns/analytics"),
    "ad_group_analytics": ("AD_GROUP", "ad_groups", "ad_groups/analytics"),
    "ad_analytics": ("AD", "ads", "ads/analytics"),
    "ad_account_targeting_analytics": ("AD_ACCOUNT", None, "targeting_analytics"),
    "campaign_targeting_analytics": ("CAMPAIGN", "campaigns", "campaigns/targeting_analytics"),
    "ad_group_targeting_analytics": ("AD_GROUP", "ad_groups", "ad_groups/targeting_analytics"),
    "ad_targeting_analytics": ("AD", "ads", "ads/targeting_analytics"),
}
DAYS = 90  # start_date = today - 89: the whole range the sync analytics endpoints serve
TODAY = dt.datetime.now(dt.timezone.utc).date()  # the connector's clock; the emulator is set to it


class PeakRss:
    """The connector's own high-water RSS (VmHWM), polled while it runs. wait4's ru_maxrss would include this
    harness: a forked child is charged the parent's pages it shared until exec (its pre-exec image)."""

    def __init__(self, pid: int) -> None:
        self._path = Path(f"/proc/{pid}/status")
        self._kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for line in self._path.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self._kb = max(self._kb, int(line.split()[1]))
        except OSError:  # exited: the last reading stands (VmHWM only grows)
            pass

    def _poll(self) -> None:
        while not self._done.wait(0.1):
            self._read()

    def stop(self) -> float:
        """Call once stdout is at EOF (the process is exiting); returns MB."""
        self._read()
        self._done.set()
        self._thread.join()
        return self._kb / 1024


def children_cpu() -> float:
    """CPU seconds (user + system) of every reaped child so far: the difference around one `read` is that
    process's own CPU time, which a loaded, shared machine does not inflate the way it inflates wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Result:
    label: str
    seconds: float
    records: Counter[str]
    requests: dict[str, int]
    peak_mb: float
    errors: list[str]
    cpu_s: float = 0.0  # the connector's own CPU time


def _sync(
    emu: Emulator,
    tmp: Path,
    config: dict[str, Any],
    catalog: dict[str, Any],
    label: str,
    state: list[dict[str, Any]] | None = None,
) -> tuple[Result, list[dict[str, Any]]]:
    """One `read` as a subprocess, its output counted line by line (millions of records are never held here),
    its own peak memory read from wait4. Returns the result and the last state of every stream."""
    emu.reset_counts()
    paths = {"config": tmp / "config.json", "catalog": tmp / "catalog.json", "state": tmp / "state.json"}
    paths["config"].write_text(json.dumps(config))
    paths["catalog"].write_text(json.dumps(catalog))
    args = [*CLI, "read", "--config", str(paths["config"]), "--catalog", str(paths["catalog"])]
    if state is not None:
        paths["state"].write_text(json.dumps(state))
        args += ["--state", str(paths["state"])]
    records: Counter[str] = Counter()
    states: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    started = time.monotonic()
    cpu_before = children_cpu()
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        assert process.stdout is not None
        peak = PeakRss(process.pid)
        for line in process.stdout:
            if line.startswith('{"type":"RECORD"'):
                records[line[len('{"type":"RECORD","record":{"stream":"') :].split('"', 1)[0]] += 1
            elif line.startswith('{"type":"STATE"') or line.startswith('{"type":"CONTROL"') or '"ERROR"' in line:
                message = json.loads(line)
                if message["type"] == "STATE":
                    states[message["state"]["stream"]["stream_descriptor"]["name"]] = message["state"]
                elif message["type"] == "CONTROL":  # rotated refresh token: keep it for the next run
                    config.clear()
                    config.update(message["control"]["connectorConfig"]["config"])
                elif message["type"] == "TRACE":
                    errors.append(message["trace"]["error"]["message"])
        peak_mb = peak.stop()
    seconds = time.monotonic() - started
    cpu = children_cpu() - cpu_before
    return Result(label, seconds, records, emu.request_counts(), peak_mb, errors, cpu), list(states.values())


def _minimum_requests(emu: Emulator) -> dict[str, int]:
    """Fewest list calls the API allows for the truth: one page of 250 per parent listing (at least one call)."""

    def pages(n: int) -> int:
        return max(1, math.ceil(n / PAGE))

    truth = {s: emu.truth.entities(s) for s in STREAMS}
    accounts = len(truth["ad_accounts"])
    per_account = {}
    for stream in ("campaigns", "ad_groups", "ads", "customer_lists"):
        counts = Counter(r.get("ad_account_id") for r in truth[stream])
        per_account[stream] = sum(pages(counts.get(a["id"], 0)) for a in truth["ad_accounts"])
    boards = truth["boards"]
    by_board = Counter(r["board_id"] for r in truth["board_pins"])
    sections_by_board = Counter(r["board_id"] for r in truth["board_sections"])
    minimum = {
        "GET /ad_accounts": pages(accounts),
        "GET /ad_accounts/{ad_account_id}/campaigns": per_account["campaigns"],
        "GET /ad_accounts/{ad_account_id}/ad_groups": per_account["ad_groups"],
        "GET /ad_accounts/{ad_account_id}/ads": per_account["ads"],
        "GET /ad_accounts/{ad_account_id}/customer_lists": per_account["customer_lists"],
        "GET /ad_accounts/{ad_account_id}/conversion_tags": accounts,
        "GET /boards": pages(len(boards)),
        "GET /boards/{board_id}/pins": sum(pages(by_board.get(b["id"], 0)) for b in boards),
        "GET /boards/{board_id}/sections": sum(pages(sections_by_board.get(b["id"], 0)) for b in boards),
        "GET /pins": pages(len(truth["pins"])),
        "GET /user_account": 1,
    }
    minimum.update(_minimum_analytics_requests(emu, truth))
    return minimum


def _minimum_analytics_requests(emu: Emulator, truth: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """ceil(N/250) x ceil(D/90) per account and level, N = entities that have rows; targeting x type chunks."""
    from source_pinterest.facts import LEVELS, PIN_APP_TYPES, analytics_facts
    from source_pinterest.settings import targeting_types

    windows = math.ceil(DAYS / 90)
    start = TODAY - dt.timedelta(days=DAYS - 1)  # DAYS: set from --days by main()
    minimum = {}
    for stream, (level, entities, endpoint) in ANALYTICS.items():
        if entities is None:
            calls = len(truth["ad_accounts"])
        else:
            with_rows = {
                r[LEVELS[level].id_column] for r in emu.truth.analytics(level, start, TODAY, ["SPEND_IN_DOLLAR"])
            }
            per_account = Counter(e["ad_account_id"] for e in truth[entities] if e["id"] in with_rows)
            calls = sum(math.ceil(n / 250) for n in per_account.values())
        if "targeting" in stream:  # the types asked by default (every non-BETA one), as many a call as the API takes
            key = LEVELS[level].targeting_key
            calls *= math.ceil(len(targeting_types({}, key)) / analytics_facts()["targeting_max_types"][key])
        minimum[f"GET /ad_accounts/{{ad_account_id}}/{endpoint}"] = calls * windows
    # The multi-pin endpoint takes one app type a call: 100 pins x 90 days per configured app type.
    minimum["GET /pins/analytics"] = math.ceil(len(truth["pins"]) / 100) * len(PIN_APP_TYPES) * windows
    minimum["GET /user_account/analytics"] = windows
    return minimum


def _report(scenario: str, results: list[Result], minimum: dict[str, int]) -> str:
    title = f"# Sync benchmark: `{scenario}` scenario, {DAYS} days"
    lines = [title, "", f"Python {sys.version.split()[0]}, 2-core machine.", ""]
    lines += [
        "| run | wall s | connector CPU s | records | records/s (wall) | records/CPU s | requests | peak RSS MB "
        "| errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        total = sum(r.records.values())
        lines.append(
            f"| {r.label} | {r.seconds:.1f} | {r.cpu_s:.1f} | {total} | {total / r.seconds:.0f} "
            f"| {total / max(r.cpu_s, 1e-9):.0f} | {sum(r.requests.values())} "
            f"| {r.peak_mb:.0f} | {len(r.errors)} |"
        )
    first = results[0]
    lines += ["", f"## Records per stream ({first.label})", "", "| stream | records |", "|---|---|"]
    lines += [f"| {s} | {first.records.get(s, 0)} |" for s in sorted(first.records)]
    lines += [
        "",
        f"## Requests per endpoint ({first.label})",
        "",
        "| endpoint | requests | API minimum |",
        "|---|---|---|",
    ]
    for endpoint, count in sorted(first.requests.items()):
        lines.append(f"| `{endpoint}` | {count} | {minimum.get(endpoint, '')} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    global DAYS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="large")
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 50.0])
    parser.add_argument("--out", default="benchmarks/report.md")
    parser.add_argument("--days", type=int, default=DAYS, help="start_date = today - (days - 1); at most 90")
    parser.add_argument("--streams", default="", help="comma-separated; empty: every stream discover lists")
    parser.add_argument("--no-reports", action="store_true", help="leave out the async report streams (*_report)")
    args = parser.parse_args()
    DAYS = args.days
    selected = args.streams.split(",") if args.streams else None

    results: list[Result] = []
    minimum: dict[str, int] = {}
    for latency in args.latency_ms:
        emulator = Emulator(scenario=args.scenario, latency_ms=latency, today=TODAY - dt.timedelta(days=1))
        with emulator as emu, tempfile.TemporaryDirectory() as tmp:
            config = emu.connector_config(start_date=(TODAY - dt.timedelta(days=DAYS - 1)).isoformat())
            discovered = run_cli(Path(tmp), "discover", config).messages
            streams = next(m["catalog"]["streams"] for m in discovered if m["type"] == "CATALOG")
            if args.no_reports:
                streams = [s for s in streams if not s["name"].endswith("_report")]
            catalog = catalog_for(streams, selected)
            minimum = minimum or _minimum_requests(emu)
            full, states = _sync(emu, Path(tmp), config, catalog, f"full, {latency:.0f} ms latency")
            emu.advance(days=1)
            incremental, _ = _sync(emu, Path(tmp), config, catalog, f"incremental, {latency:.0f} ms latency", states)
            results += [full, incremental]
            print(_report(args.scenario, [full, incremental], minimum), flush=True)  # kept if a later cell fails
    report = _report(args.scenario, results, minimum)
    Path(args.out).write_text(report)
    print(report)


if __name__ == "__main__":
    main()
