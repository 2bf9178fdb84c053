"""Whole syncs through the CLI against the emulator, compared record by record with its ground truth."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from integration_tests.cli import Run, catalog_for, run_cli
from integration_tests.resume import configured_catalog
from pinterest_emulator import Emulator

ENTITY_STREAMS = [
    "ad_accounts",
    "campaigns",
    "ad_groups",
    "ads",
    "user_account",
    "boards",
    "board_sections",
    "board_pins",
    "board_section_pins",
    "pins",
    "audiences",
    "conversion_tags",
    "customer_lists",
    "keywords",
    "catalogs",
    "catalogs_feeds",
    "catalogs_product_groups",
]


@pytest.fixture(scope="module")
def emulator():
    with Emulator(scenario="small") as emu:
        yield emu


def _discover(tmp: Path, config: dict) -> list[dict]:
    run = run_cli(tmp, "discover", config)
    return next(m["catalog"]["streams"] for m in run.messages if m["type"] == "CATALOG")


def _assert_equal_to_truth(run: Run, emulator: Emulator, stream: str) -> None:
    got = run.records.get(stream, [])
    ids = Counter(r["id"] for r in got)
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"{stream}: duplicated ids {duplicates[:5]}"
    truth = {r["id"]: r for r in emulator.truth.entities(stream)}
    assert set(ids) == set(truth), (
        f"{stream}: missing {sorted(set(truth) - set(ids))[:5]}, extra {sorted(set(ids) - set(truth))[:5]}"
    )
    boards = {b["id"]: b for b in emulator.truth.entities("boards")}
    for record in got:
        if stream == "board_pins":  # the connector adds its cursor: the board's pins-modified time
            modified = record.pop("board_pins_modified_at")
            assert modified == boards[record["board_id"]]["board_pins_modified_at"]
        if stream == "audiences":  # ...and which listing an audience came from
            assert record.pop("ownership_type") in ("OWNED", "RECEIVED")
        assert _present(record) == _present(truth[record["id"]]), f"{stream} {record['id']} differs from the API's"


def _present(record: dict) -> dict:
    """The Airbyte record serializer omits null fields; a destination reads an absent field as null."""
    return {k: v for k, v in record.items() if v is not None}


def test_spec_check_discover_and_a_full_read_equal_the_truth(emulator: Emulator, tmp_path: Path) -> None:
    config = emulator.connector_config()
    secrets = [config["credentials"]["client_secret"], config["credentials"]["refresh_token"], emulator.access_token]
    assert run_cli(tmp_path, "check", config).messages[-1]["connectionStatus"]["status"] == "SUCCEEDED"
    discovered = _discover(tmp_path, config)
    assert {s["name"] for s in discovered} >= set(ENTITY_STREAMS)

    emulator.reset_counts()
    run = run_cli(tmp_path, "read", config, catalog_for(discovered, ENTITY_STREAMS))

    assert run.returncode == 0 and not run.errors, run.errors
    for stream in ENTITY_STREAMS:
        _assert_equal_to_truth(run, emulator, stream)
    assert all("credentials" not in feed for feed in run.records["catalogs_feeds"])
    # No secret in any message or log line (the rotated token appears only in the CONNECTOR_CONFIG control message).
    visible = json.dumps([m for m in run.messages if m["type"] != "CONTROL"]) + run.stderr
    assert not [s for s in secrets if s in visible]
    # Parent lists are read once per sync however many streams hang off them (each fits one page of 250 here).
    counts = emulator.request_counts()
    assert counts["GET /ad_accounts"] == 1 and counts["GET /boards"] == 1, counts
    ad_group_pages = len({r["ad_account_id"] for r in emulator.truth.entities("ad_groups")})
    assert counts["GET /ad_accounts/{ad_account_id}/ad_groups"] == ad_group_pages, counts


def test_incremental_read_after_the_clock_moves_brings_changed_and_new_entities(tmp_path: Path) -> None:
    with Emulator(scenario="small") as emulator:
        config = emulator.connector_config()
        streams = ["campaigns", "ad_groups", "ads", "pins"]
        catalog = configured_catalog(config, streams)
        first = run_cli(tmp_path, "read", config, catalog)
        assert not first.errors
        before = {s: {r["id"]: r for r in emulator.truth.entities(s)} for s in streams}

        emulator.advance(days=3)
        second = run_cli(tmp_path, "read", config, catalog, state=first.final_states())

        assert not second.errors, second.errors
        for stream in ["campaigns", "ad_groups", "ads"]:
            now = {r["id"]: r for r in emulator.truth.entities(stream)}
            changed = {i for i, r in now.items() if before[stream].get(i) != r}
            got = {r["id"] for r in second.records.get(stream, [])}
            assert changed, f"the emulator changed no {stream}; the test would prove nothing"
            assert changed <= got, f"{stream}: changes not synced {sorted(changed - got)[:5]}"
            # only what changed, or sits on the state's boundary second (inclusive cursor), comes again
            assert len(got) < len(now), f"{stream}: the incremental read re-emitted everything"
        new_pins = set(r["id"] for r in emulator.truth.entities("pins")) - set(before["pins"])
        assert new_pins <= {r["id"] for r in second.records.get("pins", [])}


@pytest.mark.parametrize(("fault", "count"), [("429", 3), ("503", 2), ("drop", 1), ("expire_token", 1)])
def test_faults_mid_sync_lose_and_duplicate_nothing(emulator: Emulator, fault: str, count: int, tmp_path: Path) -> None:
    config = emulator.connector_config()
    streams = ["campaigns", "ads", "boards", "board_pins"]
    catalog = configured_catalog(config, streams)
    emulator.inject(fault, path=r"/(campaigns|ads|boards)$", count=count)
    try:
        run = run_cli(tmp_path, "read", config, catalog)
    finally:
        emulator.clear_faults()  # the emulator is shared by the module's tests

    assert run.returncode == 0 and not run.errors, run.errors
    for stream in streams:
        _assert_equal_to_truth(run, emulator, stream)
