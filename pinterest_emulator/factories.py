"""Builders of API records with the fields, types and enums of the OpenAPI response schemas.

Each builder takes an rng and already-decided facts (ids, times, status) and fills in the rest plausibly.
Timestamps: Unix seconds (ints) for ads objects, ISO strings for boards, pins and catalogs, as the spec says.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from .clock import iso_micros, iso_seconds, iso_zulu

Record = dict[str, Any]

_ADJECTIVES = ("Cozy", "Bold", "Fresh", "Minimal", "Rustic", "Vintage", "Bright", "Modern", "Classic", "Wild")
_TOPICS = (
    "Kitchen", "Garden", "Holiday", "Wedding", "Travel", "Fitness", "Outfits", "Recipes", "Nursery", "Patio",
    "Skincare", "Bathroom", "Baking", "Crafts", "Camping", "Office",
)  # fmt: skip
_GOALS = ("Prospecting", "Retargeting", "Awareness", "Catalog", "Video Views", "Conversions", "Lookalike", "Launch")
_SEASONS = ("Spring", "Summer", "Fall", "Winter", "Black Friday", "Back to School", "Evergreen", "Q4")
_KEYWORDS = (
    "cozy living room", "small kitchen ideas", "fall outfits", "wedding centerpieces", "garden planters",
    "easy dinner recipes", "home office setup", "minimalist bedroom", "holiday gift ideas", "hiking gear",
    "vegan desserts", "kids crafts", "patio lighting", "skincare routine", "bathroom tiles", "camping hacks",
    "christmas decor ideas", "boho nursery", "sourdough bread", "capsule wardrobe",
)  # fmt: skip
_INTERESTS = ("Home decor", "Food and drinks", "Womens fashion", "DIY and crafts", "Travel", "Beauty", "Gardening")
_CREATIVE_WEIGHTS = {
    "REGULAR": 50, "VIDEO": 15, "SHOPPING": 8, "CAROUSEL": 8, "MAX_VIDEO": 4, "COLLECTION": 4, "IDEA": 4,
    "SHOWCASE": 3, "QUIZ": 2, "COLLAGE": 2,
}  # fmt: skip
COLORS = ("#e60023", "#f2c6b4", "#6d8b74", "#2b3a55", "#f5efe6", "#c9a227", "#1b1b1b", "#a3c4f3")


def title(rng: random.Random) -> str:
    return f"{rng.choice(_ADJECTIVES)} {rng.choice(_TOPICS)}"


def creative_type(rng: random.Random) -> str:
    return rng.choices(list(_CREATIVE_WEIGHTS), weights=list(_CREATIVE_WEIGHTS.values()))[0]


def token_hex(*parts: object, length: int = 40) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:length]


# ---------------------------------------------------------------------------------------------------- ads
def ad_account(rng: random.Random, account_id: str, owner: Record, shared: bool, created: int) -> Record:
    country, currency = rng.choice((("US", "USD"), ("US", "USD"), ("GB", "GBP"), ("DE", "EUR"), ("CA", "CAD")))
    return {
        "id": account_id,
        "name": f"{owner['username'].title()} {rng.choice(_TOPICS)} Ads",
        "owner": {"id": owner["id"], "username": owner["username"]},
        "country": country,
        "currency": currency,
        "permissions": ["ANALYST", "CAMPAIGN_MANAGER"] if shared else ["OWNER"],
        "created_time": created,
        "updated_time": created + rng.randint(86_400, 200 * 86_400),
    }


def campaign(
    rng: random.Random, campaign_id: str, account_id: str, status: str, times: dict[str, int | None]
) -> Record:
    objective = rng.choice(("AWARENESS", "CONSIDERATION", "WEB_CONVERSION", "CATALOG_SALES", "VIDEO_COMPLETION"))
    cbo = rng.random() < 0.3
    return {
        "id": campaign_id,
        "ad_account_id": account_id,
        "name": f"{rng.choice(_SEASONS)} {rng.choice(_TOPICS)} - {rng.choice(_GOALS)}",
        "status": status,
        "lifetime_spend_cap": rng.choice((None, rng.randint(5, 200) * 10_000_000)),
        "daily_spend_cap": rng.randint(2, 50) * 5_000_000 if cbo else None,
        "order_line_id": str(rng.randint(10**11, 10**12)) if rng.random() < 0.1 else None,
        "tracking_urls": None,
        "start_time": times["start_time"],
        "end_time": times["end_time"],
        "is_flexible_daily_budgets": rng.random() < 0.2,
        "is_campaign_budget_optimization": cbo,
        "is_automated_campaign": rng.random() < 0.1,
        "is_performance_plus": rng.random() < 0.1,
        "bid_options": None,
        "objective_type": objective,
        "summary_status": "RUNNING",
        "created_time": times["created_time"],
        "updated_time": times["updated_time"],
        "type": "campaign",
    }


def ad_group(rng: random.Random, group_id: str, parent: Record, status: str, times: dict[str, int | None]) -> Record:
    budget_type = "CBO_ADGROUP" if parent["is_campaign_budget_optimization"] else rng.choice(("DAILY", "LIFETIME"))
    geo = rng.sample(("US", "CA", "GB", "DE", "FR", "AU"), k=rng.randint(1, 3))
    return {
        "id": group_id,
        "ad_account_id": parent["ad_account_id"],
        "campaign_id": parent["id"],
        "name": f"{rng.choice(_INTERESTS)} {rng.randint(18, 45)}+ {'/'.join(geo)}",
        "status": status,
        "budget_in_micro_currency": None if budget_type == "CBO_ADGROUP" else rng.randint(2, 100) * 1_000_000,
        "bid_in_micro_currency": rng.choice((None, rng.randint(5, 300) * 10_000)),
        "bid_strategy_type": rng.choice(("AUTOMATIC_BID", "MAX_BID", "TARGET_AVG")),
        "budget_type": budget_type,
        "start_time": times["start_time"],
        "end_time": times["end_time"],
        "targeting_spec": {
            "AGE_BUCKET": rng.sample(("18-24", "25-34", "35-44", "45-49", "50-54", "55-64", "65+"), k=3),
            "APPTYPE": ["iphone", "ipad", "android_mobile", "android_tablet", "web", "web_mobile"],
            "GENDER": rng.choice((["female"], ["male"], ["female", "male", "unknown"])),
            "GEO": geo,
            "LOCALE": ["en-US"],
            "LOCATION": [str(rng.randint(500, 881)) for _ in range(rng.randint(0, 2))],
            "INTEREST": [str(rng.randint(900_000_000_000, 999_999_999_999)) for _ in range(rng.randint(0, 3))],
            "AUDIENCE_INCLUDE": [],
            "AUDIENCE_EXCLUDE": [],
            "TARGETING_STRATEGY": [rng.choice(("CHOOSE_YOUR_OWN", "FIND_NEW_CUSTOMERS", "RECONNECT_WITH_USERS"))],
        },
        "lifetime_frequency_cap": rng.choice((-1, 5, 10)),
        "tracking_urls": None,
        "auto_targeting_enabled": rng.random() < 0.6,
        "placement_group": rng.choice(("ALL", "ALL", "SEARCH", "BROWSE")),
        "pacing_delivery_type": rng.choice(("STANDARD", "ACCELERATED")),
        "conversion_learning_mode_type": rng.choice((None, "NOT_ACTIVE", "ACTIVE")),
        "summary_status": "RUNNING",
        "feed_profile_id": "0",
        "billable_event": rng.choice(("CLICKTHROUGH", "IMPRESSION", "VIDEO_V_50_MRC")),
        "type": "adgroup",
        "created_time": times["created_time"],
        "updated_time": times["updated_time"],
        "dca_assets": None,
        "bid_multiplier": round(rng.uniform(0.5, 2.0), 2) if rng.random() < 0.2 else None,
        "is_creative_optimization": rng.random() < 0.2,
        "optimization_goal_metadata": None,
        "promotion_id": None,
        "promotion_application_level": "NONE",
        "targeting_template_ids": None,
    }


def ad(rng: random.Random, ad_id: str, group: Record, pin_id: str, creative: str, status: str, times: dict) -> Record:
    rejected = status != "DRAFT" and rng.random() < 0.05
    review = "REJECTED" if rejected else ("PENDING" if status == "DRAFT" else "APPROVED")
    url = f"https://www.example-shop.com/{rng.choice(_TOPICS).lower()}?utm_source=pinterest"
    return {
        "id": ad_id,
        "ad_account_id": group["ad_account_id"],
        "campaign_id": group["campaign_id"],
        "ad_group_id": group["id"],
        "pin_id": pin_id,
        "name": f"{title(rng)} {creative.title()} Ad",
        "status": status,
        "creative_type": creative,
        "destination_url": url,
        "android_deep_link": None,
        "ios_deep_link": None,
        "carousel_android_deep_links": None,
        "carousel_destination_urls": [url] * 3 if creative == "CAROUSEL" else None,
        "carousel_ios_deep_links": None,
        "click_tracking_url": None,
        "view_tracking_url": None,
        "tracking_urls": None,
        "customizable_cta_type": rng.choice((None, "SHOP_NOW", "LEARN_MORE", "SIGN_UP")),
        "grid_click_type": rng.choice(("CLOSEUP", "DIRECT_TO_DESTINATION")),
        "is_pin_deleted": False,
        "is_removable": False,
        "lead_form_id": str(rng.randint(10**11, 10**12)) if rng.random() < 0.08 else None,
        "quiz_pin_data": None,
        "collection_items_destination_url_template": None,
        "disclosure_type": None,
        "disclosure_url": None,
        "review_status": review,
        "rejected_reasons": ["LANDING_PAGE"] if rejected else [],
        "rejection_labels": ["Landing page not working"] if rejected else [],
        "summary_status": "APPROVED",
        "type": "pinpromotion",
        "created_time": times["created_time"],
        "updated_time": times["updated_time"],
    }


def keyword(rng: random.Random, keyword_id: str, parent_id: str, parent_type: str) -> Record:
    negative_only = parent_type != "ad_group"  # accounts and campaigns only take exclusions
    match = rng.choice(("EXACT_NEGATIVE", "PHRASE_NEGATIVE") if negative_only else ("BROAD", "PHRASE", "EXACT"))
    return {
        "id": keyword_id,
        "value": rng.choice(_KEYWORDS),
        "match_type": match,
        "archived": rng.random() < 0.1,
        "parent_id": parent_id,
        "parent_type": parent_type,
        "type": "keyword",
        "bid": None,
    }


def audience(rng: random.Random, audience_id: str, account_id: str, created: int, updated: int, **extra: Any) -> Record:
    kind = rng.choice(("CUSTOMER_LIST", "VISITOR", "ENGAGEMENT", "ACTALIKE"))
    rule: Record = {
        "CUSTOMER_LIST": {"customer_list_id": extra.get("customer_list_id") or str(rng.randint(10**12, 10**13))},
        "VISITOR": {"visitor_source_id": str(rng.randint(10**12, 10**13)), "retention_days": 180, "event": "checkout"},
        "ENGAGEMENT": {"engager_type": 1, "engagement_domain": ["example-shop.com"], "retention_days": 90},
        "ACTALIKE": {"seed_id": [str(rng.randint(10**12, 10**13))], "country": "US", "percentage": 5},
    }[kind]
    return {
        "ad_account_id": account_id,
        "id": audience_id,
        "name": f"{rng.choice(_INTERESTS)} {kind.replace('_', ' ').title()}",
        "audience_type": kind,
        "description": rng.choice((None, "Built for retargeting")),
        "rule": rule,
        "size": rng.choice((None, rng.randint(1_000, 5_000_000))),
        "status": rng.choice(("READY", "READY", "READY", "TOO_SMALL", "INITIALIZING")),
        "type": "audience",
        "created_timestamp": created,
        "updated_timestamp": updated,
        "created_by_company_name": extra.get("company"),
    }


def conversion_tag(rng: random.Random, tag_id: str, account_id: str, status: str, fired_ms: int | None) -> Record:
    return {
        "ad_account_id": account_id,
        "code_snippet": f"<script type=\"text/javascript\">!function(e){{...}}('{tag_id}');</script>",
        "enhanced_match_status": rng.choice(("UNKNOWN", "NOT_VALIDATED", "VALIDATION_COMPLETE")),
        "id": tag_id,
        "last_fired_time_ms": fired_ms,
        "name": f"{rng.choice(_TOPICS)} {rng.choice(('Checkout', 'Signup', 'Lead', 'Page Visit'))} Tag",
        "status": status,
        "version": "3",
        "configs": {
            "aem_enabled": rng.random() < 0.5,
            "md_frequency": 1.0,
            "aem_fnln_enabled": False,
            "aem_ph_enabled": False,
            "aem_ge_enabled": False,
            "aem_db_enabled": False,
            "aem_loc_enabled": False,
            "aem_external_id_enabled": False,
            "no_code_capi_domains": [],
        },
    }


def customer_list(rng: random.Random, list_id: str, account_id: str, created: int, updated: int) -> Record:
    uploaded = rng.randint(100, 200_000)
    return {
        "ad_account_id": account_id,
        "created_time": float(created),
        "id": list_id,
        "name": f"{rng.choice(_TOPICS)} customers {rng.randint(2023, 2026)}",
        "num_batches": float(rng.randint(1, 8)),
        "num_removed_user_records": float(rng.randint(0, uploaded // 10)),
        "num_uploaded_user_records": float(uploaded),
        "status": rng.choice(("READY", "READY", "PROCESSING", "TOO_SMALL")),
        "type": "customerlist",
        "updated_time": float(updated),
        "exceptions": {},
    }


# ---------------------------------------------------------------------------------------------------- organic
def user_account(rng: random.Random, user_id: str, username: str) -> Record:
    return {
        "account_type": "BUSINESS",
        "id": user_id,
        "profile_image": f"https://i.pinimg.com/600x600_R/{token_hex(user_id, length=2)}/{token_hex(user_id)}.jpg",
        "website_url": "https://www.example-shop.com",
        "username": username,
        "about": "Ideas for a cozy, beautiful home.",
        "business_name": username.replace("_", " ").title(),
        "board_count": 0,
        "pin_count": 0,
        "follower_count": rng.randint(1_000, 90_000),
        "following_count": rng.randint(50, 900),
        "monthly_views": rng.randint(10_000, 5_000_000),
    }


def board(rng: random.Random, board_id: str, owner: str, privacy: str, created: int) -> Record:
    return {
        "id": board_id,
        "created_at": iso_seconds(created),
        "board_pins_modified_at": iso_micros(created),
        "name": f"{title(rng)} Ideas",
        "description": rng.choice((None, "", "Things we love.")),
        "collaborator_count": rng.choice((0, 0, 0, 1, 2)),
        "pin_count": 0,
        "follower_count": rng.randint(0, 5_000),
        "media": {"image_cover_url": None, "pin_thumbnail_urls": []},
        "owner": {"username": owner},
        "privacy": privacy,
        "is_ads_only": False,
    }


def image_url(pin_id: str, size: str) -> str:
    digest = token_hex(pin_id, length=32)
    return f"https://i.pinimg.com/{size}/{digest[:2]}/{digest[2:4]}/{digest[4:6]}/{digest}.jpg"


def pin(
    rng: random.Random, pin_id: str, board_record: Record, section_id: str | None, created: int, video: bool
) -> Record:
    images = {
        size: {"width": w, "height": h, "url": image_url(pin_id, size)}
        for size, w, h in (("150x150", 150, 150), ("400x300", 400, 300), ("600x", 600, 900), ("1200x", 1200, 1800))
    }
    media: Record = {"media_type": "image", "images": images}
    if video:
        media = {
            "media_type": "video",
            "images": images,
            "cover_image_url": images["600x"]["url"],
            "video_url": f"https://v1.pinimg.com/videos/mc/720p/{token_hex(pin_id, length=32)}.mp4",
            "duration": rng.randint(5, 60) * 1000,
            "height": 1920,
            "width": 1080,
        }
    return {
        "id": pin_id,
        "created_at": iso_seconds(created),
        "link": f"https://www.example-shop.com/p/{pin_id[-6:]}",
        "title": title(rng),
        "description": rng.choice(("", "Save this for later!", "Our favourite find this season.")),
        "dominant_color": rng.choice(COLORS),
        "alt_text": rng.choice((None, "A bright, styled room")),
        "creative_type": "VIDEO" if video else rng.choice(("REGULAR", "REGULAR", "REGULAR", "IDEA")),
        "board_id": board_record["id"],
        "board_section_id": section_id,
        "board_owner": {"username": board_record["owner"]["username"]},
        "is_owner": True,
        "media": media,
        "parent_pin_id": str(rng.randint(10**17, 10**18)) if rng.random() < 0.2 else None,
        "is_standard": True,
        "has_been_promoted": False,
        "pin_metrics": None,
    }


# ---------------------------------------------------------------------------------------------------- catalogs
def catalog(rng: random.Random, catalog_id: str, catalog_type: str, created: int, updated: int) -> Record:
    return {
        "id": catalog_id,
        "name": f"{rng.choice(_TOPICS)} {catalog_type.title()} Catalog",
        "catalog_type": catalog_type,
        "created_at": iso_zulu(created),
        "updated_at": iso_zulu(updated),
    }


def feed(rng: random.Random, feed_id: str, catalog_record: Record, created: int, updated: int) -> Record:
    hotel = catalog_record["catalog_type"] == "HOTEL"
    record: Record = {
        "id": feed_id,
        "name": f"{rng.choice(_TOPICS)} feed",
        "catalog_type": catalog_record["catalog_type"],
        "created_at": iso_zulu(created),
        "updated_at": iso_zulu(updated),
        "format": rng.choice(("TSV", "CSV", "XML")),
        "location": f"https://feeds.example-shop.com/{feed_id}/products.{rng.choice(('tsv', 'csv', 'xml'))}",
        # The merchant's feed host login: a connector must never replicate it.
        "credentials": rng.choice(
            (None, {"username": f"feedbot{feed_id[-4:]}", "password": "s3cr3t-" + token_hex(feed_id, length=12)})
        ),
        "default_currency": rng.choice(("USD", "EUR", "GBP")),
        "default_locale": "en-US",
        "preferred_processing_schedule": rng.choice((None, {"time": "02:00", "timezone": "America/New_York"})),
        "status": rng.choice(("ACTIVE", "ACTIVE", "INACTIVE")),
    }
    if hotel:
        record["catalog_id"] = catalog_record["id"]
    else:
        record["default_country"] = rng.choice(("US", "GB", "DE"))
        record["default_availability"] = rng.choice((None, "IN_STOCK"))
    return record


def product_group(
    rng: random.Random, group_id: str, catalog_record: Record, feed_id: str | None, created: int
) -> Record:
    hotel = catalog_record["catalog_type"] == "HOTEL"
    record: Record = {
        "id": group_id,
        "catalog_id": catalog_record["id"],
        "catalog_type": catalog_record["catalog_type"],
        "name": f"{rng.choice(_ADJECTIVES)} {rng.choice(('Bestsellers', 'Under $50', 'New In', 'Sale'))}",
        "description": rng.choice((None, "Auto-refreshed daily")),
        "created_at": created,
        "updated_at": created + rng.randint(0, 30 * 86_400),
    }
    if hotel:
        record["type"] = rng.choice(("MERCHANT_CREATED", "ALL_LISTINGS"))
        record["filters"] = {"any_of": [{"HOTEL_ID": {"values": [f"H{rng.randint(100, 999)}"], "negated": False}}]}
        return record
    record.update(
        {
            "feed_id": feed_id,
            "type": rng.choice(("MERCHANT_CREATED", "ALL_PRODUCTS", "BEST_DEALS", "TOP_SELLERS", "NEW_ARRIVALS")),
            "filters": {
                "all_of": [
                    {"MIN_PRICE": {"values": rng.choice((0, 10, 25)), "inclusion": True, "negated": False}},
                    {"BRAND": {"values": [rng.choice(("Acme", "Nordlys", "Casa"))], "negated": False}},
                ]
            },
            "country": rng.choice((None, "US")),
            "locale": rng.choice((None, "en-US")),
            "is_featured": rng.random() < 0.2,
            "status": rng.choice(("ACTIVE", "ACTIVE", "INACTIVE")),
        }
    )
    return record
