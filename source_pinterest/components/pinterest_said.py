"""What Pinterest said, and to which request: the message of its error body, the request named with its secrets
masked, and the waits its headers ask for. Every error message of the connector words them the same way.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from source_pinterest.components.answers import pinterest_error


def pinterest_message(response: requests.Response) -> str:
    return pinterest_error(response).message


# Exact names: a substring test would also mask harmless ones such as `keywords` or `country_code`.
_SENSITIVE_PARAMS = frozenset(
    {"access_token", "refresh_token", "client_id", "client_secret", "token", "code", "signature", "password", "key"}
)


def describe_request(response_or_exception: requests.Response | BaseException | None) -> str:
    """`GET /v5/path?query` of the request behind a response or a network error, for error messages.

    The method, path and query say which call failed; credentials travel in headers and the form body, which are
    left out, and query values whose names look secret are masked all the same.
    """
    request = getattr(response_or_exception, "request", None)
    if isinstance(response_or_exception, requests.Response):
        target = str(request.url if request is not None else response_or_exception.url)
    elif request is not None:
        target = str(request.url)
    else:
        return "the request"
    url = urlsplit(target)
    query = [
        (name, "****" if name.lower() in _SENSITIVE_PARAMS else value)
        for name, value in parse_qsl(url.query, keep_blank_values=True)
    ]
    method = request.method if request is not None else "GET"
    return f"{method} {url.path}" + (f"?{urlencode(query)}" if query else "")


def is_transient_400(response: requests.Response) -> bool:
    """The 400s Pinterest documents as passing: "Retry after..." and code 12 "something went wrong"."""
    if response.status_code != 400:
        return False
    error = pinterest_error(response)
    message = error.message.lower()
    return not error.is_text and (error.code == 12 or "something went wrong" in message or "retry after" in message)


def header_seconds(response: requests.Response, name: str) -> float | None:
    try:
        seconds = float(response.headers.get(name, ""))
    except ValueError:
        return None
    return seconds if seconds > 0 else None
