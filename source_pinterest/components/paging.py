"""Bookmark paging that cannot loop: a listing whose answer repeats a bookmark it already gave fails.

The CDK paginates every partition of a stream with one strategy instance, several at once, so nothing is kept on
the instance: the bookmarks a listing has already followed travel with its page token (`Bookmark.seen`), which the
retriever hands back as `last_page_token_value` for the next page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.cursor_pagination_strategy import (
    CursorPaginationStrategy,
)
from airbyte_cdk.sources.types import Record, StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.facts import MAX_PAGE_SIZE


class Bookmark(str):
    """A page token (the bookmark as Pinterest sent it) that remembers the bookmarks followed before it."""

    seen: frozenset[str]

    def __new__(cls, value: str, seen: frozenset[str] = frozenset()) -> Bookmark:  # copies restore `seen` after
        token = super().__new__(cls, value)
        token.seen = seen
        return token


class LoopSafeBookmarkPagination(CursorPaginationStrategy):
    """CursorPagination over `bookmark` that fails a listing answering a bookmark it already followed: that page
    would be requested again (and, for cached parent listings, served again from the cache) for ever."""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        if self.page_size is None:  # the manifest leaves the page size to the facts
            self.page_size = MAX_PAGE_SIZE
        super().__post_init__(parameters)

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Record | None,
        last_page_token_value: Any | None = None,
        page_size_override: int | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> Any | None:
        token = super().next_page_token(
            response, last_page_size, last_record, last_page_token_value, page_size_override, stream_slice
        )
        if token is None:
            return None
        followed = getattr(last_page_token_value, "seen", frozenset())
        if last_page_token_value:
            followed = followed | {str(last_page_token_value)}
        if str(token) in followed:
            # The path only: the query holds the bookmark, and a URL's query string is never logged.
            path = urlsplit(response.request.url or "").path
            message = (
                f"Pinterest answered GET {path} with a bookmark this listing had already followed, after "
                f"{len(followed)} pages: reading on would repeat the same pages for ever. The listing was stopped; "
                "its stream is incomplete and keeps its state. Try again later; if it persists, report it to Pinterest."
            )
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.system_error
            )
        return Bookmark(str(token), followed)
