"""ad_accounts, campaigns, ad_groups, ads: paging, statuses, partitions per ad account, incremental state."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.state_builder import StateBuilder

from unit_tests.conftest import API, final_state, oauth_config, page, query, read_streams, records_of

ALL_STATUSES = ["ACTIVE", "PAUSED", "ARCHIVED", "DRAFT", "DELETED_DRAFT"]


def _two_accounts(requests_mock) -> None:
    requests_mock.get(
        API + "ad_accounts",
        [{"json": page([{"id": "111", "name": "A"}], bookmark="acc-2")}, {"json": page([{"id": "222", "name": "B"}])}],
    )


def test_ad_accounts_pages_through_every_bookmark_at_max_page_size(requests_mock) -> None:
    _two_accounts(requests_mock)
    output = read_streams(oauth_config(), ["ad_accounts"], mode=SyncMode.full_refresh)

    assert [r["id"] for r in records_of(output)] == ["111", "222"]
    first, second = (query(r) for r in requests_mock.request_history)
    assert first == {"page_size": ["250"], "include_shared_accounts": ["true"]}
    assert second == {"page_size": ["250"], "include_shared_accounts": ["true"], "bookmark": ["acc-2"]}


def test_account_ids_limit_accounts_and_their_children(requests_mock) -> None:
    _two_accounts(requests_mock)
    requests_mock.get(API + "ad_accounts/222/campaigns", json=page([{"id": "c9", "updated_time": 10}]))
    output = read_streams(oauth_config(account_ids=["222"]), ["ad_accounts", "campaigns"])

    assert [r["id"] for r in records_of(output, "ad_accounts")] == ["222"]
    assert [r["id"] for r in records_of(output, "campaigns")] == ["c9"]
    assert not any("/111/" in r.url for r in requests_mock.request_history)


@pytest.mark.parametrize("stream", ["campaigns", "ad_groups", "ads"])
def test_entity_stream_reads_every_status_and_page_per_account(requests_mock, stream: str) -> None:
    _two_accounts(requests_mock)
    requests_mock.get(
        API + f"ad_accounts/111/{stream}",
        [
            {"json": page([{"id": "e1", "updated_time": 100}, {"id": "e2", "updated_time": 300}], bookmark="p2")},
            {"json": page([{"id": "e3", "updated_time": 200}])},
        ],
    )
    requests_mock.get(API + f"ad_accounts/222/{stream}", json=page([{"id": "e4", "updated_time": 50}]))

    output = read_streams(oauth_config(), [stream])

    assert sorted(r["id"] for r in records_of(output)) == ["e1", "e2", "e3", "e4"]
    entity_calls = [query(r) for r in requests_mock.request_history if r.path.endswith(stream)]
    assert all(call["entity_statuses"] == ALL_STATUSES and call["page_size"] == ["250"] for call in entity_calls)
    assert [call.get("bookmark") for call in entity_calls if "bookmark" in call] == [["p2"]]
    cursors = {
        s["partition"]["ad_account_id"]: s["cursor"]["updated_time"] for s in final_state(output, stream)["states"]
    }
    assert cursors == {"111": "300", "222": "50"}


def test_configured_statuses_are_sent(requests_mock) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}]))
    requests_mock.get(API + "ad_accounts/111/ads", json=page([]))
    read_streams(oauth_config(entity_statuses=["ARCHIVED"]), ["ads"])

    assert query(requests_mock.request_history[-1])["entity_statuses"] == ["ARCHIVED"]


def test_incremental_emits_only_entities_updated_since_state_minus_the_lookback_per_account(requests_mock) -> None:
    day = 86400
    now = 1_800_000_000
    _two_accounts(requests_mock)
    requests_mock.get(
        API + "ad_accounts/111/campaigns",
        json=page(
            [
                {"id": "old", "updated_time": now - 9 * day},
                {"id": "in-lookback", "updated_time": now - 7 * day},
                {"id": "edited", "updated_time": now},
            ]
        ),
    )
    requests_mock.get(API + "ad_accounts/222/campaigns", json=page([{"id": "b-old", "updated_time": now - 8 * day}]))
    state = (
        StateBuilder()
        .with_stream_state(
            "campaigns",
            {
                "states": [
                    {
                        "partition": {"ad_account_id": "111", "parent_slice": {}},
                        "cursor": {"updated_time": str(now - 5 * day)},
                    },
                    {
                        "partition": {"ad_account_id": "222", "parent_slice": {}},
                        "cursor": {"updated_time": str(now - 4 * day)},
                    },
                ]
            },
        )
        .build()
    )
    output = read_streams(oauth_config(), ["campaigns"], state=state)

    assert [r["id"] for r in records_of(output)] == ["in-lookback", "edited"]  # 3 days before the state
    cursors = {
        s["partition"]["ad_account_id"]: s["cursor"]["updated_time"] for s in final_state(output, "campaigns")["states"]
    }
    assert cursors == {"111": str(now), "222": str(now - 4 * day)}
