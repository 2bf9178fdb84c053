"""`source-pinterest-token`: get a refresh token through Pinterest's consent page and write config.json.

It prints the consent URL, takes the redirect (a loopback listener on the redirect URI's port, or the pasted redirect
URL or code), checks `state`, exchanges the code at POST {api}/oauth/token (HTTP Basic app id:secret, as the spec's
`security: basic` says) and writes the config with mode 0600. The client secret and the tokens are never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import secrets
import sys
import tempfile
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from .components.answers import pinterest_error
from .facts import CONSENT_URL, OAUTH_SCOPES, PRODUCTION_URL

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class TokenError(Exception):
    """A failure the user can act on; the message says how."""


def consent_url(base: str, client_id: str, redirect_uri: str, scopes: list[str], state: str) -> str:
    query = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code"}
    query |= {"scope": ",".join(scopes), "state": state}
    return base + ("&" if "?" in base else "?") + urlencode(query)


def code_from_redirect(answer: str, state: str) -> str:
    """The code in a redirect URL (its `state` must be ours) or a bare pasted code."""
    answer = answer.strip()
    if "?" not in answer and "=" not in answer:
        if not answer:
            raise TokenError("nothing was pasted: paste the whole URL your browser was sent to, or its code")
        return answer  # a bare code the user copied from their own browser
    query = parse_qs(urlsplit(answer).query or answer)
    if "error" in query:
        reason = query.get("error_description", query["error"])[-1]
        raise TokenError(f"the consent was not given ({query['error'][-1]}: {reason}); run the command again")
    if (query.get("state") or [""])[-1] != state:
        raise TokenError("the redirect's state does not match this run's: it answers another consent request")
    code = (query.get("code") or [""])[-1]
    if not code:
        raise TokenError("the redirect carries no code")
    return code


def listen_for_redirect(redirect_uri: str, state: str, timeout: float, announce: Any) -> str:
    """Serve the redirect URI's port on loopback until the browser arrives with our state (or the time is up)."""
    parts = urlsplit(redirect_uri)
    path = parts.path or "/"
    found: list[str] = []
    failure: list[TokenError] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            here = urlsplit(self.path)
            if here.path != path:
                self.send_error(404)
                return
            try:
                found.append(code_from_redirect(self.path, state))
                text, status = "Pinterest sent the code; you can close this tab.", 200
            except TokenError as error:
                failure.append(error)
                text, status = f"source-pinterest-token: {error}", 400
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the query holds the code
            pass

    host = "::1" if parts.hostname == "::1" else "127.0.0.1"
    try:
        server = HTTPServer((host, parts.port or 80), Handler)
    except OSError as error:
        raise TokenError(f"cannot listen on {host}:{parts.port or 80} ({error.strerror}); use --paste") from error
    with server:
        announce()  # only now: the browser may come back at once
        server.timeout = 0.5
        deadline = time.monotonic() + timeout
        while not found and not failure:
            if time.monotonic() > deadline:
                raise TokenError(f"no redirect reached {redirect_uri} within {timeout:.0f} s; run again or use --paste")
            server.handle_request()
    if failure:
        raise failure[0]
    return found[0]


def exchange_code(api_base: str, client_id: str, secret: str, code: str, redirect_uri: str) -> dict[str, Any]:
    url = api_base.rstrip("/") + "/oauth/token"
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    form["continuous_refresh"] = "true"  # apps created before 2025-09-25 otherwise get legacy tokens (spec text)
    try:
        answer = requests.post(url, data=form, auth=(client_id, secret), timeout=30)
    except requests.RequestException as error:
        raise TokenError(f"cannot reach {url} ({type(error).__name__}); check the network and --api-base-url") from None
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if answer.status_code != 200 or not isinstance(body, dict) or not body.get("refresh_token"):
        error = pinterest_error(answer)
        said = (error.message or answer.text[:200]).replace(secret, "***").replace(code, "***")
        code_no = f", code {error.code}" if error.code is not None else ""
        raise TokenError(
            f"Pinterest refused the authorization code (HTTP {answer.status_code}{code_no}: {said}). A code works "
            f"once, for a few minutes, and only with the redirect URI it was issued for ({redirect_uri}): run the "
            "command again for a new one. If Pinterest says authentication failed, check the app id and secret."
        )
    return body


def build_config(client_id: str, secret: str, refresh_token: str, start: str | None, api_base: str) -> dict[str, Any]:
    credentials = {"auth_method": "oauth2.0", "client_id": client_id, "client_secret": secret}
    config: dict[str, Any] = {"credentials": {**credentials, "refresh_token": refresh_token}}
    if start:
        config["start_date"] = start
    if api_base.rstrip("/") != PRODUCTION_URL.rstrip("/"):
        config["api_base_url"] = api_base
    return config


def write_config(path: Path, config: dict[str, Any], force: bool) -> None:
    """Write atomically with mode 0600; an existing file is replaced only with force."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(config, out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        if force:
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)  # fails if the file appeared meanwhile: never overwrite
            except FileExistsError:
                raise TokenError(f"{path} exists; pass --force to replace it") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="source-pinterest-token", description=__doc__.splitlines()[0])
    parser.add_argument("--client-id", help="your app's id (default: $PINTEREST_CLIENT_ID, else asked)")
    parser.add_argument(
        "--client-secret", help="your app's secret key (default: $PINTEREST_CLIENT_SECRET, else asked, not echoed)"
    )
    parser.add_argument("--redirect-uri", default="http://localhost:8085/", help="as registered in the app")
    parser.add_argument("--scopes", default=",".join(OAUTH_SCOPES), help="comma-separated (default: %(default)s)")
    parser.add_argument("--start-date", help="YYYY-MM-DD, written as start_date")
    parser.add_argument("--output", type=Path, default=Path("config.json"), help="default: %(default)s")
    parser.add_argument("--force", action="store_true", help="replace an existing output file")
    parser.add_argument("--paste", action="store_true", help="paste the redirect URL (or code) instead of listening")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds the listener waits (%(default)s)")
    parser.add_argument("--api-base-url", default=PRODUCTION_URL, help="default: %(default)s")
    parser.add_argument("--consent-url", default=CONSENT_URL, help="default: %(default)s")
    return parser


def obtain_config(args: argparse.Namespace) -> None:
    output: Path = args.output.expanduser().resolve()
    if output.exists() and not args.force:
        raise TokenError(f"{output} exists; pass --force to replace it")
    if not output.parent.is_dir():
        raise TokenError(f"{output.parent} is not a directory")
    if args.start_date:
        try:
            date.fromisoformat(args.start_date)
        except ValueError:
            raise TokenError(f"--start-date {args.start_date!r} is not YYYY-MM-DD") from None
    redirect = urlsplit(args.redirect_uri)
    if redirect.scheme not in ("http", "https") or not redirect.netloc:
        raise TokenError(f"--redirect-uri {args.redirect_uri!r} is not an http(s) URL")
    listen = not args.paste and redirect.scheme == "http" and redirect.netloc.rsplit(":", 1)[0] in LOOPBACK_HOSTS
    client_id = (args.client_id or os.environ.get("PINTEREST_CLIENT_ID") or input("App id (client id): ")).strip()
    secret = args.client_secret or os.environ.get("PINTEREST_CLIENT_SECRET") or getpass.getpass("App secret key: ")
    secret = secret.strip()
    if not client_id or not secret:
        raise TokenError("the app id and secret key are both needed (developers.pinterest.com, My apps)")
    scopes = [scope.strip() for scope in args.scopes.split(",") if scope.strip()]
    state = secrets.token_urlsafe(24)
    url = consent_url(args.consent_url, client_id, args.redirect_uri, scopes, state)

    def announce() -> None:
        print("Open this URL in a browser signed in to the Pinterest account to sync, and approve:", file=sys.stderr)
        print(url, flush=True)
        where = f"Waiting for the redirect to {args.redirect_uri}" if listen else "Then paste the URL you land on"
        print(f"{where} ...", file=sys.stderr, flush=True)

    if listen:
        code = listen_for_redirect(args.redirect_uri, state, args.timeout, announce)
    else:
        announce()
        code = code_from_redirect(input("Redirect URL or code: "), state)
    answer = exchange_code(args.api_base_url, client_id, secret, code, args.redirect_uri)
    missing = sorted(set(scopes) - set(str(answer.get("scope", "")).replace(",", " ").split()))
    if missing and answer.get("scope"):
        print(f"warning: Pinterest did not grant {', '.join(missing)}; streams needing them fail", file=sys.stderr)
    write_config(
        output, build_config(client_id, secret, answer["refresh_token"], args.start_date, args.api_base_url), args.force
    )
    print(f"Wrote {output} (mode 0600). Next: source-pinterest check --config {output}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    try:
        obtain_config(_parser().parse_args(argv))
    except TokenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("\nerror: interrupted; nothing was written", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
