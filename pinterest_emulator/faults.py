"""Injected misbehaviour. A fault matches request paths by regular expression (re.search on the full path,
e.g. "/v5/ad_accounts/123/campaigns") and fires on the next `count` matching requests.

Kinds: "429" (code 8 with Retry-After, opts retry_after=1), "403" (code 29, no access to that resource: one refused
request, e.g. one window of one ad account), "500", "503" (an HTML gateway page), "drop" (close the connection
without answering), "truncate" (half the body with the full Content-Length), "slow" (opts seconds=2, then answer
normally), "daily_cap" (429 code 8, daily limit, forever: count is ignored), "report_failed", "report_expired",
"report_cancelled" (the next polls of report jobs answer that status, for good), "edit_during_listing" (on a
matching campaigns/ad groups/ads request for a later page, before answering it: the listing's first object, on a
page already served, is renamed, and a second later its last object is edited too, so the newest `updated_time`
the client sees is newer than the first object's edit), and "expire_token" (applied at once by Emulator.inject:
every issued access token stops working).

Answers that are not answers (the real API gives them): "200_error" (200 with {"code": 12, "message": "Something
went wrong"}), "200_empty" (200 with an empty body), "200_html" (200 with an HTML page) and "200_wrong_shape" (200
with the other shape: an array answer becomes {"items": []}, a listing page loses its `items`, any other object
becomes []).

Stalled answers (a file host that accepts and then goes quiet): "stall" (the request is read, then nothing is sent
for opts seconds=60, then the connection closes without an answer) and "stall_body" (the status, headers with the
full Content-Length and the first half of the body, then nothing for `seconds`, then the connection closes). Both
end at once when the emulator stops. Every network fault ("500", "503", "drop", "truncate", "slow", the stalls)
applies to report file downloads too (path "^/downloads/"); count=None arms a fault for good.

"repeat_bookmark": on a matching request for a later page (with a `bookmark`), the answer carries the bookmark
it was asked with instead of the next one (a listing that never ends for a client that trusts bookmarks).

"deep_paging_limit" (opts limit=100_000; armed for good, `count` is ignored): Pinterest's refusal to page deep into
a listing (airbytehq/airbyte#33282). A matching listing request whose bookmark points at or past item number
`limit` of the listing answers 400 {"code": 1, "message": "Pagination beyond 100.000 pins are not allowed"} (the
limit as Pinterest writes it, "items" for listings other than pins); the first `limit` items are served normally.
Armed on "/boards/[^/]+/pins$" with a small limit (a multiple of the client's page size) it models a board over
100,000 pins.

Any fault with opts later_pages=True fires only on requests for a later page of a listing (with a `bookmark`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = frozenset(
    {"429", "403", "500", "503", "drop", "truncate", "slow", "daily_cap", "report_failed", "report_expired",
     "report_cancelled", "edit_during_listing", "expire_token",
     "200_error", "200_empty", "200_html", "200_wrong_shape", "repeat_bookmark", "stall", "stall_body",
     "deep_paging_limit",
     }
)  # fmt: skip
STALL_KINDS = frozenset({"stall", "stall_body"})
DEFAULT_STALL_SECONDS = 60.0
NOT_AN_ANSWER_KINDS = frozenset({"200_error", "200_empty", "200_html", "200_wrong_shape"})
REPORT_KINDS = frozenset({"report_failed", "report_expired", "report_cancelled"})
LIMIT_KINDS = frozenset({"deep_paging_limit"})  # properties of the API, not one-off failures: armed for good
DEFAULT_DEEP_PAGING_LIMIT = 100_000
NOT_PERMITTED = "You are not permitted to access that resource."
DAILY_CAP = (
    "This request exceeded a rate limit. You have exceeded your daily request limit for this app; try again tomorrow."
)


@dataclass
class Fault:
    kind: str
    pattern: re.Pattern[str]
    remaining: int | None  # None: forever
    opts: dict[str, Any] = field(default_factory=dict)


class FaultBox:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, kind: str, path: str, count: int | None, opts: dict[str, Any]) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(KINDS)}")
        remaining = None if kind == "daily_cap" or kind in LIMIT_KINDS else count  # None: forever
        with self._lock:
            self._faults.append(Fault(kind, re.compile(path), remaining, dict(opts)))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str, kinds: frozenset[str], later_page: bool = False) -> Fault | None:
        """The oldest armed fault of one of `kinds` matching `path`, consuming one of its shots. A fault armed with
        `later_pages` matches only when `later_page` (the request asks for a page after the first)."""
        with self._lock:
            for fault in self._faults:
                if fault.opts.get("later_pages") and not later_page:
                    continue
                if fault.kind in kinds and fault.pattern.search(path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def armed(self, path: str, kind: str) -> Fault | None:
        """The oldest fault of `kind` matching `path`, without consuming it (limits hold for good)."""
        with self._lock:
            return next((f for f in self._faults if f.kind == kind and f.pattern.search(path)), None)
