"""`source-pinterest-token` end to end against the emulator's consent page and authorization_code grant: the consent
URL it prints, the redirect (loopback listener or pasted), the code exchange, and a config.json that `check` and
`read` then use."""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from integration_tests.cli import CLI, Run
from integration_tests.resume import configured_catalog
from pinterest_emulator import Emulator
from source_pinterest.facts import OAUTH_SCOPES

TOKEN_COMMAND = [sys.executable, "-m", "source_pinterest.token_command"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _token_command(emulator: Emulator, output: Path, *extra: str) -> Iterator[subprocess.Popen[str]]:
    args = ["--client-id", emulator.client_id, "--api-base-url", emulator.base_url]
    args += ["--consent-url", emulator.consent_url, "--output", str(output), *extra]
    env = {**os.environ, "PINTEREST_CLIENT_SECRET": emulator.client_secret}  # as a user would, not on argv
    process = subprocess.Popen(
        [*TOKEN_COMMAND, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _consent_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    return url


def _cli(*args: str) -> Run:
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return Run(messages, done.returncode, done.stderr)


def _secrets(emulator: Emulator) -> list[str]:
    return [
        emulator.client_secret,
        base64.b64encode(f"{emulator.client_id}:{emulator.client_secret}".encode()).decode(),
    ]


def test_the_listener_path_writes_a_0600_config_that_check_and_read_use(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        first_refresh_token = emulator.refresh_token
        redirect_uri = f"http://127.0.0.1:{_free_port()}/callback"
        output = tmp_path / "config.json"
        with _token_command(emulator, output, "--redirect-uri", redirect_uri, "--start-date", "2026-11-01") as process:
            url = _consent_url(process)
            query = parse_qs(urlsplit(url).query)
            assert url.startswith(emulator.consent_url + "?")
            assert query["response_type"] == ["code"] and query["redirect_uri"] == [redirect_uri]
            assert query["client_id"] == [emulator.client_id] and query["scope"] == [",".join(OAUTH_SCOPES)]
            landed = requests.get(url, timeout=30)  # the browser: consent page, then the loopback listener
            assert landed.status_code == 200 and "close this tab" in landed.text
            assert landed.url.startswith(redirect_uri + "?code=")
            out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert stat.S_IMODE(output.stat().st_mode) == 0o600
        written = json.loads(output.read_text())
        assert written == {
            "credentials": {
                "auth_method": "oauth2.0",
                "client_id": emulator.client_id,
                "client_secret": emulator.client_secret,
                "refresh_token": emulator.refresh_token,  # the one the code exchange issued
            },
            "start_date": "2026-11-01",
            "api_base_url": emulator.base_url,
        }
        assert written["credentials"]["refresh_token"] != first_refresh_token
        for secret in [*_secrets(emulator), written["credentials"]["refresh_token"]]:
            assert secret not in out + err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]  # no temp file left

        checked = _cli("check", "--config", str(output))
        statuses = [m["connectionStatus"]["status"] for m in checked.messages if m["type"] == "CONNECTION_STATUS"]
        assert statuses == ["SUCCEEDED"], checked.messages
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps(configured_catalog(written, ["ad_accounts", "campaigns"])))
        read = _cli("read", "--config", str(output), "--catalog", str(catalog))
        assert read.returncode == 0 and not read.errors, read.errors
        assert len(read.records["campaigns"]) == len(emulator.truth.entities("campaigns"))
        assert stat.S_IMODE(output.stat().st_mode) == 0o600  # the CLI's token write-back keeps the mode


def test_the_pasted_redirect_url_path_writes_the_config(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        output = tmp_path / "config.json"
        redirect_uri = "https://example.com/pinterest/callback"  # not loopback: nothing listens, the user pastes
        with _token_command(emulator, output, "--redirect-uri", redirect_uri) as process:
            consent = requests.get(_consent_url(process), allow_redirects=False, timeout=30)
            assert consent.status_code == 302
            landed = consent.headers["Location"]
            assert landed.startswith(redirect_uri + "?code=")
            out, err = process.communicate(landed + "\n", timeout=30)
        assert process.returncode == 0, err
        assert json.loads(output.read_text())["credentials"]["refresh_token"] == emulator.refresh_token
        assert stat.S_IMODE(output.stat().st_mode) == 0o600
        assert emulator.client_secret not in out + err


def test_a_refused_code_says_so_writes_nothing_and_shows_no_secret(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        output = tmp_path / "config.json"
        redirect_uri = "https://example.com/cb"
        with _token_command(emulator, output, "--redirect-uri", redirect_uri) as process:
            state = parse_qs(urlsplit(_consent_url(process)).query)["state"][0]
            pasted = f"{redirect_uri}?code=made-up-code&state={state}"
            out, err = process.communicate(pasted + "\n", timeout=30)
        assert process.returncode == 1
        assert "refused the authorization code (HTTP 401, code 283" in err and "run the command again" in err
        assert not output.exists() and list(tmp_path.iterdir()) == []
        for secret in _secrets(emulator):
            assert secret not in out + err


def test_a_redirect_for_another_consent_request_is_refused_before_any_exchange(tmp_path: Path) -> None:
    with Emulator(scenario="tiny") as emulator:
        output = tmp_path / "config.json"
        with _token_command(emulator, output, "--redirect-uri", "https://example.com/cb", "--paste") as process:
            _consent_url(process)
            _, err = process.communicate("https://example.com/cb?code=abc&state=someone-elses\n", timeout=30)
        assert process.returncode == 1 and "state does not match" in err
        assert "POST /oauth/token" not in emulator.request_counts() and not output.exists()


def test_an_existing_config_is_kept_without_force(tmp_path: Path) -> None:
    output = tmp_path / "config.json"
    output.write_text("{}")
    done = subprocess.run(
        [*TOKEN_COMMAND, "--client-id", "1", "--client-secret", "s", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "exists; pass --force" in done.stderr and done.stdout == ""
    assert output.read_text() == "{}"


def test_the_emulator_takes_a_code_once_and_only_with_its_redirect_uri() -> None:
    with Emulator(scenario="tiny") as emulator:
        auth = (emulator.client_id, emulator.client_secret)

        def code_for(redirect_uri: str) -> str:
            query = {"client_id": emulator.client_id, "redirect_uri": redirect_uri, "response_type": "code"}
            query |= {"scope": "ads:read,boards:read", "state": "s1"}
            consent = requests.get(emulator.consent_url, params=query, allow_redirects=False, timeout=30)
            assert consent.status_code == 302
            landed = parse_qs(urlsplit(consent.headers["Location"]).query)
            assert landed["state"] == ["s1"]
            return landed["code"][0]

        def exchange(code: str, redirect_uri: str) -> requests.Response:
            form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
            return requests.post(emulator.base_url + "oauth/token", data=form, auth=auth, timeout=30)

        code = code_for("https://a.example/cb")
        assert exchange(code, "https://b.example/cb").json() == {
            "code": 283,
            "message": "The authorization grant is invalid",
        }
        assert exchange(code, "https://a.example/cb").status_code == 401  # refused once: spent
        code = code_for("https://a.example/cb")
        granted = exchange(code, "https://a.example/cb")
        assert granted.status_code == 200 and granted.json()["scope"] == "ads:read,boards:read"
        assert granted.json()["refresh_token"] == emulator.refresh_token
        assert exchange(code, "https://a.example/cb").status_code == 401
        # The access token carries the granted scopes only; the refresh token then works (and rotates).
        bearer = {"Authorization": f"Bearer {granted.json()['access_token']}"}
        assert requests.get(emulator.base_url + "ad_accounts", headers=bearer, timeout=30).status_code == 200
        assert requests.get(emulator.base_url + "user_account", headers=bearer, timeout=30).status_code == 403
        form = {"grant_type": "refresh_token", "refresh_token": granted.json()["refresh_token"]}
        refreshed = requests.post(emulator.base_url + "oauth/token", data=form, auth=auth, timeout=30)
        assert refreshed.status_code == 200 and refreshed.json()["scope"] == "ads:read,boards:read"
