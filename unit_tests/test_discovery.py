"""discover lists, from the stream definitions alone, exactly the catalog the CDK lists from the built streams."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from airbyte_cdk.models.airbyte_protocol_serializers import AirbyteStreamSerializer

from source_pinterest import SourcePinterest, discovery
from unit_tests.conftest import oauth_config, token_config

CONFIGS = {
    "default": oauth_config(),
    "custom reports": token_config(
        start_date="2026-01-01",
        custom_reports=[
            {"name": "minimal"},
            {
                "name": "vendor_spend",
                "level": "CAMPAIGN",
                "granularity": "DAY",
                "columns": ["SPEND_IN_DOLLAR", "TOTAL_CLICKTHROUGH"],
                "click_window_days": 7,
                "conversion_report_time": "TIME_OF_CONVERSION",
                "attribution_types": ["INDIVIDUAL", "HOUSEHOLD"],
                "start_date": "2025-01-01",
            },
            {"name": "by_gender", "level": "PIN_PROMOTION_TARGETING", "granularity": "HOUR"},
            {"name": "items", "level": "PRODUCT_ITEM", "columns": ["TOTAL_IMPRESSION"], "report_format": "CSV"},
        ],
    ),
    "non-default options": oauth_config(
        analytics_columns=["SPEND_IN_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CLICKTHROUGH"],
        granularity="HOUR",
        lookback_window_days=7,
        click_window_days=1,
        engagement_window_days=7,
        view_window_days=0,
        conversion_report_time="TIME_OF_CONVERSION",
        reporting_timezone="AD_ACCOUNT_TIME_ZONE",
        mark_provisional_days=True,
        pin_metric_types=["IMPRESSION", "SAVE", "VIDEO_START"],
        pin_app_types=["ALL", "WEB"],
        targeting_types={"ad_account": ["GENDER", "COUNTRY"], "ad": ["APPTYPE"]},
        top_pins_metric_types=["IMPRESSION", "SAVE"],
        custom_reports=[{"name": "weekly", "level": "AD_GROUP_TARGETING", "granularity": "WEEK"}],
    ),
    "monthly totals": token_config(granularity="MONTH", analytics_columns=["TOTAL_CONVERSIONS"]),
}


def _serialised(streams: list[Any]) -> list[dict[str, Any]]:
    return [AirbyteStreamSerializer.dump(stream) for stream in streams]


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_discover_lists_exactly_the_cdks_catalog(config: dict[str, Any]) -> None:
    fast = SourcePinterest(config=copy.deepcopy(config))
    listed = _serialised(fast.discover(logging.getLogger("airbyte"), fast._config).streams)
    cdk = SourcePinterest(config=copy.deepcopy(config))
    built = _serialised([stream.as_airbyte_stream() for stream in cdk.streams(cdk._config)])
    assert [s["name"] for s in listed] == [s["name"] for s in built]  # same streams, same order
    for mine, theirs in zip(listed, built, strict=True):
        assert mine == theirs, mine["name"]  # key, cursor field, sync modes and schema alike


def test_every_stream_is_read_from_its_definition() -> None:
    # The CDK's full build is the fallback for features the manifest does not use; none may need it today.
    source = SourcePinterest(config=CONFIGS["custom reports"])
    definitions = source._stream_configs(source._source_config) + source.dynamic_streams
    assert definitions and all(discovery.read_from_definition(d) for d in definitions)


def test_the_comparison_sees_a_changed_key_cursor_or_schema() -> None:
    # Guards the test above: serialised streams differ when any of the catalog's facts does.
    source = SourcePinterest(config=oauth_config())
    original = source.discover(logging.getLogger("airbyte"), source._config).streams
    stream = next(s for s in original if s.name == "campaign_analytics")
    changes = {
        "source_defined_primary_key": [["CAMPAIGN_ID"]],
        "default_cursor_field": ["END_DATE"],
        "supported_sync_modes": stream.supported_sync_modes[:1],
        "json_schema": {**stream.json_schema, "properties": {}},
    }
    for field, value in changes.items():
        changed = copy.deepcopy(stream)
        setattr(changed, field, value)
        assert _serialised([changed]) != _serialised([stream]), field
