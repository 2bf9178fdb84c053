"""Bookmark pagination: `{"items": [...], "bookmark": "..." | null}`.

Bookmarks are opaque and keyset-based (they remember the last id served, signed, and bound to the endpoint and its
filters), so items added between pages are neither skipped nor repeated, and a bookmark cannot be forged or reused
with other filters. As with many keyset APIs, a full page always carries a bookmark, even when nothing follows:
the next page is then empty with a null bookmark.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Any

from .params import Params, bad_request

Record = dict[str, Any]


class Pager:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def _mac(self, scope: str, key: int) -> str:
        return hashlib.sha256(f"{self._secret}|{scope}|{key}".encode()).hexdigest()[:12]

    def encode(self, scope: str, key: int) -> str:
        raw = f"{key}:{self._mac(scope, key)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, scope: str, bookmark: str) -> int:
        try:
            raw = base64.urlsafe_b64decode(bookmark + "=" * (-len(bookmark) % 4)).decode()
            key_text, mac = raw.split(":")
            key = int(key_text)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("Invalid request: the bookmark is not valid") from None
        if mac != self._mac(scope, key):
            raise bad_request("Invalid request: the bookmark is not valid for this request") from None
        return key

    def page(
        self,
        items: Sequence[Record],
        params: Params,
        scope: str,
        descending: bool = False,
        depth_limit: int | None = None,
        noun: str = "items",
    ) -> dict[str, Any]:
        """One page of `items` (already sorted by numeric id, ascending or descending). With `depth_limit`, a page
        starting at or past that item is refused like Pinterest refuses deep paging (`noun`: what it says is listed)."""
        size = params.page_size()
        start = 0
        bookmark = params.text("bookmark")
        if bookmark:
            after = self.decode(scope, bookmark)
            start = next(
                (
                    i
                    for i, item in enumerate(items)
                    if (int(item["id"]) < after if descending else int(item["id"]) > after)
                ),
                len(items),
            )
            if depth_limit is not None and start >= depth_limit:
                written = f"{depth_limit:,}".replace(",", ".")  # as Pinterest writes it: "100.000"
                raise bad_request(f"Pagination beyond {written} {noun} are not allowed")
        chunk = list(items[start : start + size])
        following = self.encode(scope, int(chunk[-1]["id"])) if len(chunk) == size else None
        return {"items": chunk, "bookmark": following}


def scope_of(path: str, params: Params) -> str:
    """What a bookmark is bound to: the path and every parameter but the paging ones."""
    filters = sorted((k, tuple(v)) for k, v in params.raw.items() if k not in ("bookmark", "page_size"))
    return hashlib.sha256(repr((path, filters)).encode()).hexdigest()[:16]
