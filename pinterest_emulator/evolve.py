"""Moving the clock: what happens to the world during one day.

Each new day (deterministic from the seed and the date): some campaigns, ad groups and ads change status (pause,
resume, archive, launch of drafts) or are edited (name, budget), which bumps updated_time; derived summary statuses
follow the schedule; new campaigns with ad groups, ads and keywords appear, and new ads in running ad groups; new
pins (moving their board's board_pins_modified_at), now and then a new board or section; audiences, customer lists,
conversion tags (last_fired_time_ms) and catalog feeds get updated. Analytics need no step of their own: the new day
has data, today's hours up to NOW_HOUR appear, estimates settle, and late conversions arrive for the last 60 days.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import timedelta

from . import factories as make
from .clock import day_start_ts, iso_zulu, now_ts
from .generate import add_keyword, add_pin, new_ad, new_ad_group, new_campaign, refresh_counts
from .lifecycle import resume, stop, summary_status
from .world import AdNode, World


def advance(world: World, days: int = 1) -> None:
    with world.lock:
        for _ in range(days):
            _one_day(world)
        world.touch()


def _one_day(world: World) -> None:
    world.today += timedelta(days=1)
    today = world.today.toordinal()
    if world.share_day is not None and today >= world.share_day:
        world.unshared_accounts.clear()  # shared through Business Access, with all their history
    rng = random.Random(f"{world.seed}|advance|{today}")
    now = now_ts(world.today)

    def moment() -> int:
        return rng.randint(now - 86_399, now)

    for kind, nodes in (("campaign", world.campaigns), ("ad_group", world.ad_groups), ("ad", world.ads)):
        for node_id in sorted(nodes, key=int):
            _change(rng, kind, nodes[node_id], today, moment)
        for node in nodes.values():
            derived = summary_status(kind, node.record, world)
            if derived != node.record["summary_status"]:
                node.record["summary_status"] = derived
                node.record["updated_time"] = moment()
    _grow_ads(world, rng, today)
    _grow_organic(world, rng, moment)
    _touch_account_objects(world, rng, moment)


_LISTING = re.compile(r"^/ad_accounts/(?P<account>\d+)/(?P<kind>campaigns|ad_groups|ads)/?$")


def edit_during_listing(world: World, api_path: str) -> None:
    """While a client pages through an account's campaigns, ad groups or ads: the first object (served on an
    earlier page) is renamed, and a second later the last one is edited too (faults.py, "edit_during_listing")."""
    found = _LISTING.match(api_path)
    if not found:
        return
    listing = {"campaigns": world.campaigns_in, "ad_groups": world.ad_groups_in, "ads": world.ads_in}[found["kind"]]
    with world.lock:
        nodes = sorted(listing(found["account"]), key=lambda n: int(n.id))
        if len(nodes) < 2:
            return
        now = now_ts(world.today)
        first, last = nodes[0].record, nodes[-1].record
        first["name"] = f"{first['name'].split(' (v')[0]} (edited while listed)"
        first["updated_time"], last["updated_time"] = now - 1, now
        world.touch()


def _change(rng: random.Random, kind: str, node: AdNode, today: int, moment: Callable[[], int]) -> None:
    record, x = node.record, rng.random()
    status = record["status"]
    stamp = moment()
    if status == "ACTIVE" and x < 0.02:
        record["status"] = "PAUSED"
        stop(node, today)
    elif status == "ACTIVE" and x < 0.025:
        record["status"] = "ARCHIVED"
        stop(node, today)
    elif status == "PAUSED" and x < 0.05:
        record["status"] = "ACTIVE"
        resume(node, today)
    elif status == "DRAFT" and x < 0.03:
        record["status"] = "ACTIVE"
        if kind != "ad":
            record["start_time"] = day_start_ts(today)
        resume(node, today)
    elif status in ("ACTIVE", "PAUSED") and x < 0.08:
        _edit(rng, kind, record)
    else:
        return
    record["updated_time"] = stamp


def _edit(rng: random.Random, kind: str, record: dict) -> None:
    if kind == "ad_group" and record["budget_in_micro_currency"] is not None and rng.random() < 0.5:
        record["budget_in_micro_currency"] = rng.randint(2, 100) * 1_000_000
    else:
        record["name"] = f"{record['name'].split(' (v')[0]} (v{rng.randint(2, 9)})"


def _grow_ads(world: World, rng: random.Random, today: int) -> None:
    s = world.scenario
    for i, account_id in enumerate(a for a in world.ad_accounts if a not in world.quiet_accounts):
        # A new campaign now and then, and at least every fourth day in the first account.
        if rng.random() < min(0.8, 0.15 + s.campaigns_per_account / 40) or (i == 0 and today % 4 == 0):
            campaign = new_campaign(world, rng, account_id, "ACTIVE", created_day=today)
            for _ in range(rng.randint(1, 2)):
                group = new_ad_group(world, rng, campaign, "ACTIVE", created_day=today)
                for _ in range(rng.randint(1, 3)):
                    new_ad(world, rng, group, "ACTIVE", created_day=today)
                for _ in range(rng.randint(*s.keywords_per_ad_group)):
                    add_keyword(world, rng, account_id, group.id, "ad_group")
    running = [g for g in world.ad_groups.values() if g.record["status"] == "ACTIVE"]
    for _ in range(max(1, len(world.ads) // 150) if running else 0):
        new_ad(world, rng, rng.choice(running), rng.choice(("ACTIVE", "ACTIVE", "DRAFT")), created_day=today)


def _grow_organic(world: World, rng: random.Random, moment: Callable[[], int]) -> None:
    s = world.scenario
    if rng.random() < 0.1 + s.boards / 1000:
        board = make.board(rng, world.ids.next("board"), world.user["username"], "PUBLIC", moment())
        world.boards[board["id"]] = board
    if world.boards and rng.random() < 0.1:
        board_id = rng.choice(sorted(world.boards))
        section_id = world.ids.next("section")
        world.sections[section_id] = {"id": section_id, "name": make.title(rng)}
        world.section_board[section_id] = board_id
        world.board_sections[board_id].append(section_id)
    board_ids = sorted(world.boards)
    for created in sorted(moment() for _ in range(max(1, s.pins // 50))):
        add_pin(world, rng, rng.choice(board_ids), created)
    refresh_counts(world)


def _touch_account_objects(world: World, rng: random.Random, moment: Callable[[], int]) -> None:
    for account_id in sorted(world.ad_accounts):
        for audience in world.audiences.get(account_id, []):
            if rng.random() < 0.1:
                audience["size"] = rng.randint(1_000, 5_000_000)
                audience["updated_timestamp"] = moment()
        for customer_list in world.customer_lists.get(account_id, []):
            if rng.random() < 0.1:
                customer_list["num_uploaded_user_records"] += float(rng.randint(10, 5_000))
                customer_list["num_batches"] += 1.0
                customer_list["updated_time"] = float(moment())
        for tag in world.conversion_tags.get(account_id, []):
            if tag["status"] == "ACTIVE" and tag["last_fired_time_ms"] is not None:
                tag["last_fired_time_ms"] = moment() * 1000 + rng.randint(0, 999)
    for feed in world.feeds.values():
        if rng.random() < 0.3:
            feed["updated_at"] = iso_zulu(moment())
