"""Which campaigns, ad groups and ads can have analytics rows in a date window, and the router that carries them.

`Entity` (from a parent listing's timestamps and status) and `Lineage` (an entity with its campaign and ad group)
answer `may_have_data(start, end, late_days)`; `EntitiesRouter` makes the analytics partitions and hands each the
entities to ask about. The ads and targeting analytics, their report backfill and the report streams (which skip
windows where no campaign can have delivered) all decide with this one model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import InitVar, dataclass
from typing import Any, NamedTuple

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import timezone
from source_pinterest.components.partitions import NoRequestOptions, batched
from source_pinterest.components.unreadable import Unreadable
from source_pinterest.components.uses_sync import UsesSync

NEVER_DELIVERS = frozenset({"DRAFT", "DELETED_DRAFT"})
STOPPED = frozenset({"PAUSED", "ARCHIVED"})


def as_day(value: Any) -> dt.date | None:
    """A date from Unix seconds (entity timestamps) or an ISO string (cursor slices)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) or str(value).isdigit():
        return dt.datetime.fromtimestamp(int(value), dt.timezone.utc).date()
    return dt.date.fromisoformat(str(value)[:10])


class Entity(NamedTuple):
    """What decides whether a campaign / ad group / ad can have analytics rows on a given day."""

    id: str
    created: dt.date | None
    status: str | None
    updated: dt.date | None
    parent_ids: tuple[str, ...] = ()  # its campaign and ad group, which must be able to deliver too
    ends: dt.date | None = None  # the day of its scheduled `end_time` (campaigns, ad groups)

    def may_have_data(self, start: dt.date, end: dt.date, late_days: int) -> bool:
        """False only when no row can exist in [start, end]: never-delivering drafts, objects created after the
        window, objects whose schedule ended before it (an ACTIVE campaign past its `end_time` is COMPLETED and
        no longer delivers), and objects paused or archived since before it (a status change moves
        `updated_time`, so an object in such a status with an older `updated_time` has not delivered since).
        `late_days` extends the last two when conversions are dated at conversion time rather than at the ad
        action."""
        if self.status in NEVER_DELIVERS:
            return False
        if self.created and self.created > end:
            return False
        if self.ends and self.ends + dt.timedelta(days=late_days) < start:
            return False
        if self.status in STOPPED and self.updated:
            return self.updated + dt.timedelta(days=late_days) >= start
        return True


def entity_of(child: StreamSlice) -> Entity:
    """The Entity of a child slice of an analytics parent (its extra fields)."""
    extra = child.extra_fields
    return Entity(
        str(child.partition["id"]),
        as_day(extra.get("created_time") or extra.get("created_at")),
        extra.get("status"),
        as_day(extra.get("updated_time")),
        tuple(str(extra[key]) for key in ("campaign_id", "ad_group_id") if extra.get(key)),
        as_day(extra.get("end_time")),
    )


def listed_entities(router: PartitionRouter, unreadable: Unreadable) -> tuple[dict[str, list[Entity]], dict[str, str]]:
    """The entities a parent router lists, by ad account, and the accounts whose listing Pinterest refused (with
    why): those have only part of their entities here, or none."""
    found: dict[str, list[Entity]] = {}
    with unreadable.listening() as refused:
        for child in router.stream_slices():
            found.setdefault(str(child.partition["parent_slice"]["ad_account_id"]), []).append(entity_of(child))
    return found, dict(refused)


def unlisted(unreadable: Unreadable, stream: str, reason: str) -> AirbyteTracedException:
    """What a partition of an ad account whose listing was refused raises before reading anything: it fails, so
    none of its windows is checkpointed, while the other partitions are read; the stream ends INCOMPLETE."""
    unreadable.note(stream, reason)
    return AirbyteTracedException(message=reason, internal_message=reason, failure_type=FailureType.config_error)


class Lineage(NamedTuple):
    """An entity with its campaign and ad group: it can deliver only on days they all can."""

    entity: Entity
    ancestors: tuple[Entity, ...]

    @property
    def id(self) -> str:
        return self.entity.id

    def may_have_data(self, start: dt.date, end: dt.date, late_days: int) -> bool:
        return all(e.may_have_data(start, end, late_days) for e in (self.entity, *self.ancestors))


@dataclass
class EntitiesRouter(UsesSync, NoRequestOptions, PartitionRouter):
    """One partition per ad account (or a single one without `accounts_partition_router`), carrying in
    `extra_fields["entities"]` the entities analytics are asked for, if any.

    `underlying_partition_router` (the name the CDK looks for when it caches and pre-lists parents) is a
    SubstreamPartitionRouter over an entity stream that copies its timestamps and `status` into each child's extra
    fields (`created_time`/`updated_time` or, for pins, `created_at`), and for ad groups and ads their
    `campaign_id` / `ad_group_id`. `ancestors_partition_router` lists those campaigns and ad groups the same way:
    an ad is asked for only if it, its ad group and its campaign can all have delivered in the window.

    Without ad accounts (pins), `entities_per_partition` cuts the entities, sorted by id, into partitions of that
    many, keyed `{"pins": "<first id>..<last id>"}`, so the state holds one entry per batch and a cut sync
    resumes at the first unfinished batch. A key is reused only for the very same ids (ids only grow), so no
    batch can inherit a cursor that another set of pins earned.

    An ad account whose listing Pinterest refused (any page; `Unreadable.listening`) gets no partition: read with
    part of its entities, or none, its windows would be checkpointed past rows never asked for. Its state stays
    where it was, the other accounts are read, and the stream ends INCOMPLETE naming the account.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    accounts_partition_router: PartitionRouter | None = None
    underlying_partition_router: PartitionRouter | None = None
    ancestors_partition_router: PartitionRouter | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.entities_per_partition = int(parameters.get("entities_per_partition") or 0)
        self.stream_name = str(parameters.get("name") or "")

    def stream_slices(self) -> Iterable[StreamSlice]:
        entities: dict[str, list[Entity | Lineage]] = {}
        ancestors: dict[str, Entity] = {}
        # The listings are read to the end before the first partition.
        with self.sync.unreadable.listening() as refused:
            if self.underlying_partition_router:
                for child in self.underlying_partition_router.stream_slices():
                    account = str(child.partition["parent_slice"].get("ad_account_id", ""))
                    entities.setdefault(account, []).append(entity_of(child))
            if self.ancestors_partition_router:
                for child in self.ancestors_partition_router.stream_slices():
                    ancestor = entity_of(child)
                    ancestors[ancestor.id] = ancestor
        if ancestors:  # an entity carries its ancestors' facts, looked up once here
            entities = {
                account: [Lineage(e, tuple(ancestors[p] for p in e.parent_ids if p in ancestors)) for e in group]
                for account, group in entities.items()
            }
        if not self.accounts_partition_router:
            everything = tuple(e for group in entities.values() for e in group)
            if not self.entities_per_partition:
                yield StreamSlice(partition={}, cursor_slice={}, extra_fields={"entities": everything})
                return
            ordered = sorted(everything, key=lambda e: (len(e.id), e.id))  # numeric order of digit strings
            for batch in batched(ordered, self.entities_per_partition):
                key = f"{batch[0].id}..{batch[-1].id}"
                extra = {"entities": tuple(batch), "entities_total": len(ordered)}
                yield StreamSlice(partition={"pins": key}, cursor_slice={}, extra_fields=extra)
            return
        for account_slice in self.accounts_partition_router.stream_slices():
            account = str(account_slice.partition["ad_account_id"])
            if account in refused:
                self.sync.unreadable.note(self.stream_name, refused[account])
                continue
            extra = {"entities": tuple(entities.get(account, ()))} if self.underlying_partition_router else {}
            partition = {"ad_account_id": account, **timezone.zone_key(self.config)}  # state remembers the zone
            yield StreamSlice(partition=partition, cursor_slice={}, extra_fields=extra)

    def get_stream_state(self) -> StreamState | None:
        return None
