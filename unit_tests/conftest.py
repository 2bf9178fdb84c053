"""Shared builders for unit tests: configs, and a `read`/`check` that build the source the way run.py does."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from airbyte_cdk.models import AirbyteStateMessage, SyncMode
from airbyte_cdk.sources.streams.http import rate_limiting
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read

from source_pinterest import SourcePinterest
from source_pinterest.components import reachability

API = "https://api.pinterest.com/v5/"
CLIENT_ID = "client-id-7f3a"
CLIENT_SECRET = "client-secret-9c1e"
REFRESH_TOKEN = "refresh-token-4b2d"
ACCESS_TOKEN = "access-token-61aa"


def oauth_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "credentials": {
            "auth_method": "oauth2.0",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
            "access_token": ACCESS_TOKEN,
            "token_expiry_date": "2099-01-01T00:00:00+00:00",
        },
        "start_date": "2026-10-01",
    }
    config.update(overrides)
    return config


def token_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"credentials": {"auth_method": "access_token", "access_token": ACCESS_TOKEN}}
    config.update(overrides)
    return config


def page(items: list[dict[str, Any]], bookmark: str | None = None) -> dict[str, Any]:
    return {"items": items, "bookmark": bookmark}


def serve_pages(requests_mock: Any, url: str, pages: list[list[dict[str, Any]]]) -> Any:
    """Serve `pages` by bookmark like the API does, whoever asks and however often."""

    def respond(request: Any, context: Any) -> dict[str, Any]:
        index = int(query(request).get("bookmark", ["0"])[0])
        return page(pages[index], str(index + 1) if index + 1 < len(pages) else None)

    return requests_mock.get(url, json=respond)


def read_streams(
    config: Mapping[str, Any],
    streams: Iterable[str],
    state: list[AirbyteStateMessage] | None = None,
    mode: SyncMode = SyncMode.incremental,
    expecting_exception: bool = False,
) -> EntrypointOutput:
    config = copy.deepcopy(dict(config))
    builder = CatalogBuilder()
    for name in streams:
        builder = builder.with_stream(name, mode)
    catalog = builder.build()
    source = SourcePinterest(catalog=catalog, config=config, state=state)
    return read(source, config, catalog, state, expecting_exception=expecting_exception)


def records_of(output: EntrypointOutput, stream: str | None = None) -> list[dict[str, Any]]:
    return [m.record.data for m in output.records if stream is None or m.record.stream == stream]


def final_state(output: EntrypointOutput, stream: str) -> dict[str, Any]:
    states = [
        m.state.stream.stream_state.__dict__
        for m in output.state_messages
        if m.state.stream.stream_descriptor.name == stream
    ]
    assert states, f"no state emitted for {stream}"
    return states[-1]


def query(request: Any) -> dict[str, list[str]]:
    """Query parameters of a recorded request, case preserved (requests-mock's `qs` lower-cases values)."""
    return parse_qs(urlparse(request.url).query)


@pytest.fixture
def config_file(tmp_path: Any):
    def write(config: Mapping[str, Any]) -> str:
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        return str(path)

    return write


@pytest.fixture(autouse=True)
def isolated_request_cache(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CDK caches parent listings in one process-wide in-memory DB by default; give each test its own."""
    monkeypatch.setenv("REQUEST_CACHE_PATH", str(tmp_path / "request_cache"))


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits pass at once on a clock of their own, so budgets are tested without sleeping: `[seconds]`."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    monkeypatch.setattr(reachability, "clock", lambda: now[0])
    monkeypatch.setattr(reachability, "sleep", sleep)
    monkeypatch.setattr(rate_limiting, "time", SimpleNamespace(sleep=sleep))  # the CDK's waits between retries
    return now
