"""Could `metrics_ready_state` let the lookback re-read fewer days without losing a revision?

Moves the emulator's clock a day at a time and prints, per day, how far back Pinterest (the emulator's model of it)
revised ad account analytics rows, next to how many recent days `metrics_ready_state` still calls provisional for
conversion metrics. A readiness-driven re-read has to cover every provisional day.

    python -m benchmarks.readiness_vs_lookback [--days 7]
"""

from __future__ import annotations

import argparse
import datetime as dt

from pinterest_emulator import Emulator
from pinterest_emulator.resources import metrics_ready_state
from source_pinterest.facts import DEFAULT_ANALYTICS_COLUMNS

REACH = 120  # days looked at behind today


def _rows(emulator: Emulator) -> dict[tuple[str, str], dict]:
    today = emulator.world.today
    rows = emulator.truth.analytics("AD_ACCOUNT", today - dt.timedelta(days=REACH), today, DEFAULT_ANALYTICS_COLUMNS)
    return {(str(r.get("AD_ACCOUNT_ID")), r["DATE"]): r for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    days = parser.parse_args().days
    with Emulator("small") as emulator:
        before = _rows(emulator)
        for step in range(1, days + 1):
            emulator.advance(1)
            today, after = emulator.world.today, _rows(emulator)
            revised = [dt.date.fromisoformat(k[1]) for k, row in after.items() if k in before and before[k] != row]
            deepest = max((today - day).days for day in revised) if revised else 0
            provisional = sum(
                not metrics_ready_state(emulator.world, today - dt.timedelta(days=back))["conversion_metrics_ready"]
                for back in range(REACH)
            )
            print(
                f"day +{step}: {len(revised)} rows revised, the oldest {deepest} days back; "
                f"{provisional} recent days provisional for conversion metrics"
            )
            before = after


if __name__ == "__main__":
    main()
