"""Partition routing the declarative routers cannot do: batching child ids per ad account."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import InitVar, dataclass
from typing import Any

from airbyte_cdk.sources.declarative.interpolation.interpolated_string import InterpolatedString
from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

from source_pinterest.components.uses_sync import UsesSync


def batched(ids: list[str], size: int) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


class NoRequestOptions:
    """For routers (and option providers) that put nothing in the request themselves: ids reach it via the URL or a
    template, or through one method a subclass overrides."""

    def get_request_params(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_body_data(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_body_json(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}


@dataclass
class AdAccountIdBatchRouter(UsesSync, NoRequestOptions, PartitionRouter):
    """One slice per ad account and batch of at most `batch_size` child ids (the API's per-request maximum).

    The CDK's GroupingPartitionRouter mixes ad accounts in one batch, which breaks `/ad_accounts/{id}/...` URLs,
    so ids are grouped here by the ad account found in each child's parent slice.
    With `accounts_partition_router` (one slice per ad account), every account also gets one slice without ids,
    for objects attached to the account itself (account-level keywords). An account whose child listing Pinterest
    refused (`Unreadable.listening`) gets no id batches, and the stream ends INCOMPLETE naming it.
    """

    underlying_partition_router: PartitionRouter
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    child_key: str = "id"
    batch_size: int | str = 250
    accounts_partition_router: PartitionRouter | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._batch_size = int(InterpolatedString.create(str(self.batch_size), parameters=parameters).eval(self.config))
        self.stream_name = str(parameters.get("name") or "")

    def stream_slices(self) -> Iterable[StreamSlice]:
        ids_by_account: dict[str, list[str]] = {}
        if self.accounts_partition_router:
            for account_slice in self.accounts_partition_router.stream_slices():
                account = str(account_slice.partition["ad_account_id"])
                ids_by_account[account] = []
                yield StreamSlice(partition={"ad_account_id": account, "ids": ""}, cursor_slice={})
        with self.sync.unreadable.listening() as refused:  # read to the end before the next slice is yielded
            for child in self.underlying_partition_router.stream_slices():
                account = str(child.partition["parent_slice"]["ad_account_id"])
                ids_by_account.setdefault(account, []).append(str(child.partition[self.child_key]))
        for account, reason in refused.items():
            self.sync.unreadable.note(self.stream_name, reason)
            ids_by_account.pop(account, None)
        for account, ids in ids_by_account.items():
            for batch in batched(sorted(set(ids)), self._batch_size):
                yield StreamSlice(partition={"ad_account_id": account, "ids": ",".join(batch)}, cursor_slice={})

    def get_stream_state(self) -> StreamState | None:
        return self.underlying_partition_router.get_stream_state()
