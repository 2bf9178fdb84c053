"""Building the initial world of a scenario, deterministically from the seed and `today`."""

from __future__ import annotations

import random
from datetime import date

from . import factories as make
from .clock import DAY_SECONDS, day_start_ts, iso_micros, now_ts, ordinal_of_ts
from .lifecycle import DRAFTS, STATUSES, StatusPicker, plan_live, summary_status, ts_in_day
from .metrics import make_profile
from .organic import make_pin_profile
from .scenarios import Scenario
from .world import AdNode, Record, World

USERNAME = "cozyhome_studio"
PARTNER_USERNAME = "northwind_agency"


def build_world(scenario: Scenario, seed: int, today: date) -> World:
    world = World(scenario, seed, today)
    builder = _Builder(world, random.Random(f"{seed}|world|{scenario.name}"))
    builder.users()
    builder.organic()
    builder.ad_accounts()
    for account_id in list(world.ad_accounts):
        builder.ad_tree(account_id)
        builder.account_objects(account_id)
    builder.quiet_accounts()
    builder.catalogs()
    refresh_counts(world)
    return world


def refresh_counts(world: World) -> None:
    """Derived counters of boards and the user account."""
    by_board: dict[str, list[Record]] = {b: [] for b in world.boards}
    for pin in world.pins.values():
        by_board[pin["board_id"]].append(pin)
    for board_id, pins in by_board.items():
        board = world.boards[board_id]
        pins.sort(key=lambda p: int(p["id"]), reverse=True)
        board["pin_count"] = len(pins)
        board["media"] = {
            "image_cover_url": make.image_url(pins[-1]["id"], "600x") if pins else None,
            "pin_thumbnail_urls": [make.image_url(p["id"], "150x150") for p in pins[:5]],
        }
    world.user["board_count"] = len(world.boards)
    world.user["pin_count"] = len(world.pins)


class _Builder:
    def __init__(self, world: World, rng: random.Random) -> None:
        self.w = world
        self.rng = rng
        self.today = world.today.toordinal()
        self.start = world.history_start
        # The forced prefixes guarantee all five statuses (ACTIVE first, so even tiny worlds deliver).
        self.campaign_status = StatusPicker(
            ["ACTIVE", "PAUSED", "ACTIVE", "ARCHIVED", "DRAFT", "ACTIVE", "DELETED_DRAFT"]
        )
        self.group_status = StatusPicker(list(STATUSES))
        self.ad_status = StatusPicker(["ACTIVE", "ACTIVE", *STATUSES[1:]])

    def users(self) -> None:
        w = self.w
        w.user = make.user_account(self.rng, w.ids.next("user"), USERNAME)
        self.partner = {"id": w.ids.next("user"), "username": PARTNER_USERNAME}

    # ------------------------------------------------------------------------------------------- organic
    def organic(self) -> None:
        w, rng, s = self.w, self.rng, self.w.scenario
        privacies = ["PUBLIC", "SECRET", "PROTECTED"]
        for i in range(s.boards):
            privacy = privacies[i] if i < 3 else rng.choices(("PUBLIC", "SECRET", "PROTECTED"), (75, 15, 10))[0]
            created = day_start_ts(self.start - rng.randint(30, 700)) + rng.randint(0, DAY_SECONDS - 1)
            board = make.board(rng, w.ids.next("board"), w.user["username"], privacy, created)
            w.boards[board["id"]] = board
            for _ in range(rng.randint(*s.sections_per_board)):
                section_id = w.ids.next("section")
                w.sections[section_id] = {"id": section_id, "name": make.title(rng)}
                w.section_board[section_id] = board["id"]
                w.board_sections[board["id"]].append(section_id)
        board_ids = list(w.boards)
        created_times = sorted(self._pin_time(rng) for _ in range(s.pins))
        for created in created_times:  # ids grow with creation time
            add_pin(w, rng, rng.choice(board_ids), created)

    def _pin_time(self, rng: random.Random) -> int:
        # Half the pins are older than the analytics history, the rest spread over it.
        first = self.start - 365 if rng.random() < 0.5 else self.start
        return ts_in_day(rng, rng.randint(first, self.today - 1), self.w)

    # ------------------------------------------------------------------------------------------- ads
    def ad_accounts(self) -> None:
        w, rng, s = self.w, self.rng, self.w.scenario
        for i in range(s.owned_ad_accounts + s.shared_ad_accounts):
            shared = i >= s.owned_ad_accounts
            owner = self.partner if shared else w.user
            created = day_start_ts(self.start - rng.randint(20, 600))
            account = make.ad_account(rng, w.ids.next("ad_account"), owner, shared, created)
            account["updated_time"] = min(account["updated_time"], now_ts(w.today))
            w.ad_accounts[account["id"]] = account
            if shared:
                w.shared_accounts.add(account["id"])
                if s.share_delay_days:
                    w.unshared_accounts.add(account["id"])
        if s.share_delay_days:
            w.share_day = self.today + s.share_delay_days

    def quiet_accounts(self) -> None:
        """Owned accounts without rows: empty ones (no campaign) and dormant ones (archived before the history)."""
        w, rng, s = self.w, self.rng, self.w.scenario
        for i in range(s.empty_ad_accounts + s.dormant_ad_accounts):
            created = day_start_ts(self.start - rng.randint(400, 600))
            account = make.ad_account(rng, w.ids.next("ad_account"), w.user, False, created)
            account["updated_time"] = min(account["updated_time"], now_ts(w.today))
            w.ad_accounts[account["id"]] = account
            w.quiet_accounts.add(account["id"])
            if i < s.empty_ad_accounts:
                continue
            for _ in range(2):  # launched ~a year before the history, archived within 150 days (plan_live)
                campaign = new_campaign(w, rng, account["id"], "ARCHIVED", created_day=self.start - 320)
                group = new_ad_group(w, rng, campaign, "ARCHIVED")
                new_ad(w, rng, group, "ARCHIVED")

    def ad_tree(self, account_id: str) -> None:
        w, rng, s = self.w, self.rng, self.w.scenario
        for _ in range(s.campaigns_per_account):
            campaign = new_campaign(w, rng, account_id, self.campaign_status.pick(rng))
            draft = campaign.record["status"] in DRAFTS  # drafts are small: one ad group, one ad
            for _ in range(1 if draft else rng.randint(*s.ad_groups_per_campaign)):
                group = new_ad_group(w, rng, campaign, self.group_status.pick(rng, campaign.record["status"]))
                for _ in range(1 if draft else rng.randint(*s.ads_per_ad_group)):
                    new_ad(w, rng, group, self.ad_status.pick(rng, group.record["status"]))
                for _ in range(rng.randint(*s.keywords_per_ad_group)):
                    add_keyword(w, rng, account_id, group.id, "ad_group")
        for _ in range(s.account_keywords):
            add_keyword(w, rng, account_id, account_id, "advertiser")

    def account_objects(self, account_id: str) -> None:
        w, rng, s = self.w, self.rng, self.w.scenario
        for _ in range(s.customer_lists_per_account):
            created = ts_in_day(rng, rng.randint(self.start - 300, self.today - 1), w)
            updated = rng.randint(created, now_ts(w.today))
            w.customer_lists[account_id].append(
                make.customer_list(rng, w.ids.next("customer_list"), account_id, created, updated)
            )
        lists = w.customer_lists[account_id]
        for _ in range(s.audiences_per_account):
            created = ts_in_day(rng, rng.randint(self.start - 300, self.today - 1), w)
            list_id = rng.choice(lists)["id"] if lists else None
            record = make.audience(
                rng,
                w.ids.next("audience"),
                account_id,
                created,
                rng.randint(created, now_ts(w.today)),
                customer_list_id=list_id,
            )
            w.audiences[account_id].append(record)
        for _ in range(s.received_audiences_per_account):
            created = ts_in_day(rng, rng.randint(self.start - 300, self.today - 1), w)
            sharer = w.ids.next("external")  # an advertiser outside this user's reach
            record = make.audience(rng, w.ids.next("audience"), sharer, created, created, company="Northwind Partners")
            w.received_audiences[account_id].append(record)
        for i in range(s.conversion_tags_per_account):
            status = "ARCHIVED" if i == 1 else rng.choice(("ACTIVE", "ACTIVE", "ACTIVE", "PAUSED"))
            fired = None if i == 2 else (now_ts(w.today) - rng.randint(60, 3 * DAY_SECONDS)) * 1000
            w.conversion_tags[account_id].append(
                make.conversion_tag(rng, w.ids.next("conversion_tag"), account_id, status, fired)
            )

    # ------------------------------------------------------------------------------------------- catalogs
    def catalogs(self) -> None:
        w, rng, s = self.w, self.rng, self.w.scenario
        for i in range(s.catalogs):
            created = ts_in_day(rng, self.start - rng.randint(10, 300), w)
            catalog = make.catalog(rng, w.ids.next("catalog"), "HOTEL" if i % 2 else "RETAIL", created, created)
            w.catalogs[catalog["id"]] = catalog
            for _ in range(s.feeds_per_catalog):
                feed_created = rng.randint(created, now_ts(w.today))
                feed = make.feed(
                    rng, w.ids.next("feed"), catalog, feed_created, rng.randint(feed_created, now_ts(w.today))
                )
                w.feeds[feed["id"]] = feed
                w.feed_catalog[feed["id"]] = catalog["id"]
                for _ in range(s.product_groups_per_feed):
                    group_created = min(rng.randint(feed_created, now_ts(w.today)), now_ts(w.today) - 31 * DAY_SECONDS)
                    group = make.product_group(rng, w.ids.next("product_group"), catalog, feed["id"], group_created)
                    group["updated_at"] = min(group["updated_at"], now_ts(w.today))
                    w.product_groups[group["id"]] = group


# ----------------------------------------------------------------------------------------------- shared builders
# Also used by evolve.advance(), so new entities look like the generated ones.


def _times(rng: random.Random, world: World, created_day: int, changed_day: int) -> dict[str, int | None]:
    created = ts_in_day(rng, created_day, world)
    changed = max(created, ts_in_day(rng, changed_day, world))
    return {"created_time": created, "updated_time": rng.randint(changed, max(changed, now_ts(world.today)))}


def new_campaign(
    world: World, rng: random.Random, account_id: str, status: str, created_day: int | None = None
) -> AdNode:
    today, start = world.today.toordinal(), world.history_start
    if created_day is None:
        span = today - start
        ranges = {"ACTIVE": (0, int(span * 0.55)), "ARCHIVED": (0, int(span * 0.6)), "DRAFT": (span // 2, span - 1)}
        low, high = ranges.get(status, (0, span - 3))
        created_day = start + rng.randint(low, high) if status != "DELETED_DRAFT" else today - rng.randint(1, 30)
    first_day = min(created_day + rng.randint(0, 2), today)
    end = None
    if status == "ACTIVE" and rng.random() < 0.35:  # a scheduled end: mostly ahead, sometimes already past
        past = first_day < today - 10 and rng.random() < 0.3
        end = rng.randint(first_day + 7, today) if past else today + rng.randint(10, 120)
    live, changed = plan_live(rng, status, first_day, today, end)
    times = _times(rng, world, created_day, changed)
    times["start_time"] = (
        None if status in ("DRAFT", "DELETED_DRAFT") and rng.random() < 0.5 else day_start_ts(first_day)
    )
    times["end_time"] = day_start_ts(end) if end is not None else None
    if status == "ARCHIVED" and live:
        times["end_time"] = day_start_ts(int(live[0][1]))  # type: ignore[arg-type]
    node = AdNode(make.campaign(rng, world.ids.next("campaign"), account_id, status, times), live)
    node.record["summary_status"] = summary_status("campaign", node.record, world)
    world.campaigns[node.id] = node
    world.children[account_id].append(node.id)
    return node


def new_ad_group(
    world: World, rng: random.Random, campaign: AdNode, status: str, created_day: int | None = None
) -> AdNode:
    today = world.today.toordinal()
    camp_created = ordinal_of_ts(campaign.record["created_time"])
    if created_day is None:
        created_day = min(camp_created + rng.randint(0, 10), today)
    live, changed = plan_live(rng, status, created_day, today)
    times = _times(rng, world, created_day, changed)
    times["start_time"] = max(day_start_ts(created_day), campaign.record["start_time"] or 0) or None
    times["end_time"] = campaign.record["end_time"]
    node = AdNode(make.ad_group(rng, world.ids.next("ad_group"), campaign.record, status, times), live)
    node.record["summary_status"] = summary_status("ad_group", node.record, world)
    world.ad_groups[node.id] = node
    world.children[campaign.id].append(node.id)
    return node


def new_ad(world: World, rng: random.Random, group: AdNode, status: str, created_day: int | None = None) -> AdNode:
    today = world.today.toordinal()
    group_created = ordinal_of_ts(group.record["created_time"])
    if created_day is None:
        created_day = min(group_created + rng.randint(0, 25), today)
    live, changed = plan_live(rng, status, created_day, today)
    account_id = str(group.record["ad_account_id"])
    pin_id, creative = _promoted_pin(world, rng, account_id)
    record = make.ad(
        rng, world.ids.next("ad"), group.record, pin_id, creative, status, _times(rng, world, created_day, changed)
    )
    node = AdNode(record, live)
    node.record["summary_status"] = summary_status("ad", node.record, world)
    node.profile = make_profile(
        world.seed, node.id, creative, record["lead_form_id"] is not None, world.scenario.daily_impressions
    )
    world.ads[node.id] = node
    world.children[group.id].append(node.id)
    return node


def _promoted_pin(world: World, rng: random.Random, account_id: str) -> tuple[str, str]:
    """Ads of the user's own accounts promote the user's pins; a partner's ads promote pins we cannot see."""
    if account_id not in world.shared_accounts and world.pins and rng.random() < 0.8:
        pin = world.pins[rng.choice(list(world.pins))]
        pin["has_been_promoted"] = True
        return pin["id"], "VIDEO" if pin["creative_type"] == "VIDEO" else make.creative_type(rng)
    return str(rng.randint(10**17, 10**18)), make.creative_type(rng)


def add_keyword(world: World, rng: random.Random, account_id: str, parent_id: str, parent_type: str) -> Record:
    record = make.keyword(rng, world.ids.next("keyword"), parent_id, parent_type)
    world.keywords[record["id"]] = record
    world.keyword_account[record["id"]] = account_id
    world.keywords_of[parent_id].append(record["id"])
    return record


def add_pin(world: World, rng: random.Random, board_id: str, created: int) -> Record:
    board = world.boards[board_id]
    sections = world.board_sections.get(board_id, [])
    section = rng.choice(sections) if sections and rng.random() < 0.5 else None
    video = rng.random() < 0.15
    pin = make.pin(rng, world.ids.next("pin"), board, section, created, video)
    world.pins[pin["id"]] = pin
    world.pin_profiles[pin["id"]] = make_pin_profile(world.seed, pin["id"], video, created)
    modified = created + rng.randint(0, 999_999) / 1_000_000
    if board["board_pins_modified_at"] < iso_micros(modified):
        board["board_pins_modified_at"] = iso_micros(modified)
    return pin
