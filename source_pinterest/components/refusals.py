"""Refusals recognised by what the request itself sent: closed betas (BETA targeting types, `reporting_timezone`, the
multi-pin endpoint) and the daily request cap.

A refusal names a value of its own request (a targeting type, the zone) or says the feature is not available; the
exact wording is never relied on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from source_pinterest.components.pinterest_said import describe_request, pinterest_message

_UNAVAILABLE = ("beta", "not available", "not yet available", "not enabled")


def _says_unavailable(response: requests.Response) -> bool:
    message = pinterest_message(response).lower()
    return any(words in message for words in _UNAVAILABLE)


def _query_values(response: requests.Response, name: str) -> list[str]:
    url = response.request.url if response.request is not None else response.url
    return [v for joined in parse_qs(urlsplit(str(url)).query).get(name, []) for v in joined.split(",") if v]


def _body_json(response: requests.Response) -> dict[str, Any]:
    """The JSON object the request sent (report jobs), else {}."""
    body = response.request.body if response.request is not None else None
    try:
        sent = json.loads(body) if body else None
    except (TypeError, ValueError):
        return {}
    return sent if isinstance(sent, dict) else {}


def requested_targeting_types(response: requests.Response) -> list[str]:
    """The targeting types the request behind `response` named: its query (`targeting_types=A,B`) or its JSON body."""
    sent = _body_json(response).get("targeting_types")
    body_types = [str(t) for t in sent] if isinstance(sent, list) else []
    return list(dict.fromkeys(_query_values(response, "targeting_types") + body_types))


def _named(value: str, message: str) -> bool:
    # Whole words only: AGE_BUCKET must not match inside AGE_BUCKET_AND_GENDER ("_" is a word character).
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(value)}(?![A-Za-z0-9_])", message) is not None


def refused_targeting_types(response: requests.Response) -> list[str]:
    """The targeting types a refusal (400 or 403) names out of those its own request sent, in the request's order:
    a targeting analytics request or a report job refused for a type it asked for (a BETA type this account does
    not have). Recognised by the request's own values appearing in the message, not by Pinterest's wording."""
    if response.status_code not in (400, 403):
        return []
    message = pinterest_message(response)
    return [t for t in requested_targeting_types(response) if _named(t, message)]


def multi_pin_refused(response: requests.Response) -> bool:
    """Pinterest keeps GET /pins/analytics (multi-pin, beta) to apps it enabled it for: 403, or 400/404 saying so."""
    if not urlsplit(response.url).path.endswith("/pins/analytics") or "/ad_accounts/" in response.url:
        return False
    return response.status_code == 403 or (response.status_code in (400, 404) and _says_unavailable(response))


def timezone_refused(response: requests.Response) -> bool:
    """Pinterest refuses `reporting_timezone` (a closed beta) on a request that carried it: 400/403/404 naming the
    parameter or its value, or saying "beta" / "not available" without naming a targeting type the request sent (that
    is a refused type, see refused_targeting_types). A 403 must say so too: a missing role is refused alike."""
    if response.status_code not in (400, 403, 404) or response.request is None:
        return False
    sent = _query_values(response, "reporting_timezone") + [str(_body_json(response).get("reporting_timezone") or "")]
    sent = [zone for zone in sent if zone]
    if not sent:
        return False
    message = pinterest_message(response)
    if any(_named(zone, message) for zone in sent) or "timezone" in message.lower() or "time zone" in message.lower():
        return True
    return _says_unavailable(response) and not refused_targeting_types(response)


def is_daily_cap(response: requests.Response) -> bool:
    """Pinterest answers both its per-minute limits and the daily cap with 429 code 8; only the text differs."""
    return response.status_code == 429 and "daily" in pinterest_message(response).lower()


def daily_cap_message(response: requests.Response, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    # Pinterest does not say when a day's quota renews (x-ratelimit-reset, if sent, may be the per-minute window's).
    when = f"tomorrow, at the latest after {now + dt.timedelta(days=1):%Y-%m-%d %H:%M} UTC"
    return (
        f"Pinterest's daily request limit for this app was reached on {describe_request(response)} "
        f"(429: {pinterest_message(response)}). Waiting within this sync cannot help, so it stops here; the state "
        f"keeps everything read so far. Fix: run the sync again {when}, or ask Pinterest for a higher access tier."
    )
