"""World sizes and behaviour switches. A Scenario is immutable; derive variants with `.with_options(...)`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from .spec_enums import OAUTH2_SCOPES, OPERATIONS


def _read_grant() -> tuple[str, ...]:
    """What a user consenting to read everything grants: each scope a served operation requires (the spec's
    `security`), plus the scheme's `<area>:read_secret` for those areas, without which secret boards and their pins
    stay hidden. Derived from the spec, not copied from the connector (its facts.OAUTH_SCOPES; a test keeps them equal).
    """
    required = {scope for _, scopes in OPERATIONS.values() for scope in scopes}
    secret = {f"{scope.split(':')[0]}:read_secret" for scope in required} & set(OAUTH2_SCOPES)
    return tuple(sorted(required | secret))


READ_SCOPES: tuple[str, ...] = _read_grant()

Range = tuple[int, int]  # inclusive (min, max) drawn uniformly per parent


@dataclass(frozen=True)
class Scenario:
    name: str
    owned_ad_accounts: int
    shared_ad_accounts: int  # owned by another user, shared with ours through Business Access
    campaigns_per_account: int
    ad_groups_per_campaign: Range
    ads_per_ad_group: Range
    boards: int
    sections_per_board: Range
    pins: int
    history_days: int  # analytics exist from today - history_days
    audiences_per_account: int
    received_audiences_per_account: int
    conversion_tags_per_account: int
    customer_lists_per_account: int
    keywords_per_ad_group: Range
    account_keywords: int
    catalogs: int  # 0: the user has no catalog, so /catalogs/product_groups answers 409
    feeds_per_catalog: int
    product_groups_per_feed: int
    daily_impressions: int = 3000  # mean paid impressions of a live ad on a weekday
    token_scopes: tuple[str, ...] = READ_SCOPES
    enforce_rate_limits: bool = False  # headers are always sent; 429s only when enforced
    # GET /reports answers IN_PROGRESS this many times before FINISHED. The test scenarios' jobs finish at once
    # (polling and its backoff have their own tests); the large ones poll like real jobs.
    report_polls: int = 0
    report_link_ttl_seconds: float = 300.0  # a report's download URL works this long (wall clock)
    report_ttl_seconds: float = 3600.0  # then the job answers EXPIRED
    access_token_ttl_seconds: int = 30 * 86_400
    # Betas an ordinary app meets closed: GET /pins/analytics answers 403, and targeting types the spec marks BETA
    # (AGE_BUCKET_AND_GENDER everywhere, CREATIVE_ENHANCEMENTS for ad groups) answer 400 naming the type.
    multi_pin_beta: bool = True
    beta_targeting_types: bool = True
    # reporting_timezone=AD_ACCOUNT_TIME_ZONE (a closed beta): when closed, sync analytics and report jobs answer 403.
    reporting_timezone_beta: bool = True
    # Betas are granted per ad account: the ad accounts (ranks in id order, like account_utc_offsets) for which a
    # beta is closed although its switch above is open. BETA targeting types (sync requests and report jobs),
    # reporting_timezone, and /pins/analytics asked with ad_account_id (an organic_ad_account_id) of such an account.
    beta_targeting_closed_accounts: tuple[int, ...] = ()
    reporting_timezone_closed_accounts: tuple[int, ...] = ()
    multi_pin_closed_accounts: tuple[int, ...] = ()
    # Hours east of UTC of the ad accounts, in id order (cycled). AdAccount does not show them (the spec has no
    # such field); with AD_ACCOUNT_TIME_ZONE rows are dated in them. +13 starts its day 11 h before UTC's.
    account_utc_offsets: tuple[int, ...] = (-5, 13, 9)
    refresh_token_ttl_seconds: int = 60 * 86_400
    # Accounts a sync must not lose track of. Empty: owned, without a single campaign. Dormant: owned, whose every
    # campaign (ad group, ad) was archived before the analytics history begins. Both have no rows in any window.
    empty_ad_accounts: int = 0
    dormant_ad_accounts: int = 0
    # The shared accounts are shared with the user only once `advance` has moved the clock this many days (0: from
    # the start): until then the listing leaves them out and their paths answer 404, though their history is there.
    share_delay_days: int = 0

    def with_options(self, **changes: object) -> Scenario:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def beta_open(self, beta: str, account_ids: Iterable[str], account_id: str | None) -> bool:
        """Whether `beta` ("targeting", "reporting_timezone", "multi_pin") serves `account_id` (None: the user),
        one of `account_ids` (the world's ad accounts, ranked in id order)."""
        switch, closed = {
            "targeting": (self.beta_targeting_types, self.beta_targeting_closed_accounts),
            "reporting_timezone": (self.reporting_timezone_beta, self.reporting_timezone_closed_accounts),
            "multi_pin": (self.multi_pin_beta, self.multi_pin_closed_accounts),
        }[beta]
        if not switch:
            return False
        ranked = sorted(account_ids, key=int)
        return account_id not in ranked or ranked.index(account_id) not in closed


TINY = Scenario(
    name="tiny",
    owned_ad_accounts=1,
    shared_ad_accounts=0,
    campaigns_per_account=2,
    ad_groups_per_campaign=(1, 2),
    ads_per_ad_group=(2, 3),
    boards=3,
    sections_per_board=(1, 2),
    pins=15,
    history_days=120,
    audiences_per_account=2,
    received_audiences_per_account=1,
    conversion_tags_per_account=2,
    customer_lists_per_account=1,
    keywords_per_ad_group=(1, 3),
    account_keywords=1,
    catalogs=1,
    feeds_per_catalog=1,
    product_groups_per_feed=2,
)

SMALL = Scenario(
    name="small",
    owned_ad_accounts=1,
    shared_ad_accounts=1,
    campaigns_per_account=5,
    ad_groups_per_campaign=(1, 3),
    ads_per_ad_group=(1, 4),
    boards=20,
    sections_per_board=(0, 3),
    pins=100,
    history_days=200,
    audiences_per_account=3,
    received_audiences_per_account=1,
    conversion_tags_per_account=3,
    customer_lists_per_account=2,
    keywords_per_ad_group=(0, 4),
    account_keywords=2,
    catalogs=2,
    feeds_per_catalog=2,
    product_groups_per_feed=3,
)

LARGE = Scenario(
    name="large",
    owned_ad_accounts=4,
    shared_ad_accounts=1,
    campaigns_per_account=60,
    ad_groups_per_campaign=(2, 5),
    ads_per_ad_group=(2, 5),
    boards=300,
    sections_per_board=(0, 4),
    pins=1500,
    history_days=400,
    audiences_per_account=10,
    received_audiences_per_account=2,
    conversion_tags_per_account=5,
    customer_lists_per_account=6,
    keywords_per_ad_group=(0, 6),
    account_keywords=5,
    catalogs=2,
    feeds_per_catalog=3,
    product_groups_per_feed=10,
    daily_impressions=2000,
    report_polls=2,
)

# Memory must not grow with the account: 10x the large scenario's campaigns (so ad groups and ads) and pins.
HUGE = LARGE.with_options(name="huge", campaigns_per_account=600, pins=15000, boards=600)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (TINY, SMALL, LARGE, HUGE)}
