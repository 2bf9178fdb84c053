"""Per-category request quotas (x-ratelimit-category of each operation), in fixed wall-clock windows.

Every API response carries x-ratelimit-limit / -remaining / -reset (seconds until the window resets) and
x-ratelimit-category. Quotas are enforced (429, code 8, Retry-After) only when enforcement is switched on.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

# Standard access, requests per minute per user per app (developers.pinterest.com/docs/reference/rate-limits).
DEFAULT_LIMITS: dict[str, int] = {
    "ads_analytics": 300,
    "ads_read": 1000,
    "org_read": 1000,
    "org_analytics": 60,
    "catalogs_read": 100,
}
RATE_LIMITED = (
    "This request exceeded a rate limit. This can happen if the client exceeds one "
    "of the published rate limits within a short time window."
)


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after: int


class RateLimiter:
    def __init__(self, enforced: bool = False) -> None:
        self.enforced = enforced
        self._lock = threading.Lock()
        self._limits = {category: (limit, 60.0) for category, limit in DEFAULT_LIMITS.items()}
        self._windows: dict[str, tuple[float, int]] = {}  # category -> (window start, requests in it)

    def set_limit(self, category: str, limit: int, window_seconds: float = 60.0) -> None:
        with self._lock:
            self._limits[category] = (limit, window_seconds)
            self._windows.pop(category, None)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def hit(self, category: str) -> Verdict:
        limit, window = self._limits.get(category, (1000, 60.0))
        now = time.monotonic()
        with self._lock:
            start, used = self._windows.get(category, (now, 0))
            if now - start >= window:
                start, used = now, 0
            over = used >= limit
            if not (over and self.enforced):
                used += 1
            self._windows[category] = (start, used)
        reset = max(1, math.ceil(start + window - now))
        headers = {
            "x-ratelimit-category": category,
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - used)),
            "x-ratelimit-reset": str(reset),
        }
        return Verdict(not (over and self.enforced), headers, reset)
