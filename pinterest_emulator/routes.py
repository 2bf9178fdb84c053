"""The operations served: path templates, handlers, and (from the spec) rate-limit category and scopes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import handlers_analytics as ha
from . import handlers_entities as he
from . import handlers_reports as hr
from . import resources as hx
from .context import Ctx
from .spec_enums import OPERATIONS

A = "/ad_accounts/{ad_account_id}"
_HANDLERS: dict[tuple[str, str], Callable[[Ctx], Any]] = {
    ("GET", "/ad_accounts"): he.list_ad_accounts,
    ("GET", A): he.get_ad_account,
    ("GET", A + "/campaigns"): he.list_campaigns,
    ("GET", A + "/ad_groups"): he.list_ad_groups,
    ("GET", A + "/ads"): he.list_ads,
    ("GET", A + "/audiences"): he.list_audiences,
    ("GET", A + "/conversion_tags"): he.list_conversion_tags,
    ("GET", A + "/customer_lists"): he.list_customer_lists,
    ("GET", A + "/keywords"): he.list_keywords,
    ("GET", "/user_account"): he.get_user_account,
    ("GET", "/boards"): he.list_boards,
    ("GET", "/boards/{board_id}/sections"): he.list_board_sections,
    ("GET", "/boards/{board_id}/pins"): he.list_board_pins,
    ("GET", "/boards/{board_id}/sections/{section_id}/pins"): he.list_section_pins,
    ("GET", "/pins"): he.list_pins,
    ("GET", "/catalogs"): he.list_catalogs,
    ("GET", "/catalogs/feeds"): he.list_feeds,
    ("GET", "/catalogs/product_groups"): he.list_product_groups,
    ("GET", A + "/analytics"): ha.ads_analytics("AD_ACCOUNT"),
    ("GET", A + "/campaigns/analytics"): ha.ads_analytics("CAMPAIGN"),
    ("GET", A + "/ad_groups/analytics"): ha.ads_analytics("AD_GROUP"),
    ("GET", A + "/ads/analytics"): ha.ads_analytics("AD"),
    ("GET", A + "/targeting_analytics"): ha.targeting_analytics("AD_ACCOUNT"),
    ("GET", A + "/campaigns/targeting_analytics"): ha.targeting_analytics("CAMPAIGN"),
    ("GET", A + "/ad_groups/targeting_analytics"): ha.targeting_analytics("AD_GROUP"),
    ("GET", A + "/ads/targeting_analytics"): ha.targeting_analytics("AD"),
    ("GET", "/pins/{pin_id}/analytics"): ha.pin_analytics_handler,
    ("GET", "/pins/analytics"): ha.bulk_pin_analytics,
    ("GET", "/user_account/analytics"): ha.user_analytics,
    ("GET", "/user_account/analytics/top_pins"): hx.top_pins_handler,
    ("GET", "/user_account/analytics/top_video_pins"): hx.top_video_pins_handler,
    ("GET", "/resources/targeting/{targeting_type}"): hx.targeting_options_handler,
    ("GET", "/resources/targeting/interests/{interest_id}"): hx.interest_handler,
    ("GET", "/resources/metrics_ready_state"): hx.metrics_ready_state_handler,
    ("POST", A + "/reports"): hr.create_report,
    ("GET", A + "/reports"): hr.get_report,
}


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Callable[[Ctx], Any] | None  # None: served by the API layer itself (OAuth)
    category: str
    scopes: tuple[str, ...]


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$")


ROUTES: tuple[Route, ...] = tuple(
    Route(method, template, _compile(template), _HANDLERS.get((method, template)), category, scopes)
    for (method, template), (category, scopes) in OPERATIONS.items()
)


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path parameters, whether the path exists under another method)."""
    other_method = False
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            if route.method == method:
                return route, found.groupdict(), False
            other_method = True
    return None, {}, other_method
