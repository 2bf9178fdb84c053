"""App credentials, rotating refresh tokens, bearer access tokens and their scopes.

POST /v5/oauth/token takes HTTP Basic client_id:client_secret and a form body; errors are `{code, message}` (a refused
refresh token or authorization code: 401, code 283). Each successful refresh returns a new refresh token and
invalidates the old one at once (continuous refresh tokens rotate); earlier access tokens stay valid until they expire
(wall-clock seconds) or are expired by a fault.

The consent page (GET /oauth/ at the root, like https://www.pinterest.com/oauth/) approves at once: it redirects to
`redirect_uri?code=...&state=...`. The code works once, within CODE_TTL_SECONDS, and only with the same redirect_uri;
exchanging it (grant_type=authorization_code) issues a new refresh token that replaces the current one.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .factories import token_hex
from .params import ApiError
from .spec_enums import OAUTH2_SCOPES

AUTH_FAILED = ApiError(401, 2, "Authentication failed.")
# Pinterest's answer to an expired, revoked, rotated or made-up refresh token: `{code, message}` like every error.
INVALID_GRANT = ApiError(401, 283, "The authorization grant is invalid")
MISSING_SCOPE = (
    "Your token does not have sufficient permissions to perform this operation. "
    "Please ensure your token is authorized with the correct set of scopes."
)
CODE_TTL_SECONDS = 600
KNOWN_SCOPES = frozenset(OAUTH2_SCOPES)  # components.securitySchemes.pinterest_oauth2 of the spec


@dataclass(frozen=True)
class AuthorizationCode:
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class AccessToken:
    value: str
    scopes: frozenset[str]
    expires_at: float
    revoked: bool = False

    def valid(self) -> bool:
        return not self.revoked and time.time() < self.expires_at


class TokenStore:
    def __init__(self, seed: int, scopes: tuple[str, ...], access_ttl: int, refresh_ttl: int) -> None:
        self._seed = seed
        self._counter = 0
        self._lock = threading.Lock()
        self.scopes = frozenset(scopes)
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.client_id = str(1_480_000 + seed)
        self.client_secret = token_hex(seed, "client-secret")
        self.refresh_token = self._new("pinr")
        self.refresh_expires_at = int(time.time()) + refresh_ttl
        self.refresh_scopes = self.scopes  # what the current refresh token was granted
        self._codes: dict[str, AuthorizationCode] = {}
        self._access: dict[str, AccessToken] = {}
        self._current = self._mint(self.scopes)

    def _new(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}.{token_hex(self._seed, prefix, self._counter, length=56)}"

    def _mint(self, scopes: frozenset[str]) -> AccessToken:
        token = AccessToken(self._new("pina"), scopes, time.time() + self.access_ttl)
        self._access[token.value] = token
        return token

    @property
    def access_token(self) -> str:
        """A valid access token with the scenario's scopes (a fresh one if the last was expired or revoked)."""
        with self._lock:
            if not self._current.valid():
                self._current = self._mint(self.scopes)
            return self._current.value

    def expire_all(self) -> None:
        with self._lock:
            for token in self._access.values():
                token.revoked = True

    def authenticate(self, header: str | None) -> AccessToken:
        if not header or not header.lower().startswith("bearer "):
            raise AUTH_FAILED
        token = self._access.get(header[7:].strip())
        if token is None or not token.valid():
            raise AUTH_FAILED
        return token

    @staticmethod
    def require(token: AccessToken, scopes: tuple[str, ...]) -> None:
        if not set(scopes) <= token.scopes:
            raise ApiError(403, 3, MISSING_SCOPE)

    def consent(self, query: dict[str, list[str]]) -> str:
        """GET /oauth/: the user approves at once; returns the redirect (Location) carrying a one-time code."""

        def one(name: str) -> str:
            return (query.get(name) or [""])[-1]

        if one("client_id") != self.client_id:
            raise ApiError(400, 1, "Invalid request: unknown client_id")
        if one("response_type") != "code":
            raise ApiError(400, 1, "Invalid request: response_type must be 'code'")
        redirect_uri = one("redirect_uri")
        if not redirect_uri.startswith(("http://", "https://")):
            raise ApiError(400, 1, "Invalid request: missing or invalid redirect_uri")
        requested = frozenset(one("scope").replace(",", " ").split())
        if not requested:
            raise ApiError(400, 1, "Invalid request: missing required parameter 'scope'")
        unknown = requested - KNOWN_SCOPES
        if unknown:
            raise ApiError(400, 1, f"Invalid request: unknown scope {sorted(unknown)}")
        with self._lock:
            code = self._new("code")
            # The user grants what was asked, within what this scenario's user can grant.
            self._codes[code] = AuthorizationCode(redirect_uri, requested & self.scopes, time.time() + CODE_TTL_SECONDS)
        params = {"code": code, **({"state": one("state")} if one("state") else {})}
        return redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(params)

    def exchange(self, authorization: str | None, form: dict[str, list[str]]) -> dict[str, Any]:
        """POST /oauth/token (refresh_token or authorization_code grant)."""
        if not self._basic_ok(authorization):
            raise AUTH_FAILED
        grant = (form.get("grant_type") or [""])[-1]
        if not grant:
            raise ApiError(400, 1, "Invalid request: missing required parameter 'grant_type'")
        if grant == "authorization_code":
            return self._exchange_code(form)
        if grant != "refresh_token":
            raise ApiError(400, 1, f"Invalid request: unsupported grant_type '{grant}'")
        presented = (form.get("refresh_token") or [""])[-1]
        if not presented:
            raise ApiError(400, 1, "Invalid request: missing required parameter 'refresh_token'")
        requested = (form.get("scope") or [""])[-1].replace(",", " ").split()
        with self._lock:
            if presented != self.refresh_token or time.time() >= self.refresh_expires_at:
                raise INVALID_GRANT
            scopes = frozenset(requested) if requested else self.refresh_scopes
            if not scopes <= self.refresh_scopes:
                raise ApiError(400, 1, f"Invalid request: scope {sorted(scopes - self.refresh_scopes)} was not granted")
            return self._issue(scopes, "refresh_token")

    def _exchange_code(self, form: dict[str, list[str]]) -> dict[str, Any]:
        code, redirect_uri = ((form.get(name) or [""])[-1] for name in ("code", "redirect_uri"))
        for name, value in (("code", code), ("redirect_uri", redirect_uri)):
            if not value:
                raise ApiError(400, 1, f"Invalid request: missing required parameter '{name}'")
        with self._lock:
            grant = self._codes.pop(code, None)  # once only, even when refused below
            if grant is None or grant.redirect_uri != redirect_uri or time.time() >= grant.expires_at:
                raise INVALID_GRANT
            self.refresh_scopes = grant.scopes
            return self._issue(grant.scopes, "authorization_code")

    def _issue(self, scopes: frozenset[str], response_type: str) -> dict[str, Any]:
        """A new access token and a new refresh token (which retires the previous one); call with the lock held."""
        access = self._mint(scopes)
        self._current = access
        self.refresh_token = self._new("pinr")
        self.refresh_expires_at = int(time.time()) + self.refresh_ttl
        return {
            "access_token": access.value,
            "token_type": "bearer",
            "expires_in": self.access_ttl,
            "scope": ",".join(sorted(scopes)),
            "response_type": response_type,
            "refresh_token": self.refresh_token,
            "refresh_token_expires_in": self.refresh_ttl,
            "refresh_token_expires_at": self.refresh_expires_at,
        }

    def _basic_ok(self, authorization: str | None) -> bool:
        if not authorization or not authorization.lower().startswith("basic "):
            return False
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        return decoded == f"{self.client_id}:{self.client_secret}"
