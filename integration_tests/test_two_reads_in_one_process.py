"""Two reads in one process (the suite, PyAirbyte, an orchestrator) decide apart (issue 22, deliverable 1).

Read A runs against an emulator whose accounts refuse the BETA targeting types and reporting_timezone; read B,
with another config, against one that serves both, for the same ad account ids. B starts first and waits at its
ad account listing (the emulator holds it) while A runs from start to end in the same process and makes its
refusals; then B goes on. B's rows equal the truth with the BETA type and in each account's zone: it saw none of
A's refusals. A's rows equal the truth without them, and each read's rows start at its own `start_date`.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from airbyte_cdk.entrypoint import AirbyteEntrypoint

from integration_tests.cli import Run
from integration_tests.clock import TODAY
from integration_tests.resume import configured_catalog
from integration_tests.test_analytics_end_to_end import TARGETING_STREAMS, _by_key, _key, assert_rows_equal
from integration_tests.test_timezone_end_to_end import truth_rows as zoned_truth_rows
from pinterest_emulator import SCENARIOS, Emulator
from source_pinterest.facts import DEFAULT_ANALYTICS_COLUMNS
from source_pinterest.run import _source

AGE = "AGE_BUCKET_AND_GENDER"
TYPES = [AGE, "GENDER"]
ACCOUNT_ZONE = "AD_ACCOUNT_TIME_ZONE"
UTC = "PINTEREST_TIME_ZONE"
STREAMS = ["campaign_analytics", "campaign_targeting_analytics"]


def _messages(tmp: Path, config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The messages of one in-process `read`, as the CLI would print them, one at a time."""
    tmp.mkdir()
    (tmp / "config.json").write_text(json.dumps(config))
    (tmp / "catalog.json").write_text(json.dumps(configured_catalog(config, STREAMS)))
    args = ["read", "--config", str(tmp / "config.json"), "--catalog", str(tmp / "catalog.json")]
    for line in AirbyteEntrypoint(_source(args)).run(AirbyteEntrypoint.parse_args(args)):
        yield json.loads(line)


def _targeting_truth(emu: Emulator, start: dt.date, types: list[str], zone: str) -> dict[tuple[Any, ...], dict]:
    stream = "campaign_targeting_analytics"
    rows = emu.truth.targeting_analytics(
        TARGETING_STREAMS[stream], types, start, TODAY, DEFAULT_ANALYTICS_COLUMNS, reporting_timezone=zone
    )
    return {
        _key(stream, row): row
        for row in (
            {"TARGETING_TYPE": i["targeting_type"], "TARGETING_VALUE": str(i["targeting_value"]), **i["metrics"]}
            for i in rows
        )
    }


def _assert_read(run: Run, emu: Emulator, start: dt.date, types: list[str], zone: str) -> None:
    assert not run.errors, run.errors
    assert run.statuses() == dict.fromkeys(STREAMS, "COMPLETE")
    assert_rows_equal("campaign_analytics", _by_key(run, "campaign_analytics"), zoned_truth_rows(
        emu, "campaign_analytics", start, TODAY, zone))  # fmt: skip
    targeting = _by_key(run, "campaign_targeting_analytics")
    assert_rows_equal("campaign_targeting_analytics", targeting, _targeting_truth(emu, start, types, zone))
    assert min(str(key[1])[:10] for key in targeting) == start.isoformat()  # this read's own start_date


def test_two_reads_in_one_process_see_none_of_each_others_decisions(tmp_path: Path) -> None:
    closed = SCENARIOS["small"].with_options(beta_targeting_types=False, reporting_timezone_beta=False)
    start_a, start_b = TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=35)
    with Emulator(closed, today=TODAY) as emu_a, Emulator(SCENARIOS["small"], today=TODAY) as emu_b:
        common = {"reporting_timezone": ACCOUNT_ZONE, "targeting_types": {"campaign": TYPES}}
        config_a = emu_a.connector_config(start_date=start_a.isoformat(), **common)
        config_b = emu_b.connector_config(start_date=start_b.isoformat(), **common)

        listed = threading.Event()  # A has finished: B's ad account listing may be answered
        handle = emu_b.api.handle

        def held(request: Any) -> Any:
            if request.path == "/v5/ad_accounts":
                listed.wait(timeout=600)
            return handle(request)

        emu_b.api.handle = held  # type: ignore[method-assign]
        messages_b: list[dict[str, Any]] = []
        read_b = threading.Thread(target=lambda: messages_b.extend(_messages(tmp_path / "b", config_b)))
        read_b.start()
        try:
            run_a = Run(list(_messages(tmp_path / "a", config_a)), 0, "")
            assert emu_b.request_counts().get("GET /ad_accounts/{ad_account_id}/campaigns/analytics", 0) == 0
        finally:
            listed.set()
            read_b.join(timeout=600)
        assert not read_b.is_alive()
        run_b = Run(messages_b, 0, "")

        _assert_read(run_b, emu_b, start_b, TYPES, ACCOUNT_ZONE)
        assert any(key[2] == AGE for key in _by_key(run_b, "campaign_targeting_analytics"))
        _assert_read(run_a, emu_a, start_a, ["GENDER"], UTC)
        # The zone moves the numbers, so the comparisons above tell the zones apart.
        assert zoned_truth_rows(emu_b, "campaign_analytics", start_b, TODAY, ACCOUNT_ZONE) != zoned_truth_rows(
            emu_b, "campaign_analytics", start_b, TODAY, UTC
        )
