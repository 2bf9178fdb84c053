"""Request dispatch, independent of the HTTP server: counting, latency, faults, auth, scopes, rate limits, handlers.

Paths are served under /v5 (the OAuth token endpoint too); /oauth/ is the consent page; /downloads/... serves
finished report files without authentication, like presigned storage URLs.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .auth import TokenStore
from .context import Ctx
from .evolve import edit_during_listing
from .factories import token_hex
from .faults import DAILY_CAP, DEFAULT_STALL_SECONDS, NOT_AN_ANSWER_KINDS, NOT_PERMITTED, STALL_KINDS, FaultBox
from .paging import Pager
from .params import ApiError, Params
from .ratelimit import RATE_LIMITED, RateLimiter
from .reports import ReportStore
from .routes import match
from .scenarios import Scenario
from .world import World

NETWORK_FAULTS = frozenset({"429", "403", "500", "503", "drop", "truncate", "slow", "daily_cap"}) | STALL_KINDS
LISTING_FAULTS = frozenset({"edit_during_listing"})
REPEAT_FAULTS = frozenset({"repeat_bookmark"})
_ERROR_PAGE = b"<html><head><title>Pinterest</title></head><body><h1>Oops! Something went wrong.</h1></body></html>"
_GATEWAY_PAGE = b"<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"  # noqa: E501


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # "drop": close without answering; "truncate": send half the body; "stall": send nothing for `stall` seconds,
    # then close; "stall_body": send the head and half the body, then nothing for `stall` seconds, then close.
    action: str | None = None
    delay: float = 0.0  # seconds to wait before answering
    stall: float = 0.0


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    payload = json.dumps(body, separators=(",", ":")).encode()
    return Response(status, payload, {"Content-Type": "application/json", **(headers or {})})


class Api:
    def __init__(self, world: World, scenario: Scenario, seed: int, latency_ms: float = 0.0) -> None:
        self.world = world
        self.scenario = scenario
        self.tokens = TokenStore(
            seed, scenario.token_scopes, scenario.access_token_ttl_seconds, scenario.refresh_token_ttl_seconds
        )
        self.pager = Pager(token_hex(seed, "bookmarks"))
        self.reports = ReportStore(seed, scenario)
        self.faults = FaultBox()
        self.limiter = RateLimiter(scenario.enforce_rate_limits)
        self.origin = "http://127.0.0.1"  # scheme://host:port, set once the server is bound
        self.latency_ms = latency_ms
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[str, str, dict[str, list[str]]]] = []
        self._stats = threading.Lock()

    def handle(self, req: Request) -> Response:
        api_path = req.path[3:] if req.path.startswith("/v5/") else None
        route, path_params, other_method = match(req.method, api_path) if api_path else (None, {}, False)
        key = f"{req.method} {route.template}" if route else f"{req.method} {req.path}"
        if req.path.startswith("/downloads/"):
            key = f"{req.method} /downloads/{{file}}"
        with self._stats:
            self.counts[key] += 1
            self.log.append((req.method, req.path, req.query))
        delay = self.latency_ms / 1000
        later_page = bool(req.query.get("bookmark"))
        fault = self.faults.take(req.path, NETWORK_FAULTS | NOT_AN_ANSWER_KINDS, later_page)
        if fault and fault.kind == "slow":
            delay += float(fault.opts.get("seconds", 2.0))
        elif fault and fault.kind not in ("truncate", "stall_body", *NOT_AN_ANSWER_KINDS):
            response = self._fault_response(fault.kind, fault.opts)
            response.delay = delay
            if fault.kind == "stall":
                response.stall = float(fault.opts.get("seconds", DEFAULT_STALL_SECONDS))
            return response
        if api_path and req.query.get("bookmark") and self.faults.take(req.path, LISTING_FAULTS):
            edit_during_listing(self.world, api_path)  # a later page: earlier ones are already served
        response = self._dispatch(req, route, path_params, other_method, api_path)
        response.delay = delay
        if fault and fault.kind in ("truncate", "stall_body"):
            response.action = fault.kind
            response.stall = float(fault.opts.get("seconds", DEFAULT_STALL_SECONDS))
        if fault and fault.kind in NOT_AN_ANSWER_KINDS and response.status == 200:
            response = not_an_answer(fault.kind, response)
        if later_page and response.status == 200 and self.faults.take(req.path, REPEAT_FAULTS, later_page):
            body = json.loads(response.body or b"null")
            if isinstance(body, dict) and "items" in body:  # a listing page: its bookmark is the one asked with
                body["bookmark"] = req.query["bookmark"][0]
                response.body = json.dumps(body, separators=(",", ":")).encode()
        return response

    def _fault_response(self, kind: str, opts: dict[str, Any]) -> Response:
        if kind in ("drop", "stall"):
            return Response(0, action=kind)
        if kind == "429":
            retry = str(opts.get("retry_after", 1))
            return _json(429, {"code": 8, "message": RATE_LIMITED}, {"Retry-After": retry})
        if kind == "403":
            return _json(403, {"code": 29, "message": NOT_PERMITTED})
        if kind == "daily_cap":
            return _json(429, {"code": 8, "message": DAILY_CAP}, {"x-ratelimit-remaining": "0"})
        if kind == "503":
            return Response(503, _GATEWAY_PAGE, {"Content-Type": "text/html"})
        return _json(int(kind), {"code": 0, "message": "Internal Server Error"})

    def _dispatch(
        self, req: Request, route: Any, path_params: dict[str, str], other: bool, api_path: str | None
    ) -> Response:
        try:
            if req.path.startswith("/downloads/") and req.method == "GET":
                status, body, content_type = self.reports.download(req.path[len("/downloads/") :], req.query)
                return Response(status, body, {"Content-Type": content_type})
            if route is None and req.method == "GET" and req.path.rstrip("/") == "/oauth":  # the consent page
                return Response(302, b"", {"Location": self.tokens.consent(req.query)})
            if route is None:
                if other:
                    raise ApiError(405, 405, f"Method {req.method} is not allowed for {req.path}.")
                raise ApiError(404, 404, f"Not found: {req.path}")
            if route.handler is None:  # POST /oauth/token
                verdict = self.limiter.hit(route.category)
                return _json(
                    200, self.tokens.exchange(req.headers.get("authorization"), _form(req.body)), verdict.headers
                )
            token = self.tokens.authenticate(req.headers.get("authorization"))
            self.tokens.require(token, route.scopes)
            verdict = self.limiter.hit(route.category)
            if not verdict.allowed:
                headers = {**verdict.headers, "Retry-After": str(verdict.retry_after)}
                return _json(429, {"code": 8, "message": RATE_LIMITED}, headers)
            ctx = Ctx(
                self.scenario, self.pager, self.faults, self.reports, self.origin, self.world, req.path,
                Params(req.query), path_params, token, req.body, req.headers,
            )  # fmt: skip
            with self.world.lock:
                body = route.handler(ctx)
                return _json(200, body, verdict.headers)
        except ApiError as error:
            return _json(error.status, error.body, error.headers)
        except Exception:  # a bug in the emulator: answer like a server error, but say so on stderr
            traceback.print_exc(file=sys.stderr)
            return _json(500, {"code": 0, "message": "Internal Server Error (emulator bug)"})


def not_an_answer(kind: str, real: Response) -> Response:
    """A 200 that is not the endpoint's answer, in place of the real one (which was computed, as the real API
    may have done before failing to serialise it)."""
    if kind == "200_error":
        answer = _json(200, {"code": 12, "message": "Something went wrong"})
    elif kind == "200_empty":
        answer = Response(200, b"", {"Content-Type": "application/json"})
    elif kind == "200_html":
        answer = Response(200, _ERROR_PAGE, {"Content-Type": "text/html"})
    else:  # 200_wrong_shape
        body = json.loads(real.body or b"null")
        if isinstance(body, list):
            wrong: Any = {"items": []}
        elif isinstance(body, dict) and "items" in body:
            wrong = {key: value for key, value in body.items() if key != "items"}
        else:
            wrong = []
        answer = _json(200, wrong)
    answer.delay = real.delay
    return answer


def _form(body: bytes) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
