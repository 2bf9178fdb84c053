"""List and object endpoints: ad accounts and their objects, boards, pins, catalogs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .context import Ctx
from .faults import DEFAULT_DEEP_PAGING_LIMIT
from .lifecycle import STATUSES
from .organic import pin_metrics_field
from .paging import scope_of
from .params import ApiError, bad_request, path_id
from .world import AdNode, Record

ORDERS = ("ASCENDING", "DESCENDING")
CREATIVE_TYPES = (
    "REGULAR", "VIDEO", "SHOPPING", "CAROUSEL", "MAX_VIDEO", "SHOP_THE_PIN", "COLLECTION", "IDEA", "SHOWCASE", "QUIZ",
    "COLLAGE", "MAX_WIDTH_REGULAR_COLLECTION", "MAX_WIDTH_VIDEO_COLLECTION",
)  # fmt: skip
NO_CATALOG = ApiError(409, 4182, "Can't access this feature without an existing catalog.")


def _page(ctx: Ctx, records: Iterable[Record], descending: bool = False) -> dict[str, Any]:
    ordered = sorted(records, key=lambda r: int(r["id"]), reverse=descending)
    limit = ctx.faults.armed(ctx.path, "deep_paging_limit")
    depth = int(limit.opts.get("limit", DEFAULT_DEEP_PAGING_LIMIT)) if limit else None
    noun = "pins" if ctx.path.endswith("/pins") else "items"
    return ctx.pager.page(ordered, ctx.params, scope_of(ctx.path, ctx.params), descending, depth, noun)


def _ordered(ctx: Ctx, records: Iterable[Record]) -> dict[str, Any]:
    order = ctx.params.text("order", "ASCENDING", choices=ORDERS)
    return _page(ctx, records, descending=order == "DESCENDING")


# ---------------------------------------------------------------------------------------------------- ad accounts
def list_ad_accounts(ctx: Ctx) -> Any:
    shared = ctx.params.boolean("include_shared_accounts", True)
    hidden = ctx.world.unshared_accounts | (set() if shared else ctx.world.shared_accounts)
    accounts = [a for i, a in ctx.world.ad_accounts.items() if i not in hidden]
    return _page(ctx, accounts)


def get_ad_account(ctx: Ctx) -> Any:
    return ctx.world.ad_accounts[ctx.account()]


def _statuses(ctx: Ctx) -> list[str]:
    return ctx.params.enums("entity_statuses", STATUSES, default=("ACTIVE", "PAUSED"))


def _only_one(ctx: Ctx, names: tuple[str, ...]) -> None:
    given = [n for n in names if ctx.params.items(n)]
    if len(given) > 1:
        raise bad_request(f"Invalid request: provide only one of {', '.join(given)}, not several")


def _filtered(nodes: Iterable[AdNode], statuses: list[str], field: str, ids: list[str]) -> list[Record]:
    wanted = set(ids)
    return [n.record for n in nodes if n.record["status"] in statuses and (not wanted or n.record[field] in wanted)]


def list_campaigns(ctx: Ctx) -> Any:
    account = ctx.account()
    ids = ctx.params.ids("campaign_ids", 250)
    return _ordered(ctx, _filtered(ctx.world.campaigns_in(account), _statuses(ctx), "id", ids))


def list_ad_groups(ctx: Ctx) -> Any:
    account = ctx.account()
    _only_one(ctx, ("campaign_ids", "ad_group_ids"))
    campaign_ids, group_ids = ctx.params.ids("campaign_ids", 250), ctx.params.ids("ad_group_ids", 250)
    ctx.params.boolean("translate_interests_to_names", False)
    field, ids = ("campaign_id", campaign_ids) if campaign_ids else ("id", group_ids)
    return _ordered(ctx, _filtered(ctx.world.ad_groups_in(account), _statuses(ctx), field, ids))


def list_ads(ctx: Ctx) -> Any:
    account = ctx.account()
    _only_one(ctx, ("campaign_ids", "ad_group_ids", "ad_ids"))
    field, ids = "id", []
    for name, record_field in (("campaign_ids", "campaign_id"), ("ad_group_ids", "ad_group_id"), ("ad_ids", "id")):
        values = ctx.params.ids(name, 250)
        if values:
            field, ids = record_field, values
    return _ordered(ctx, _filtered(ctx.world.ads_in(account), _statuses(ctx), field, ids))


def list_audiences(ctx: Ctx) -> Any:
    account = ctx.account()
    ownership = ctx.params.text("ownership_type", "OWNED", choices=("OWNED", "RECEIVED"))
    source = ctx.world.audiences if ownership == "OWNED" else ctx.world.received_audiences
    return _ordered(ctx, source.get(account, []))


def list_conversion_tags(ctx: Ctx) -> Any:
    account = ctx.account()
    hide_deleted = ctx.params.boolean("filter_deleted", False)
    tags = ctx.world.conversion_tags.get(account, [])
    # Not paginated: every tag at once. Archived tags are the deleted ones.
    return {"items": [t for t in tags if not (hide_deleted and t["status"] in ("ARCHIVED", "DELETED_DRAFT"))]}


def list_customer_lists(ctx: Ctx) -> Any:
    return _ordered(ctx, ctx.world.customer_lists.get(ctx.account(), []))


def list_keywords(ctx: Ctx) -> Any:
    account = ctx.account()
    p = ctx.params
    if p.items("ad_group_id") and p.items("ad_group_ids"):
        raise bad_request("Invalid request: provide only one of ad_group_id, ad_group_ids")
    parents = set(p.ids("ad_group_ids", 250))
    for name in ("campaign_id", "ad_group_id"):
        value = p.text(name)
        if value:
            parents.add(path_id(value, name))
    # Without a filter only keywords attached to the ad account itself come back (the documented trap).
    parents = parents or {account}
    match_types = p.enums("match_types", ("BROAD", "PHRASE", "EXACT", "EXACT_NEGATIVE", "PHRASE_NEGATIVE"), max_items=5)
    world = ctx.world
    found = [
        world.keywords[k]
        for parent in parents
        for k in world.keywords_of.get(parent, [])
        if world.keyword_account[k] == account and (not match_types or world.keywords[k]["match_type"] in match_types)
    ]
    return _page(ctx, found)


# ---------------------------------------------------------------------------------------------------- organic
def get_user_account(ctx: Ctx) -> Any:
    _business_access(ctx)
    return ctx.world.user


def _business_access(ctx: Ctx) -> None:
    account_id = ctx.params.text("ad_account_id")
    if account_id is not None and path_id(account_id, "ad_account_id") not in ctx.world.ad_accounts:
        raise ApiError(403, 29, "You are not permitted to access that resource.")


def visible_boards(ctx: Ctx, privacy: str = "ALL") -> list[Record]:
    allowed = {
        "ALL": {"PUBLIC", "PROTECTED", "SECRET"},
        "PUBLIC_AND_SECRET": {"PUBLIC", "SECRET"},
    }.get(privacy, {privacy})
    if not ctx.can_see_secret():
        allowed.discard("SECRET")
    return [b for b in ctx.world.boards.values() if b["privacy"] in allowed]


def list_boards(ctx: Ctx) -> Any:
    _business_access(ctx)
    privacy = ctx.params.text("privacy", "ALL", choices=("ALL", "PUBLIC", "PROTECTED", "SECRET", "PUBLIC_AND_SECRET"))
    return _page(ctx, visible_boards(ctx, privacy or "ALL"))


def list_board_sections(ctx: Ctx) -> Any:
    board = ctx.board()
    world = ctx.world
    return _page(ctx, [world.sections[s] for s in world.board_sections.get(board["id"], [])])


def _pins_page(ctx: Ctx, pins: list[Record], creative_filter: bool = True) -> Any:
    if creative_filter:
        creative_types = ctx.params.enums("creative_types", CREATIVE_TYPES)
        if creative_types:
            pins = [p for p in pins if p["creative_type"] in creative_types]
    page = _page(ctx, pins, descending=True)  # newest first
    if ctx.params.boolean("pin_metrics", False):
        page["items"] = [{**p, "pin_metrics": pin_metrics_field(ctx.world, p["id"])} for p in page["items"]]
    return page


def list_board_pins(ctx: Ctx) -> Any:
    board = ctx.board()
    return _pins_page(ctx, [p for p in ctx.world.pins.values() if p["board_id"] == board["id"]])


def list_section_pins(ctx: Ctx) -> Any:
    board = ctx.board()
    section_id = path_id(ctx.path_params["section_id"], "section_id")
    if ctx.world.section_board.get(section_id) != board["id"]:
        raise ApiError(404, 4, "Section not found.")
    return _pins_page(ctx, [p for p in ctx.world.pins.values() if p["board_section_id"] == section_id], False)


def list_pins(ctx: Ctx) -> Any:
    """The user's pins: those on protected boards only with include_protected_pins, secret ones need the scope."""
    _business_access(ctx)
    p = ctx.params
    pin_filter = p.text("pin_filter", choices=("exclude_native", "exclude_repins", "has_been_promoted"))
    protected = p.boolean("include_protected_pins", False)
    private_only = p.text("pin_type", choices=("PRIVATE",)) == "PRIVATE"
    privacy = {b["id"]: b["privacy"] for b in ctx.world.boards.values()}
    allowed = {"SECRET"} if private_only else {"PUBLIC", "SECRET"} | ({"PROTECTED"} if protected else set())
    if not (ctx.token and "pins:read_secret" in ctx.token.scopes):
        allowed.discard("SECRET")
    pins = [pin for pin in ctx.world.pins.values() if privacy[pin["board_id"]] in allowed]
    if pin_filter == "exclude_native":
        pins = [pin for pin in pins if pin["parent_pin_id"]]
    elif pin_filter == "exclude_repins":
        pins = [pin for pin in pins if not pin["parent_pin_id"]]
    elif pin_filter == "has_been_promoted":
        pins = [pin for pin in pins if pin["has_been_promoted"]]
    return _pins_page(ctx, pins)


# ---------------------------------------------------------------------------------------------------- catalogs
def list_catalogs(ctx: Ctx) -> Any:
    _business_access(ctx)
    return _page(ctx, ctx.world.catalogs.values())


def list_feeds(ctx: Ctx) -> Any:
    _business_access(ctx)
    catalog_id = ctx.params.text("catalog_id")
    feeds = [f for i, f in ctx.world.feeds.items() if not catalog_id or ctx.world.feed_catalog[i] == catalog_id]
    return _page(ctx, feeds)


def list_product_groups(ctx: Ctx) -> Any:
    _business_access(ctx)
    world, p = ctx.world, ctx.params
    if not world.catalogs:
        raise NO_CATALOG
    ids = p.ids("id", 1000)
    feed_id, catalog_id = p.text("feed_id"), p.text("catalog_id")
    for name, value in (("feed_id", feed_id), ("catalog_id", catalog_id)):
        if value is not None:
            path_id(value, name)
    if feed_id and feed_id not in world.feeds:
        raise ApiError(404, 4161, "Sorry! We could not find your catalogs feed.")
    groups = [
        g
        for g in world.product_groups.values()
        if (not ids or g["id"] in ids)
        and (not feed_id or g.get("feed_id") == feed_id)
        and (not catalog_id or g["catalog_id"] == catalog_id)
    ]
    return _page(ctx, groups)
