"""Ground truth: exactly what a correct client should end up with, computed by the code that serves the API.

Entity streams hold the records as the API returns them (every status; boards and pins as the scenario's token may
see them) plus the parent ids a connector adds: board_id on sections and board pins, board_id and section_id on
section pins, ad_account_id on keywords. Feed `credentials` are removed (a connector must not replicate them).
Analytics cover every entity of every ad account (all statuses) with no date limits.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from .analytics import LEVELS, Attribution, Query, entity_ids, run
from .organic import pin_analytics, user_account_analytics
from .report_files import report_rows
from .report_request import parse_report_request
from .spec_enums import USER_ACCOUNT_METRICS
from .targeting import run_targeting
from .world import Record, World

STREAMS = (
    "ad_accounts", "campaigns", "ad_groups", "ads", "user_account", "boards", "board_sections", "board_pins",
    "board_section_pins", "pins", "audiences", "conversion_tags", "customer_lists", "keywords", "catalogs",
    "catalogs_feeds", "catalogs_product_groups",
)  # fmt: skip


def _by_id(records: Iterable[Record]) -> list[Record]:
    return sorted(records, key=lambda r: int(r["id"]))


class Truth:
    def __init__(self, world: World, scopes: Sequence[str]) -> None:
        self._world = world
        self._scopes = frozenset(scopes)

    def entities(self, stream: str, entity_statuses: Iterable[str] | None = None) -> list[Record]:
        """Records of a stream; entity_statuses narrows campaigns, ad groups and ads (default: all five)."""
        if stream not in STREAMS:
            raise ValueError(f"unknown stream {stream!r}; known: {STREAMS}")
        with self._world.lock:
            return copy.deepcopy(self._entities(stream, set(entity_statuses) if entity_statuses else None))

    def _entities(self, stream: str, statuses: set[str] | None) -> list[Record]:
        w = self._world
        if stream == "ad_accounts":
            return _by_id(w.ad_accounts.values())
        if stream in ("campaigns", "ad_groups", "ads"):
            nodes = {"campaigns": w.campaigns, "ad_groups": w.ad_groups, "ads": w.ads}[stream]
            return _by_id(n.record for n in nodes.values() if statuses is None or n.record["status"] in statuses)
        if stream == "user_account":
            return [w.user]
        boards = self._visible_boards()
        if stream == "boards":
            return boards
        board_ids = {b["id"] for b in boards}
        if stream == "board_sections":
            return _by_id({**w.sections[s], "board_id": b} for b in board_ids for s in w.board_sections.get(b, []))
        if stream == "board_pins":
            return _by_id(p for p in w.pins.values() if p["board_id"] in board_ids)
        if stream == "board_section_pins":
            return _by_id(
                {**p, "section_id": p["board_section_id"]}
                for p in w.pins.values()
                if p["board_id"] in board_ids and p["board_section_id"]
            )
        if stream == "pins":
            privacy = {b["id"]: b["privacy"] for b in w.boards.values()}
            allowed = {"PUBLIC", "SECRET"} if "pins:read_secret" in self._scopes else {"PUBLIC"}
            return _by_id(p for p in w.pins.values() if privacy[p["board_id"]] in allowed)
        if stream == "audiences":
            return _by_id(a for acc in w.ad_accounts for a in w.audiences[acc] + w.received_audiences[acc])
        if stream in ("conversion_tags", "customer_lists"):
            source = w.conversion_tags if stream == "conversion_tags" else w.customer_lists
            return _by_id(r for acc in w.ad_accounts for r in source.get(acc, []))
        if stream == "keywords":
            return _by_id({**k, "ad_account_id": w.keyword_account[i]} for i, k in w.keywords.items())
        if stream == "catalogs":
            return _by_id(w.catalogs.values())
        if stream == "catalogs_feeds":
            return _by_id({k: v for k, v in f.items() if k != "credentials"} for f in w.feeds.values())
        return _by_id(w.product_groups.values())

    def _visible_boards(self) -> list[Record]:
        secret = "boards:read_secret" in self._scopes
        return _by_id(b for b in self._world.boards.values() if secret or b["privacy"] != "SECRET")

    # ------------------------------------------------------------------------------------------------ analytics
    def _query(
        self, level: str, start: date, end: date, columns: Sequence[str], granularity: str, zone: str, **attr: Any
    ) -> Query:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        ids = entity_ids(self._world, level)
        attribution = Attribution(**attr)
        account_zone = zone == "AD_ACCOUNT_TIME_ZONE"
        return Query(level, ids, start, end, list(columns), granularity, attribution, account_zone=account_zone)

    def analytics(
        self,
        level: str,
        start: date,
        end: date,
        columns: Sequence[str],
        granularity: str = "DAY",
        click_window_days: int = 30,
        engagement_window_days: int = 30,
        view_window_days: int = 1,
        conversion_report_time: str = "TIME_OF_AD_ACTION",
        reporting_timezone: str = "PINTEREST_TIME_ZONE",
    ) -> list[dict[str, Any]]:
        """Rows as the sync analytics endpoint of `level` returns them, for all entities of all accounts (each in
        its own time zone with reporting_timezone=AD_ACCOUNT_TIME_ZONE)."""
        with self._world.lock:
            q = self._query(
                level, start, end, columns, granularity, reporting_timezone, click_window_days=click_window_days,
                engagement_window_days=engagement_window_days, view_window_days=view_window_days,
                conversion_report_time=conversion_report_time,
            )  # fmt: skip
            return _copy(run(self._world, q))

    def targeting_analytics(
        self,
        level: str,
        targeting_types: Sequence[str],
        start: date,
        end: date,
        columns: Sequence[str],
        granularity: str = "DAY",
        click_window_days: int = 30,
        engagement_window_days: int = 30,
        view_window_days: int = 1,
        conversion_report_time: str = "TIME_OF_AD_ACTION",
        reporting_timezone: str = "PINTEREST_TIME_ZONE",
    ) -> list[dict[str, Any]]:
        """`data` items ({targeting_type, targeting_value, metrics}) for all entities of all accounts."""
        with self._world.lock:
            q = self._query(
                level, start, end, columns, granularity, reporting_timezone, click_window_days=click_window_days,
                engagement_window_days=engagement_window_days, view_window_days=view_window_days,
                conversion_report_time=conversion_report_time,
            )  # fmt: skip
            return _copy(run_targeting(self._world, q, targeting_types))

    def pin_analytics(
        self,
        pin_id: str,
        start: date,
        end: date,
        metric_types: Sequence[str],
        app_types: str = "ALL",
        split_field: str = "NO_SPLIT",
    ) -> dict[str, Any]:
        """The body of GET /pins/{pin_id}/analytics."""
        with self._world.lock:
            return _copy(pin_analytics(self._world, pin_id, start, end, metric_types, app_types, split_field))

    def user_account_analytics(
        self,
        start: date,
        end: date,
        metric_types: Sequence[str] = USER_ACCOUNT_METRICS,
        app_types: str = "ALL",
        split_field: str = "NO_SPLIT",
    ) -> dict[str, Any]:
        """The body of GET /user_account/analytics (default filters)."""
        with self._world.lock:
            return _copy(user_account_analytics(self._world, start, end, metric_types, app_types, split_field))

    def report_rows(self, ad_account_id: str, request: dict[str, Any]) -> list[dict[str, Any]]:
        """Flat rows an async report request (the POST body) yields, in JSON form (no zero-filling)."""
        with self._world.lock:
            spec = parse_report_request(json.dumps(request).encode(), self._world.today)
            return _copy(report_rows(self._world, ad_account_id, spec)[1])


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))
