"""`UsesSync`: a custom component that reads or records the run's decisions (source_pinterest/sync.py).

The component factory sets `sync` on each one it builds, the same Sync for every component of a check, discover or
read. One built by hand (a unit test) makes a Sync of its own from its config on first use, shared with nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from source_pinterest.sync import Sync


_OWNERS = ("airbyte_cdk.", "source_pinterest.")  # the objects whose attributes lead to components


class UsesSync:
    # A property, not an annotated field: the CDK reads the type hints of custom component classes.
    @property
    def sync(self) -> Sync:
        made = self.__dict__.get("_sync")
        if made is None:
            from source_pinterest.sync import Sync  # sync.py builds its parts from modules that use this one

            made = self.__dict__["_sync"] = Sync(self.__dict__.get("config") or {})
        return made

    @sync.setter
    def sync(self, value: Sync) -> None:
        self.__dict__["_sync"] = value


def hand_over(root: Any, sync: Sync) -> None:
    """Set `sync` on every UsesSync component reachable from `root` through the attributes of CDK and connector
    objects (and their lists, tuples and dicts). The CDK builds a parent stream with a plain component factory of
    its own, so the components of parent streams are handed the Sync this way once built."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (list, tuple, set, frozenset)):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif type(item).__module__.startswith(_OWNERS) and hasattr(item, "__dict__"):
            if isinstance(item, UsesSync):
                item.sync = sync
            pending.extend(vars(item).values())
