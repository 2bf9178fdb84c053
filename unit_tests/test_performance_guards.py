"""Guards on work that does not grow with what a command needs: streams built, rows held (no wall time)."""

from __future__ import annotations

from typing import Any

import pytest
from airbyte_cdk.models import Status, SyncMode

from source_pinterest import SourcePinterest
from unit_tests.conftest import API, oauth_config, page, read_streams, records_of


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The names of the top-level streams of every build (each costs ~25 ms of CPU a stream)."""
    builds: list[list[str]] = []
    create = SourcePinterest._create_streams

    def recording(self: SourcePinterest, selected: list[dict[str, Any]], everything: list[dict[str, Any]]) -> Any:
        builds.append([c["name"] for c in selected])
        return create(self, selected, everything)

    monkeypatch.setattr(SourcePinterest, "_create_streams", recording)
    return builds


def test_check_builds_only_the_ad_accounts_stream(requests_mock, built) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}]))
    config = oauth_config()
    assert SourcePinterest(config=config).check(None, config).status == Status.SUCCEEDED
    assert built == [["ad_accounts"]]


def test_a_read_builds_only_its_catalog_streams_and_the_shared_parents(requests_mock, built) -> None:
    requests_mock.get(API + "ad_accounts", json=page([{"id": "111"}]))
    requests_mock.get(API + "ad_accounts/111/campaigns", json=page([{"id": "c1", "ad_account_id": "111"}]))
    output = read_streams(oauth_config(), ["ad_accounts", "campaigns"], mode=SyncMode.full_refresh)
    assert len(records_of(output, "campaigns")) == 1
    # ad_accounts is listed once before the read (two selected streams use it), then the catalog's two streams
    assert built == [["ad_accounts"], ["ad_accounts", "campaigns"]]
