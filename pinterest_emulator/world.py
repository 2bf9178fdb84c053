"""The emulated user's data: every entity, its hidden delivery history, and the lookups the handlers need.

Records are stored exactly as the API returns them; anything the API does not show (delivery intervals, metric
profiles, ownership of received audiences...) lives beside them. One lock guards the world: handlers read and
advance() mutates under it.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .scenarios import Scenario

Record = dict[str, Any]
Interval = list[int | None]  # [first live day ordinal, first day no longer live (None: still open)]

# First id and the largest step between consecutive ids, by kind: ids grow with creation time, as Pinterest's do.
ID_SPACES: dict[str, tuple[int, int]] = {
    "user": (2_783_136_121_146_311_000, 999),
    "ad_account": (549_755_800_000, 90_000),
    "campaign": (626_736_500_000, 9_000),
    "ad_group": (2_680_060_000_000, 9_000),
    "ad": (687_195_100_000, 9_000),
    "board": (1_020_011_000_000_000_000, 900_000_000),
    "section": (5_066_000_000_000_000_000, 900_000_000),
    "pin": (394_205_773_600_000_000, 90_000_000),
    "audience": (2_542_620_000_000, 9_000),
    "conversion_tag": (2_617_998_000_000, 9_000),
    "customer_list": (2_542_630_000_000, 9_000),
    "keyword": (383_791_336_903_000_000, 900_000),
    "catalog": (864_344_156_814_050_000, 900_000),
    "feed": (2_680_059_592_700_000, 90_000),
    "product_group": (4_437_271_939_000, 9_000),
    "external": (549_760_000_000, 900_000),
}


class IdMaker:
    """Increasing numeric string ids, one independent deterministic sequence per kind."""

    def __init__(self, seed: int) -> None:
        self._last = {kind: start for kind, (start, _) in ID_SPACES.items()}
        self._rngs = {kind: random.Random(f"{seed}|ids|{kind}") for kind in ID_SPACES}

    def next(self, kind: str) -> str:
        self._last[kind] += self._rngs[kind].randint(1, ID_SPACES[kind][1])
        return str(self._last[kind])


@dataclass
class AdNode:
    """A campaign, ad group or ad: its API record plus the days on which it was able to deliver."""

    record: Record
    live: list[Interval] = field(default_factory=list)
    profile: Any = None  # metrics.AdProfile for ads

    @property
    def id(self) -> str:
        return str(self.record["id"])


class World:
    def __init__(self, scenario: Scenario, seed: int, today: date) -> None:
        self.scenario = scenario
        self.seed = seed
        self.today = today
        self.history_start = today.toordinal() - scenario.history_days
        self.ids = IdMaker(seed)
        self.lock = threading.RLock()
        self.version = 0  # bumped on every mutation
        self.cache: dict[Any, Any] = {}  # derived data (e.g. organic day sums); emptied on every mutation

        self.user: Record = {}
        self.ad_accounts: dict[str, Record] = {}
        self.shared_accounts: set[str] = set()
        self.unshared_accounts: set[str] = set()  # shared later (Scenario.share_delay_days): invisible until then
        self.share_day: int | None = None  # the day (ordinal) they are shared
        self.quiet_accounts: set[str] = set()  # empty and dormant (Scenario): they stay so as the clock moves
        self.campaigns: dict[str, AdNode] = {}
        self.ad_groups: dict[str, AdNode] = {}
        self.ads: dict[str, AdNode] = {}
        self.children: dict[str, list[str]] = defaultdict(list)  # account->campaigns->ad groups->ads

        self.boards: dict[str, Record] = {}
        self.sections: dict[str, Record] = {}
        self.section_board: dict[str, str] = {}
        self.board_sections: dict[str, list[str]] = defaultdict(list)
        self.pins: dict[str, Record] = {}
        self.pin_profiles: dict[str, Any] = {}  # organic.PinProfile

        self.audiences: dict[str, list[Record]] = defaultdict(list)  # owned, by ad account
        self.received_audiences: dict[str, list[Record]] = defaultdict(list)
        self.conversion_tags: dict[str, list[Record]] = defaultdict(list)
        self.customer_lists: dict[str, list[Record]] = defaultdict(list)
        self.keywords: dict[str, Record] = {}
        self.keyword_account: dict[str, str] = {}
        self.keywords_of: dict[str, list[str]] = defaultdict(list)  # parent id -> keyword ids

        self.catalogs: dict[str, Record] = {}
        self.feeds: dict[str, Record] = {}
        self.feed_catalog: dict[str, str] = {}
        self.product_groups: dict[str, Record] = {}

    # ------------------------------------------------------------------ hierarchy
    def account_of(self, node: AdNode) -> str:
        return str(node.record["ad_account_id"])

    def utc_offset(self, account_id: str) -> int:
        """Hours east of UTC of an ad account's time zone (no daylight saving), by its rank in id order."""
        offsets = self.scenario.account_utc_offsets
        rank = sorted(self.ad_accounts, key=int).index(account_id) if account_id in self.ad_accounts else 0
        return offsets[rank % len(offsets)] if offsets else 0

    def campaigns_in(self, account_id: str) -> list[AdNode]:
        return [self.campaigns[i] for i in self.children[account_id]]

    def ad_groups_in(self, account_id: str) -> list[AdNode]:
        return [self.ad_groups[g] for c in self.children[account_id] for g in self.children[c]]

    def ads_in(self, account_id: str) -> list[AdNode]:
        return [self.ads[a] for c in self.children[account_id] for g in self.children[c] for a in self.children[g]]

    def ads_under(self, node_id: str) -> list[AdNode]:
        """Every ad of an account, campaign, ad group (or the ad itself), whatever its status."""
        if node_id in self.ads:
            return [self.ads[node_id]]
        if node_id in self.ad_groups:
            return [self.ads[a] for a in self.children[node_id]]
        if node_id in self.campaigns:
            return [self.ads[a] for g in self.children[node_id] for a in self.children[g]]
        return self.ads_in(node_id)

    def effective_live(self, ad: AdNode) -> list[tuple[int, int | None]]:
        """Days on which an ad delivered: its own live intervals cut by its ad group's and campaign's."""
        group = self.ad_groups[str(ad.record["ad_group_id"])]
        campaign = self.campaigns[str(ad.record["campaign_id"])]
        spans: list[tuple[int, int | None]] = [(int(s), e) for s, e in ad.live]  # type: ignore[arg-type]
        for other in (group.live, campaign.live):
            spans = _intersect(spans, [(int(s), e) for s, e in other])  # type: ignore[arg-type]
        return spans

    def touch(self) -> None:
        self.version += 1
        self.cache.clear()


def _intersect(a: list[tuple[int, int | None]], b: list[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    out: list[tuple[int, int | None]] = []
    for s1, e1 in a:
        for s2, e2 in b:
            start = max(s1, s2)
            ends = [e for e in (e1, e2) if e is not None]
            end = min(ends) if ends else None
            if end is None or start < end:
                out.append((start, end))
    return out
