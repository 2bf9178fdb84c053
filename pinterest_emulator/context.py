"""What a request handler gets, and lookups shared by the handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .auth import AccessToken
from .faults import FaultBox
from .paging import Pager
from .params import ApiError, Params, path_id
from .scenarios import Scenario
from .world import World


class ReportJobs(Protocol):
    """The report store as the handlers use it (reports.ReportStore, which imports the handlers' modules)."""

    def create(self, world: World, account_id: str, body: bytes) -> dict[str, Any]: ...

    def poll(self, account_id: str, token: str, origin: str, fault: str | None) -> dict[str, Any]: ...


@dataclass
class Ctx:
    """What a handler may use of the Api that calls it, passed in so that no handler imports the Api."""

    scenario: Scenario
    pager: Pager
    faults: FaultBox
    reports: ReportJobs
    origin: str  # scheme://host:port of the running server
    world: World
    path: str
    params: Params
    path_params: dict[str, str]
    token: AccessToken | None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def account(self) -> str:
        """The path's ad account; 404 unless the user owns it or it is shared with them."""
        account_id = path_id(self.path_params["ad_account_id"], "ad_account_id")
        if account_id not in self.world.ad_accounts or account_id in self.world.unshared_accounts:
            raise ApiError(404, 2, "AdAccount not found.")
        return account_id

    def can_see_secret(self) -> bool:
        return self.token is not None and "boards:read_secret" in self.token.scopes

    def board(self) -> dict[str, Any]:
        board_id = path_id(self.path_params["board_id"], "board_id")
        board = self.world.boards.get(board_id)
        if board is None or (board["privacy"] == "SECRET" and not self.can_see_secret()):
            raise ApiError(404, 40, "Board not found.")
        return board
