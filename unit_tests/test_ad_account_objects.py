"""audiences, conversion_tags, customer_lists, keywords, catalogs (feeds stripped of credentials)."""

from __future__ import annotations

from airbyte_cdk.models import SyncMode

from unit_tests.conftest import API, oauth_config, page, query, read_streams, records_of


def _account(requests_mock, *ids: str) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": i} for i in ids]))


def test_audiences_owned_and_received(requests_mock) -> None:
    _account(requests_mock, "111")

    def audiences(request, context) -> dict:
        ownership = query(request)["ownership_type"][0]
        return page([{"id": f"{ownership.lower()}-1"}])

    requests_mock.get(API + "ad_accounts/111/audiences", json=audiences)
    output = read_streams(oauth_config(), ["audiences"], mode=SyncMode.full_refresh)

    assert sorted((r["id"], r["ownership_type"]) for r in records_of(output)) == [
        ("owned-1", "OWNED"),
        ("received-1", "RECEIVED"),
    ]


def test_conversion_tags_are_not_paginated_and_customer_lists_are(requests_mock) -> None:
    _account(requests_mock, "111")
    tags = requests_mock.get(
        API + "ad_accounts/111/conversion_tags", json={"items": [{"id": "t1", "last_fired_time_ms": 1.7e12}]}
    )
    requests_mock.get(
        API + "ad_accounts/111/customer_lists", [{"json": page([{"id": "l1"}], "c")}, {"json": page([{"id": "l2"}])}]
    )

    output = read_streams(oauth_config(), ["conversion_tags", "customer_lists"], mode=SyncMode.full_refresh)

    assert [r["id"] for r in records_of(output, "conversion_tags")] == ["t1"]
    assert "bookmark" not in query(tags.last_request) and "page_size" not in query(tags.last_request)
    assert [r["id"] for r in records_of(output, "customer_lists")] == ["l1", "l2"]


def test_keywords_read_account_level_and_every_ad_group_in_batches_of_250(requests_mock) -> None:
    _account(requests_mock, "111", "222")
    groups = [{"id": f"{n:04d}", "updated_time": 1} for n in range(251)]
    requests_mock.get(API + "ad_accounts/111/ad_groups", json=page(groups))
    requests_mock.get(API + "ad_accounts/222/ad_groups", json=page([]))

    def keywords(request, context) -> dict:
        ids = query(request).get("ad_group_ids", [])
        return page([{"id": f"kw-{ids[0] if ids else 'account'}-{len(ids)}", "value": "shoes"}])

    requests_mock.get(API + "ad_accounts/111/keywords", json=keywords)
    requests_mock.get(API + "ad_accounts/222/keywords", json=page([{"id": "kw-222", "value": "hats"}]))

    output = read_streams(oauth_config(), ["keywords"], mode=SyncMode.full_refresh)

    assert sorted((r["id"], r["ad_account_id"]) for r in records_of(output)) == [
        ("kw-0000-250", "111"),
        ("kw-0250-1", "111"),
        ("kw-222", "222"),
        ("kw-account-0", "111"),
    ]
    keyword_calls = [query(r) for r in requests_mock.request_history if r.path.endswith("/keywords")]
    assert len(keyword_calls) == 4  # 2 account-level + ceil(251 / 250) batches for 111
    assert sorted(len(c.get("ad_group_ids", [])) for c in keyword_calls) == [0, 0, 1, 250]


def test_catalog_feeds_never_carry_credentials(requests_mock) -> None:
    feed = {"id": "f1", "name": "Feed", "credentials": {"username": "merchant", "password": "hunter2-secret"}}
    requests_mock.get(API + "catalogs/feeds", json=page([feed]))
    output = read_streams(oauth_config(), ["catalogs_feeds"], mode=SyncMode.full_refresh)

    assert records_of(output) == [{"id": "f1", "name": "Feed"}]
    assert "hunter2-secret" not in str(output._messages)


def test_no_catalog_is_not_an_error(requests_mock) -> None:
    requests_mock.get(API + "catalogs", json=page([]))
    requests_mock.get(API + "catalogs/product_groups", status_code=409, json={"code": 4162, "message": "No catalog"})
    output = read_streams(oauth_config(), ["catalogs", "catalogs_product_groups"], mode=SyncMode.full_refresh)

    assert not output.errors and records_of(output) == []
