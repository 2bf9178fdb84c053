"""Serve an emulator until killed; print its connection details as one JSON line first.

python -m pinterest_emulator --scenario small --port 0

Without --today the emulator's calendar is the wall clock's UTC date, as the connector's is: a hand-started emulator
and a plain `read` agree about which days exist. Tests pass --today (integration_tests/clock.TODAY) explicitly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from datetime import date, datetime, timezone

from .emulator import Emulator
from .scenarios import SCENARIOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pinterest_emulator", description=__doc__)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="small")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (UTC); default: the wall clock's UTC date"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--enforce-rate-limits", action="store_true")
    parser.add_argument(
        "--closed-betas", action="store_true", help="refuse /pins/analytics, BETA targeting types, reporting_timezone"
    )
    args = parser.parse_args(argv)
    today = args.today or datetime.now(timezone.utc).date()

    scenario = SCENARIOS[args.scenario].with_options(enforce_rate_limits=args.enforce_rate_limits)
    if args.closed_betas:
        scenario = scenario.with_options(
            multi_pin_beta=False, beta_targeting_types=False, reporting_timezone_beta=False
        )
    emulator = Emulator(scenario, today=today, seed=args.seed, latency_ms=args.latency_ms).start(args.port)
    details = {
        "base_url": emulator.base_url,
        "consent_url": emulator.consent_url,
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
        "refresh_token": emulator.refresh_token,
        "access_token": emulator.access_token,
        "today": emulator.today.isoformat(),
        "scenario": scenario.name,
    }
    print(json.dumps(details), flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
