"""The files async reports produce.

Levels map onto the analytics engine: ADVERTISER (rows keyed ADVERTISER_ID), CAMPAIGN (CAMPAIGN_ID), AD_GROUP
(AD_GROUP_ID), PIN_PROMOTION (ads, PIN_PROMOTION_ID), and their *_TARGETING forms (plus TARGETING_TYPE and
TARGETING_VALUE). KEYWORD, PRODUCT_GROUP and PRODUCT_ITEM reports are valid but always empty here.

JSON layout: an object whose keys are the entity ids (primary_sort BY_ID) or the DATE values (BY_DATE; "TOTAL"
for TOTAL granularity), each holding a list of flat rows; rows carry DATE (time granularities), the level's id
column and the requested columns that have a value (JSON does not zero-fill). CSV: a header of DATE, the id column,
TARGETING_TYPE/TARGETING_VALUE, then the requested columns, with absent metrics written as 0 and absent attributes
as empty strings. Both formats omit rows whose metrics are all zero.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from source_pinterest import facts

from .analytics import ID_COLUMN, Query, entity_ids, run
from .columns import column
from .report_request import ReportSpec
from .targeting import run_targeting
from .world import World

_ENGINE_LEVEL = {level.report_level: name for name, level in facts.LEVELS.items()}
LEVEL_MAP = {  # report level -> (engine level, None where the engine has none; id column in the file)
    report_level: (_ENGINE_LEVEL.get(report_level), id_column)
    for report_level, id_column in facts.REPORT_ID_COLUMNS.items()
}


def _selected(world: World, account_id: str, engine_level: str, spec: ReportSpec) -> list[str]:
    f = spec.filters
    chosen = []
    for entity_id in entity_ids(world, engine_level, [account_id]):
        if engine_level == "AD_ACCOUNT":
            chosen.append(entity_id)
            continue
        ad = world.ads.get(entity_id)
        group = world.ad_groups.get(str(ad.record["ad_group_id"]) if ad else entity_id)
        campaign = world.campaigns[str(group.record["campaign_id"]) if group else entity_id]
        checks = [
            ("campaign_ids", campaign.record["id"]),
            ("campaign_statuses", campaign.record["summary_status"]),
            ("campaign_objective_types", campaign.record["objective_type"]),
        ]
        if group:
            checks += [("ad_group_ids", group.record["id"]), ("ad_group_statuses", group.record["summary_status"])]
        if ad:
            checks += [("ad_ids", ad.record["id"]), ("ad_statuses", ad.record["summary_status"])]
        if all(name not in f or value in f[name] for name, value in checks):
            chosen.append(entity_id)
    return chosen


def report_rows(world: World, account_id: str, spec: ReportSpec) -> tuple[str, list[dict[str, Any]]]:
    """(id column, flat rows) of a report."""
    base_level = spec.level.removesuffix("_TARGETING")
    engine_level, id_column = LEVEL_MAP[base_level]
    if engine_level is None:
        return id_column, []
    q = Query(
        engine_level,
        _selected(world, account_id, engine_level, spec),
        spec.start,
        spec.end,
        list(spec.columns),
        spec.granularity,
        spec.attribution,
        account_zone=spec.account_zone,
    )
    engine_id = ID_COLUMN[engine_level]
    if spec.level.endswith("_TARGETING"):
        found = [
            {"TARGETING_TYPE": d["targeting_type"], "TARGETING_VALUE": d["targeting_value"], **d["metrics"]}
            for d in run_targeting(world, q, spec.targeting_types)
        ]
    else:
        found = run(world, q)
    rows = []
    for row in found:
        renamed = {id_column: row[engine_id]}
        renamed.update((k, v) for k, v in row.items() if k != engine_id or engine_id in spec.columns)
        rows.append(renamed)
    if spec.granularity == "HOUR" and (spec.start_hour is not None or spec.end_hour is not None):
        rows = [r for r in rows if _within_hours(r["DATE"], spec)]
    return id_column, rows


def _within_hours(label: str, spec: ReportSpec) -> bool:
    day, hour = label[:10], int(label[11:13])
    if spec.start_hour is not None and day == spec.start.isoformat() and hour < spec.start_hour:
        return False
    return not (spec.end_hour is not None and day == spec.end.isoformat() and hour >= spec.end_hour)


def render(world: World, account_id: str, spec: ReportSpec) -> bytes:
    id_column, rows = report_rows(world, account_id, spec)
    by_date = spec.primary_sort == "BY_DATE"
    rows.sort(
        key=lambda r: (r.get("DATE", ""), int(r[id_column])) if by_date else (int(r[id_column]), r.get("DATE", ""))
    )
    if spec.report_format == "CSV":
        return _csv(spec, id_column, rows)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        key = row.get("DATE", "TOTAL") if by_date else str(row[id_column])
        grouped.setdefault(key, []).append(row)
    return json.dumps(grouped, separators=(",", ":")).encode()


def _csv(spec: ReportSpec, id_column: str, rows: list[dict[str, Any]]) -> bytes:
    header = ([] if spec.granularity == "TOTAL" else ["DATE"]) + [id_column]
    if spec.level.endswith("_TARGETING"):
        header += ["TARGETING_TYPE", "TARGETING_VALUE"]
    header += [c for c in spec.columns if c not in header]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(name, row.get(name)) for name in header])
    return out.getvalue().encode()


def _cell(name: str, value: Any) -> Any:
    if value is not None:
        return value
    return "" if column(name).attribute or name in ("DATE", "TARGETING_TYPE", "TARGETING_VALUE") else 0
