"""Closed betas through the CLI against the emulator (issue 21): report jobs on an account without BETA targeting
types, and betas (BETA targeting types, reporting_timezone) open for one ad account and closed for another in the
same sync. Records equal the emulator's truth, one warning per refusing account, and no state past unread data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from integration_tests.clock import TODAY
from integration_tests.test_analytics_end_to_end import _by_key, _read, _warnings, assert_rows_equal, truth_rows
from integration_tests.test_timezone_end_to_end import truth_rows as zoned_truth_rows
from pinterest_emulator import SCENARIOS, Emulator
from source_pinterest.components.reports import report_columns
from source_pinterest.facts import MAX_REPORT_TARGETING_TYPES

TARGETING_REPORTS = {
    "advertiser_targeting_report": "ADVERTISER_TARGETING",
    "campaign_targeting_report": "CAMPAIGN_TARGETING",
    "ad_group_targeting_report": "AD_GROUP_TARGETING",
    "pin_promotion_targeting_report": "PIN_PROMOTION_TARGETING",
    "product_group_targeting_report": "PRODUCT_GROUP_TARGETING",
}
EMPTY_IN_THE_EMULATOR = {"product_group_targeting_report"}  # product groups have no rows there (README)
AGE = "AGE_BUCKET_AND_GENDER"
ACCOUNT_ZONE = "AD_ACCOUNT_TIME_ZONE"
UTC = "PINTEREST_TIME_ZONE"


def _ranked_accounts(emu: Emulator) -> list[str]:
    return sorted((a["id"] for a in emu.truth.entities("ad_accounts")), key=int)


def _report_key(level: str, row: dict[str, Any]) -> tuple[str, ...]:
    key = (str(row[report_columns.id_column(level)]), str(row.get("DATE")))
    return key + (
        (str(row["TARGETING_TYPE"]), str(row["TARGETING_VALUE"])) if report_columns.is_targeting(level) else ()
    )


def report_truth(
    emu: Emulator, account: str, body: dict[str, Any], start: dt.date, end: dt.date = TODAY
) -> dict[tuple[str, ...], dict[str, Any]]:
    """The records a report stream should hold for `account`: the emulator's rows, asked 5 types at a time."""
    types = list(body.get("targeting_types") or [None])
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for i in range(0, len(types), MAX_REPORT_TARGETING_TYPES):
        window = {**body, "start_date": start.isoformat(), "end_date": end.isoformat()}
        if types[0] is not None:
            window["targeting_types"] = types[i : i + MAX_REPORT_TARGETING_TYPES]
        for row in emu.truth.report_rows(account, window):
            record = {**row, "AD_ACCOUNT_ID": account}
            if "TARGETING_VALUE" in record:
                record["TARGETING_VALUE"] = str(record["TARGETING_VALUE"])
            rows[_report_key(body["level"], record)] = record
    return rows


def report_records(run: Any, stream: str, level: str, account: str) -> dict[tuple[str, ...], dict[str, Any]]:
    records = [r for r in run.records.get(stream, []) if str(r["AD_ACCOUNT_ID"]) == account]
    keyed = {_report_key(level, r): r for r in records}
    assert len(keyed) == len(records), f"{stream}: a row was emitted twice"
    return keyed


def _owners(emu: Emulator) -> dict[str, str]:
    """Campaign id -> its ad account."""
    return {str(c["id"]): str(c["ad_account_id"]) for c in emu.truth.entities("campaigns")}


def _assert_state_not_past_rows(run: Any, stream: str, account: str, owners: dict[str, str]) -> None:
    """The account's state in `stream` names no day after the newest row it emitted."""
    records = run.records.get(stream, [])
    days = [r["DATE"] for r in records if str(r.get("AD_ACCOUNT_ID") or owners[str(r["CAMPAIGN_ID"])]) == account]
    state = next(s for s in run.final_states() if s["stream"]["stream_descriptor"]["name"] == stream)
    entries = [
        e for e in state["stream"]["stream_state"]["states"] if str(e["partition"].get("ad_account_id")) == account
    ]
    assert days and entries, (stream, account)
    assert all(str(e["cursor"]["DATE"])[:10] <= max(days)[:10] for e in entries), (stream, account, entries)


def test_every_targeting_report_has_rows_on_an_account_without_betas(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=20)
    ordinary = SCENARIOS["small"].with_options(beta_targeting_types=False)  # every account refuses BETA types
    with Emulator(ordinary, today=TODAY) as emu:
        config = emu.connector_config(start_date=start.isoformat())
        run = _read(tmp_path, emu, config, streams=list(TARGETING_REPORTS))

        for stream, level in TARGETING_REPORTS.items():
            types = report_columns.default_report_targeting_types(level)
            assert AGE not in types and "CREATIVE_ENHANCEMENTS" not in types
            body = {"level": level, "granularity": "DAY", "columns": report_columns.default_columns()}
            body["targeting_types"] = types
            for account in _ranked_accounts(emu):
                expected = report_truth(emu, account, body, start)
                assert report_records(run, stream, level, account) == expected, (stream, account)
                assert expected or stream in EMPTY_IN_THE_EMULATOR, (stream, account)
        # The defaults leave the BETA types out, so nothing was refused and nothing needed a warning.
        assert not [w for w in _warnings(run) if "targeting type" in w]


def test_a_beta_type_refused_by_one_account_is_served_in_full_by_the_other(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=120)  # older than the sync endpoints reach: the backfill runs report jobs
    chosen = [AGE, "GENDER", "LOCATION"]
    custom = {"name": "ages", "level": "CAMPAIGN_TARGETING", "columns": ["SPEND_IN_DOLLAR", "TOTAL_IMPRESSION"],
              "targeting_types": [AGE, "GENDER", "APPTYPE"]}  # fmt: skip
    scenario = SCENARIOS["small"].with_options(beta_targeting_closed_accounts=(0,))
    with Emulator(scenario, today=TODAY) as emu:
        refusing, serving = _ranked_accounts(emu)
        config = emu.connector_config(
            start_date=start.isoformat(), targeting_types={"campaign": chosen}, custom_reports=[custom]
        )
        run = _read(tmp_path, emu, config, streams=["campaign_targeting_analytics", "custom_ages"])

        owners = _owners(emu)
        stream = "campaign_targeting_analytics"
        expected = {
            key: row
            for key, row in truth_rows(emu, stream, start, TODAY, types=chosen).items()
            if row["TARGETING_TYPE"] != AGE or owners[key[0]] == serving
        }
        assert any(row["TARGETING_TYPE"] == AGE for row in expected.values())
        assert_rows_equal(stream, _by_key(run, stream), expected)

        body = {"level": "CAMPAIGN_TARGETING", "granularity": "DAY", "columns": custom["columns"]}
        served = report_truth(emu, serving, {**body, "targeting_types": custom["targeting_types"]}, start)
        assert any(k[2] == AGE for k in served)
        assert report_records(run, "custom_ages", "CAMPAIGN_TARGETING", serving) == served
        rest = report_truth(emu, refusing, {**body, "targeting_types": ["GENDER", "APPTYPE"]}, start)
        assert rest and report_records(run, "custom_ages", "CAMPAIGN_TARGETING", refusing) == rest

        warned = [w for w in _warnings(run) if f"targeting type {AGE}" in w]
        assert len(warned) == 1 and f"ad account {refusing}" in warned[0] and "Fix:" in warned[0], warned
        for name in ("campaign_targeting_analytics", "custom_ages"):
            for account in (refusing, serving):
                _assert_state_not_past_rows(run, name, account, owners)


def test_a_time_zone_refused_by_one_account_leaves_the_other_in_its_zone(tmp_path: Path) -> None:
    start = TODAY - dt.timedelta(days=40)
    scenario = SCENARIOS["small"].with_options(reporting_timezone_closed_accounts=(0,))
    streams = ["ad_account_analytics", "campaign_analytics", "campaign_targeting_analytics", "advertiser_report"]
    with Emulator(scenario, today=TODAY) as emu:
        refusing, serving = _ranked_accounts(emu)
        config = emu.connector_config(start_date=start.isoformat(), reporting_timezone=ACCOUNT_ZONE)
        run = _read(tmp_path, emu, config, streams=streams)

        owners = {**_owners(emu), refusing: refusing, serving: serving}
        zone_of = {refusing: UTC, serving: ACCOUNT_ZONE}
        for stream in streams[:3]:
            got = _by_key(run, stream)
            for account, zone in zone_of.items():
                expected = {k: v for k, v in zoned_truth_rows(emu, stream, start, TODAY, zone).items()
                            if owners[k[0]] == account}  # fmt: skip
                mine = {k: v for k, v in got.items() if owners[k[0]] == account}
                assert expected, (stream, account)
                assert_rows_equal(f"{stream} of {account} in {zone}", mine, expected)
        body = {"level": "ADVERTISER", "granularity": "DAY", "columns": report_columns.default_columns()}
        for account, zone in zone_of.items():
            zoned = {**body, "reporting_timezone": zone} if zone != UTC else body
            expected = report_truth(emu, account, zoned, start)
            assert report_records(run, "advertiser_report", "ADVERTISER", account) == expected, account
        assert report_truth(emu, serving, {**body, "reporting_timezone": ACCOUNT_ZONE}, start) != report_truth(
            emu, serving, body, start
        )  # the zone moves the numbers, so the comparison above tells the zones apart

        warned = [w for w in _warnings(run) if "reporting_timezone" in w]
        assert len(warned) == 1 and f"ad account {refusing}" in warned[0], warned
