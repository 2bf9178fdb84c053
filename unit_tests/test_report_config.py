"""Report windows and bodies, custom report validation, and the report streams the manifest declares."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
import yaml
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.interpolation.interpolated_string import InterpolatedString
from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest import SourcePinterest
from source_pinterest.components.config_validation import validate
from source_pinterest.components.reports import build_report_body, report_columns, report_windows
from source_pinterest.facts import ANALYTICS_FACTS, REPORT_ID_COLUMNS
from source_pinterest.settings import apply_defaults
from unit_tests.conftest import token_config
from unit_tests.report_factory import MANIFEST

TODAY = dt.date(2026, 11, 22)
REPORT_STREAMS = {
    "advertiser_report": "ADVERTISER",
    "campaign_analytics_report": "CAMPAIGN",
    "ad_group_report": "AD_GROUP",
    "pin_promotion_report": "PIN_PROMOTION",
    "keyword_report": "KEYWORD",
    "product_group_report": "PRODUCT_GROUP",
    "product_item_report": "PRODUCT_ITEM",
    "advertiser_targeting_report": "ADVERTISER_TARGETING",
    "campaign_targeting_report": "CAMPAIGN_TARGETING",
    "ad_group_targeting_report": "AD_GROUP_TARGETING",
    "pin_promotion_targeting_report": "PIN_PROMOTION_TARGETING",
    "product_group_targeting_report": "PRODUCT_GROUP_TARGETING",
}


ALL_RUN_STATUSES = [
    "RUNNING",
    "PAUSED",
    "NOT_STARTED",
    "COMPLETED",
    "ADVERTISER_DISABLED",
    "ARCHIVED",
    "DRAFT",
    "DELETED_DRAFT",
]


def _contiguous(windows: list[tuple[dt.date, dt.date]]) -> bool:
    return all(b[0] == a[1] + dt.timedelta(days=1) for a, b in zip(windows, windows[1:], strict=False))


def test_two_years_become_186_day_windows_without_gap_or_overlap() -> None:
    windows = report_windows(TODAY - dt.timedelta(days=730), TODAY, "CAMPAIGN", today=TODAY)
    assert len(windows) == 4 and _contiguous(windows)
    assert windows[0][0] == TODAY - dt.timedelta(days=730) and windows[-1][1] == TODAY
    assert all((end - start).days + 1 <= 186 for start, end in windows)


@pytest.mark.parametrize("today", [TODAY, dt.date(2028, 2, 29), dt.date(2027, 1, 1)])
def test_windows_stop_a_day_short_of_the_api_edge(today: dt.date) -> None:
    # The spec's edges are 914 days back (PRODUCT_ITEM 92, HOUR 8); the edge day itself is refused now and then,
    # so reports ask from the day after it, as the sync endpoints do (89 of 90).
    old = dt.date(2020, 1, 1)
    product = report_windows(old, today, "PRODUCT_ITEM", today=today)
    assert product[0][0] == today - dt.timedelta(days=91) and len(product) == 3  # 92 days in 31-day windows
    assert all((end - start).days + 1 <= 31 for start, end in product)
    assert report_windows(old, today, "ADVERTISER", today=today)[0][0] == today - dt.timedelta(days=913)
    assert report_windows(old, today, "CAMPAIGN_TARGETING", today=today)[0][0] == today - dt.timedelta(days=913)
    hourly = report_windows(old, today, "ADVERTISER", "HOUR", today=today)
    assert hourly[0][0] == today - dt.timedelta(days=7) and len(hourly) == 3 and _contiguous(hourly)
    weekly = report_windows(old, today, "ADVERTISER", "WEEK", today=today)
    assert weekly[0][0] >= today - dt.timedelta(days=913) and weekly[0][0].weekday() == 0
    assert report_windows(today, today + dt.timedelta(days=5), today=today) == [(today, today)]


def test_a_body_has_defaults_for_everything_but_level_and_dates() -> None:
    body = build_report_body("AD_GROUP_TARGETING", "2026-01-01", dt.date(2026, 1, 31), campaign_statuses=["RUNNING"])
    assert body["columns"] == report_columns.default_columns() and "SPEND_IN_DOLLAR" in body["columns"]
    assert (body["click_window_days"], body["engagement_window_days"], body["view_window_days"]) == (30, 30, 1)
    assert body["conversion_report_time"] == "TIME_OF_AD_ACTION" and body["granularity"] == "DAY"
    assert body["targeting_types"] == report_columns.default_report_targeting_types("AD_GROUP_TARGETING")
    assert set(body["targeting_types"]) <= set(ANALYTICS_FACTS["async_targeting_types"])
    assert (body["start_date"], body["end_date"]) == ("2026-01-01", "2026-01-31")
    assert body["campaign_statuses"] == ["RUNNING"]
    with pytest.raises(ValueError, match="campaign_status"):
        build_report_body("CAMPAIGN", "2026-01-01", "2026-01-02", campaign_status=["RUNNING"])


def _validated(**overrides: Any) -> dict[str, Any]:
    config = token_config(**overrides)
    apply_defaults(config)
    validate(config, today=TODAY)
    return config


def test_a_2x_custom_report_is_accepted_as_is() -> None:
    report = {
        "name": "vendor_spend",
        "level": "CAMPAIGN",
        "granularity": "DAY",
        "columns": ["SPEND_IN_DOLLAR", "TOTAL_CLICKTHROUGH"],
        "click_window_days": 7,
        "engagement_window_days": 1,
        "view_window_days": 0,
        "conversion_report_time": "TIME_OF_CONVERSION",
        "attribution_types": ["INDIVIDUAL", "HOUSEHOLD"],
        "start_date": "2025-01-01",
    }
    config = _validated(custom_reports=[report, {"name": "minimal"}])
    assert config["custom_reports"][0] == report  # defaults are applied when read, not written into the config
    assert config["lookback_window_days"] == 30 and config["max_concurrent_reports"] == 4


@pytest.mark.parametrize(
    ("report", "field", "hint"),
    [
        ({"name": "x", "level": "ADVERTISERS"}, "custom_reports[0] ('x').level", "ADVERTISER_TARGETING"),
        ({"name": "x", "columns": ["SPEND_IN_DOLLARS"]}, "custom_reports[0] ('x').columns", "SPEND_IN_DOLLAR"),
        ({"name": "x", "granularity": "TOTAL"}, "custom_reports[0] ('x').granularity", "DAY"),
        ({"name": "x", "click_window_days": 3}, "custom_reports[0] ('x').click_window_days", "[0, 1, 7, 14, 30, 60]"),
        ({"name": "x", "campaign_statuses": ["LIVE"]}, "custom_reports[0] ('x').campaign_statuses", "RUNNING"),
        ({"name": "x", "targeting_types": ["GENDER"]}, "custom_reports[0] ('x').targeting_types", "_TARGETING"),
        (
            {"name": "x", "campaign_statuses": ALL_RUN_STATUSES},
            "custom_reports[0] ('x').campaign_statuses",
            "at most 6",
        ),
        ({"name": "x", "ad_group_statuses": ALL_RUN_STATUSES[:7]}, "custom_reports[0] ('x').ad_group_statuses", "6"),
        ({"name": "x", "start_date": "2026-13-01"}, "custom_reports[0] ('x').start_date", "YYYY-MM-DD"),
        ({"level": "CAMPAIGN"}, "custom_reports[0].name", "custom_<name>"),
    ],
)
def test_a_bad_custom_report_names_the_report_the_field_and_valid_values(report: dict, field: str, hint: str) -> None:
    with pytest.raises(AirbyteTracedException) as raised:
        _validated(custom_reports=[report])
    assert raised.value.failure_type == FailureType.config_error
    assert f"Config field '{field}'" in raised.value.message and hint in raised.value.message


def test_check_refuses_more_status_filters_than_pinterest_accepts() -> None:
    config = token_config(
        custom_reports=[
            {
                "name": "x",
                "ad_statuses": [
                    "APPROVED",
                    "PAUSED",
                    "PENDING",
                    "REJECTED",
                    "ADVERTISER_DISABLED",
                    "ARCHIVED",
                    "DRAFT",
                ],
            }
        ]
    )
    status = SourcePinterest(config=config).check(None, config)
    assert status.status.name == "FAILED" and "'custom_reports[0] ('x').ad_statuses'" in status.message
    six = token_config(
        custom_reports=[
            {"name": "x", "ad_statuses": ["APPROVED", "PAUSED", "PENDING", "REJECTED", "ARCHIVED", "DRAFT"]}
        ]
    )
    _validated(**{k: v for k, v in six.items() if k != "credentials"})  # six pass


def test_duplicate_custom_report_names_and_bad_numbers_are_config_errors() -> None:
    with pytest.raises(AirbyteTracedException, match="used by another custom report"):
        _validated(custom_reports=[{"name": "a"}, {"name": "a"}])
    with pytest.raises(AirbyteTracedException, match="'lookback_window_days'.*0 to 89"):
        _validated(lookback_window_days=90)
    with pytest.raises(AirbyteTracedException, match="'max_concurrent_reports'"):
        _validated(max_concurrent_reports=0)


def test_report_streams_have_their_key_schema_and_limits_from_the_facts() -> None:
    config = token_config(custom_reports=[{"name": "by_gender", "level": "PIN_PROMOTION_TARGETING"}])
    source = SourcePinterest(config=config)
    streams = {s.name: s for s in source.streams(source._config)}
    manifest = ManifestReferenceResolver().preprocess_manifest(yaml.safe_load(MANIFEST.read_text()))["definitions"]
    today = dt.datetime.now(dt.timezone.utc).date()
    for name, level in {**REPORT_STREAMS, "custom_by_gender": "PIN_PROMOTION_TARGETING"}.items():
        stream = streams[name].as_airbyte_stream()
        assert stream.source_defined_primary_key == [[k] for k in report_columns.primary_key(level)], name
        assert stream.default_cursor_field == ["DATE"]
        properties = stream.json_schema["properties"]
        assert set(report_columns.primary_key(level)) | set(report_columns.default_columns()) <= set(properties)
        assert properties["SPEND_IN_DOLLAR"]["type"] == ["null", "number"]
        if name in REPORT_STREAMS:  # the stream names its level; the cursor's limits follow from it
            stream_definition = manifest[f"{name}_stream"]
            cursor = ManifestComponentTransformer().propagate_types_and_parameters("", stream_definition, {})
            cursor = cursor["incremental_sync"]
            parameters = cursor["$parameters"]
            oldest = InterpolatedString.create(cursor["start_datetime"]["min_datetime"], parameters=parameters)
            resolved = source._config  # the limits come with the resolved config (manifest_facts)
            max_days_back = (today - dt.date.fromisoformat(oldest.eval(resolved))).days + 1
            window = InterpolatedString.create(cursor["step"], parameters=parameters).eval(resolved)
            back, span = report_columns.date_limits(level, "DAY")
            assert parameters["level"] == level
            assert (max_days_back, window) == (back, f"P{span}D")


def test_a_custom_reports_key_follows_its_level_as_the_facts_say() -> None:
    levels = [*REPORT_ID_COLUMNS, "CAMPAIGN_TARGETING", "PIN_PROMOTION_TARGETING"]
    config = _validated(custom_reports=[{"name": level.lower(), "level": level} for level in levels] + [{"name": "x"}])
    discovered = {
        s.name: s.source_defined_primary_key
        for s in SourcePinterest(config=config).discover(logging.getLogger("airbyte"), config).streams
    }
    for level in levels:
        assert discovered[f"custom_{level.lower()}"] == [[k] for k in report_columns.primary_key(level)], level
    assert discovered["custom_x"] == [["ADVERTISER_ID"], ["DATE"]]  # the default level


def test_standard_reports_use_the_source_attribution_settings_and_custom_reports_their_own() -> None:
    from source_pinterest.components.reports.streams import report_settings

    config = _validated(
        click_window_days=7, conversion_report_time="TIME_OF_CONVERSION", custom_reports=[{"name": "c"}]
    )
    standard = report_settings(config, level="CAMPAIGN")
    assert (standard["click_window_days"], standard["conversion_report_time"]) == (7, "TIME_OF_CONVERSION")
    own = report_settings(config, custom_report="c")
    assert (own["click_window_days"], own["conversion_report_time"]) == (30, "TIME_OF_AD_ACTION")
