"""The public face: `Emulator` builds a world, serves it on 127.0.0.1, moves its clock and injects faults."""

from __future__ import annotations

from datetime import date
from typing import Any

from .api import Api
from .evolve import advance
from .faults import KINDS
from .generate import build_world
from .scenarios import SCENARIOS, Scenario
from .server import HttpServer
from .truth import Truth

DEFAULT_TODAY = date(2026, 11, 22)


class Emulator:
    """A stateful Pinterest API v5 on a free local port.

    >>> with Emulator("tiny") as emu:
    ...     requests.get(emu.base_url + "ad_accounts", headers={"Authorization": f"Bearer {emu.access_token}"})
    """

    def __init__(
        self, scenario: str | Scenario = "small", today: date = DEFAULT_TODAY, seed: int = 7, latency_ms: float = 0
    ) -> None:
        self.scenario = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
        self.seed = seed
        self.world = build_world(self.scenario, seed, today)
        self.api = Api(self.world, self.scenario, seed, latency_ms)
        self.truth = Truth(self.world, self.scenario.token_scopes)
        self._server: HttpServer | None = None

    # ------------------------------------------------------------------------------------------------ lifecycle
    def start(self, port: int = 0) -> Emulator:
        if self._server is None:
            self._server = HttpServer(self.api, port)
            self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------------ access
    @property
    def base_url(self) -> str:
        """'http://127.0.0.1:PORT/v5/' (with the trailing slash)."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return f"{self.api.origin}/v5/"

    @property
    def consent_url(self) -> str:
        """'http://127.0.0.1:PORT/oauth/': the stand-in for https://www.pinterest.com/oauth/ (approves at once)."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return f"{self.api.origin}/oauth/"

    @property
    def client_id(self) -> str:
        return self.api.tokens.client_id

    @property
    def client_secret(self) -> str:
        return self.api.tokens.client_secret

    @property
    def refresh_token(self) -> str:
        """The refresh token valid now (each refresh rotates it)."""
        return self.api.tokens.refresh_token

    @property
    def access_token(self) -> str:
        """A valid access token carrying the scenario's scopes."""
        return self.api.tokens.access_token

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        """A source-pinterest config (OAuth2.0) pointing at this emulator."""
        config: dict[str, Any] = {
            "credentials": {
                "auth_method": "oauth2.0",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "refresh_token": self.refresh_token,
            },
            "api_base_url": self.base_url,
        }
        config.update(overrides)
        return config

    # ------------------------------------------------------------------------------------------------ time
    @property
    def today(self) -> date:
        return self.world.today

    def advance(self, days: int = 1) -> None:
        """Move the clock forward: entities change and appear, analytics gain days and late conversions."""
        advance(self.world, days)

    @property
    def latency_ms(self) -> float:
        return self.api.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self.api.latency_ms = value

    # ------------------------------------------------------------------------------------------------ faults, limits
    def inject(self, kind: str, path: str = ".*", count: int | None = 1, **opts: Any) -> None:
        """Arm a fault (see faults.py) for the next `count` requests whose path matches the regex `path` (None: all)."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(KINDS)}")
        if kind == "expire_token":
            self.api.tokens.expire_all()
            return
        self.api.faults.add(kind, path, count, opts)

    def clear_faults(self) -> None:
        self.api.faults.clear()

    @property
    def rate_limits_enforced(self) -> bool:
        return self.api.limiter.enforced

    @rate_limits_enforced.setter
    def rate_limits_enforced(self, value: bool) -> None:
        self.api.limiter.enforced = value

    def set_rate_limit(self, category: str, limit: int, window_seconds: float = 60.0) -> None:
        self.api.limiter.set_limit(category, limit, window_seconds)

    # ------------------------------------------------------------------------------------------------ observation
    def request_counts(self) -> dict[str, int]:
        """Requests received, by 'METHOD /template' (e.g. 'GET /ad_accounts/{ad_account_id}/campaigns')."""
        return dict(self.api.counts)

    def reset_counts(self) -> None:
        self.api.counts.clear()
        self.api.log.clear()

    @property
    def requests_log(self) -> list[tuple[str, str, dict[str, list[str]]]]:
        """(method, path, query) of every request received, query values as lists."""
        return list(self.api.log)
