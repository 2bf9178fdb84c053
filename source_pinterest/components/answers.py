"""What a 2xx answer must look like: the shape each endpoint documents (pinterest-api-v5-openapi.yaml), decided
by what the request itself sent. An error object, an empty body, HTML or a wrong shape is not an answer, and is
never read as "no rows" (the error handler retries it; the streamed decoder asks again).

A listing served to several streams goes through the CDK's HTTP cache, which would keep a 200 that is not an
answer and serve it again to every retry: `refuse_before_caching` judges it first, as a response hook of the
request (requests runs those before requests_cache saves), and turns it into a `NotAnAnswerError`."""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests

# The answers StreamedRows decodes (ads analytics, targeting breakdowns): the error handler must not read them whole.
STREAMED = re.compile(r"/ad_accounts/[^/]+/(.+/)?(analytics|targeting_analytics)$")
LISTING = "an object with an `items` array (a listing page)"


def sample(text: str) -> str:
    return " ".join(text.split())[:80]


class PinterestError(NamedTuple):
    """What an error answer says: Pinterest's `{"code": ..., "message": ...}`."""

    code: Any  # None when the body names none
    message: str  # "" when it says none; the start of the text when the body is no JSON
    is_text: bool = False  # the body is no JSON (an HTML page, a proxy's text)


def pinterest_error(response: requests.Response | None) -> PinterestError:
    """The code and message of an error answer, the one place its body is parsed. The OAuth token endpoint may
    answer `error_description` / `error` instead of a message; a JSON value that is no object says nothing."""
    if response is None:
        return PinterestError(None, "")
    try:
        body = response.json()
    except ValueError:
        return PinterestError(None, response.text[:200], is_text=True)
    if not isinstance(body, dict):
        return PinterestError(None, "")
    message = body.get("message") or body.get("error_description") or body.get("error")
    return PinterestError(body.get("code"), "" if message is None else str(message))


def error_object(body: Any) -> str | None:
    """`{"code": ..., "message": ...}` and nothing else: Pinterest's error shape, which no answer has."""
    if isinstance(body, dict) and "code" in body and set(body) <= {"code", "message", "details"}:
        return f"an error object (code {body.get('code')}: {sample(str(body.get('message', '')))})"
    return None


def _expected(response: requests.Response) -> tuple[str, tuple[type, ...]]:
    """What the request's endpoint answers, decided by what the request itself sent (its path and page_size)."""
    request = response.request
    url = str(request.url if request is not None else response.url)
    path = url.split("?", 1)[0]
    query = url.split("?", 1)[1] if "?" in url else ""
    if re.search(r"(^|&)page_size=", query) or path.endswith("/conversion_tags"):
        return LISTING, (dict,)
    if re.search(r"/resources/targeting/[^/]+$", path):  # TargetingOptionResponse: an array, nullable
        return "an array (or null)", (list, type(None))
    return "a JSON object or array", (dict, list)


def answer_problem(response: requests.Response) -> str | None:
    """Why a 2xx answer that is not streamed is not the documented answer, or None when it is one.

    An empty listing page (`{"items": [], "bookmark": null}`) is an answer; `{}` or an error object is not."""
    expected, types = _expected(response)
    if not response.content:
        return f"an empty body, not {expected}"
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        return f"not JSON ({kind}: {sample(response.text)!r}), not {expected}"
    problem = error_object(body)
    if problem:
        return f"{problem}, not {expected}"
    if not isinstance(body, types) or (expected == LISTING and not isinstance(body.get("items"), list)):
        return f"{sample(json.dumps(body))!r}, not {expected}"
    return None


_JUDGED = "pinterest_answer_problem"  # the verdict, kept on the response: its body is parsed once


def not_an_answer(response: requests.Response) -> str | None:
    """Why a 2xx is not the documented answer of its endpoint, or None. Streamed answers (ads analytics) are left
    to their decoder, which reads them without holding them whole."""
    if _JUDGED in vars(response):
        return vars(response)[_JUDGED]
    problem = None
    if 200 <= response.status_code < 300 and not STREAMED.search(urlsplit(response.url).path):
        found = answer_problem(response)
        problem = f"Pinterest answered {response.status_code} with {found}" if found else None
    vars(response)[_JUDGED] = problem
    return problem


class NotAnAnswerError(requests.exceptions.RequestException):
    """A 200 that is not the documented answer, refused before the HTTP cache could keep it (`.response`)."""


def refuse_before_caching(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    problem = not_an_answer(response)
    if problem:
        raise NotAnAnswerError(problem, response=response, request=response.request)
    return response


def judge_before_caching(request: requests.PreparedRequest) -> None:
    """Make a listing request (`page_size`: the pages the HTTP cache keeps) refuse a 200 that is not an answer as
    it arrives (idempotent: retries resend it). Other answers (report files among them) are left as they are."""
    if not isinstance(request, requests.PreparedRequest) or not re.search(r"[?&]page_size=", request.url or ""):
        return
    hooks = request.hooks.setdefault("response", [])
    if refuse_before_caching not in hooks:
        hooks.append(refuse_before_caching)
