"""targeting_options: readable names for the raw values of the targeting breakdowns (LOCATION 811 -> "U.S.: Reno").

Rows are keyed like the targeting analytics and report rows (`TARGETING_TYPE`, `TARGETING_VALUE`), so a join
names every value. Only what a sync needs is read: one `GET /resources/targeting/{type}` for each targeting type
the targeting streams report that Pinterest can name (the interest list serves both interest breakdowns, audiences
are listed per ad account), plus `GET /resources/targeting/interests/{id}` for the interests the ad groups target
that the list leaves out (it holds top-level interests only).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import InitVar, dataclass
from typing import Any

from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.declarative.retrievers.retriever import Retriever
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

from source_pinterest.components.partitions import NoRequestOptions
from source_pinterest.facts import analytics_facts

# Targeting type of the analytics rows -> the resource that names its values. Not named: KEYWORD (the value is the
# keyword itself), PLACEMENT, COUNTRY, REGION, CREATIVE_TYPE... (already readable codes), AGE_BUCKET_AND_GENDER.
RESOURCES: Mapping[str, str] = {
    "APPTYPE": "APPTYPE",
    "GENDER": "GENDER",
    "AGE_BUCKET": "AGE_BUCKET",
    "LOCATION": "LOCATION",
    "GEO": "GEO",
    "TARGETED_INTEREST": "INTEREST",
    "PINNER_INTEREST": "INTEREST",
    "AUDIENCE_INCLUDE": "AUDIENCE_INCLUDE",
}
PER_AD_ACCOUNT = frozenset({"AUDIENCE_INCLUDE"})  # audiences belong to an ad account
INTEREST = "INTEREST"


def reported_types() -> list[str]:
    """Targeting types that some targeting stream reports and Pinterest can name."""
    reported = {t for types in analytics_facts()["targeting_types"].values() for t in types}
    return sorted(t for t in RESOURCES if t in reported and RESOURCES[t] in analytics_facts()["targeting_option_types"])


def _resources() -> dict[str, list[str]]:
    """resource -> the reported targeting types it names."""
    found: dict[str, list[str]] = {}
    for targeting_type in reported_types():
        found.setdefault(RESOURCES[targeting_type], []).append(targeting_type)
    return found


@dataclass
class TargetingOptionsRouter(NoRequestOptions, PartitionRouter):
    """One partition per resource (per ad account for audiences). The interest partition carries, in
    `extra_fields["interest_ids"]`, every interest the ad groups target (from `ad_groups_partition_router`, a
    SubstreamPartitionRouter over ad groups copying `targeting_spec`)."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    accounts_partition_router: PartitionRouter
    ad_groups_partition_router: PartitionRouter | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def stream_slices(self) -> Iterable[StreamSlice]:
        for resource, types in sorted(_resources().items()):
            extra: dict[str, Any] = {"types": types}
            if resource in PER_AD_ACCOUNT:
                for account_slice in self.accounts_partition_router.stream_slices():
                    account = str(account_slice.partition["ad_account_id"])
                    yield StreamSlice(
                        partition={"resource": resource, "ad_account_id": account}, cursor_slice={}, extra_fields=extra
                    )
                continue
            if resource == INTEREST:
                extra["interest_ids"] = self._targeted_interests()
            yield StreamSlice(partition={"resource": resource}, cursor_slice={}, extra_fields=extra)

    def _targeted_interests(self) -> list[str]:
        ids: set[str] = set()
        for child in self.ad_groups_partition_router.stream_slices() if self.ad_groups_partition_router else ():
            spec = child.extra_fields.get("targeting_spec") or {}
            ids.update(str(i) for i in spec.get(INTEREST) or ())
        return sorted(ids)

    def get_stream_state(self) -> StreamState | None:
        return None


@dataclass
class TargetingOptionsRetriever(Retriever):
    """Reads one partition: the resource's {value: name} maps, then each targeted interest the list did not name.

    `requester` is the API requester with `url` ending in `{{ stream_slice.extra_fields['path'] }}`. An interest
    Pinterest retired answers 404, which the error handler skips with a warning: that one row is left out.
    """

    requester: Requester
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    name: str = "targeting_options"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.name = parameters.get("name", self.name)

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: StreamSlice | None = None) -> Iterable[Any]:
        assert stream_slice is not None
        resource = stream_slice.partition["resource"]
        account = stream_slice.partition.get("ad_account_id")
        types: list[str] = stream_slice.extra_fields["types"]
        params = {"ad_account_id": account} if account else {}
        named: set[str] = set()
        for value, name in self._options(self.requester, stream_slice, resource, params):
            named.add(value)
            yield from _rows(types, value, name, account)
        for interest_id in stream_slice.extra_fields.get("interest_ids") or ():
            if interest_id not in named:
                for value, name in self._options(self.requester, stream_slice, f"interests/{interest_id}"):
                    yield from _rows(types, value, name, account)

    @staticmethod
    def _options(
        requester: Requester, stream_slice: StreamSlice, path: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[tuple[str, str]]:
        request_slice = StreamSlice(
            partition=stream_slice.partition, cursor_slice=stream_slice.cursor_slice, extra_fields={"path": path}
        )
        response = requester.send_request(stream_slice=request_slice, request_params=dict(params or {}))
        if response is None or not response.ok:  # skipped by the error handler (403, a retired interest)
            return
        body = response.json()
        if isinstance(body, Mapping):  # a single interest: {id, name, level, child_interests}
            if body.get("id") is not None:
                yield str(body["id"]), str(body.get("name") or "")
            return
        for options in body or ():  # TargetingOptionResponse: a list of {value: name} maps
            for value, name in (options or {}).items():
                yield str(value), str(name)


def _rows(types: list[str], value: str, name: str, account: str | None) -> Iterator[dict[str, Any]]:
    for targeting_type in types:
        yield {"TARGETING_TYPE": targeting_type, "TARGETING_VALUE": value, "NAME": name, "AD_ACCOUNT_ID": account}
