"""Report files: fetched from their presigned link with the timeouts of every API request, each failed attempt
described without the link's query string, which is a credential (X-Amz-Signature, X-Amz-Credential,
X-Amz-Security-Token).

The runner (runner.py) decides what a failure means for its job: a dead link (403, 404, 410) is replaced at once by
polling the job again, any other failure (5xx, 429, a dropped connection, a read timeout, a stalled or short body)
after a wait, with a fresh link too, both within DOWNLOAD_RETRIES.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import requests
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets

# None: the download requester's read timeout (the manifest's, the same as every API request's). Read at call time,
# so that tests can shrink it, like reachability.UNREACHABLE_SECONDS.
READ_TIMEOUT_SECONDS: float | None = None
DOWNLOAD_RETRIES = 5  # failed attempts at one job's file after the first, each with a fresh link
RETRY_WAIT_SECONDS = 2.0  # before the first retry of a transient failure; doubling, at most MAX_RETRY_WAIT_SECONDS
MAX_RETRY_WAIT_SECONDS = 60.0
DEAD_LINK = frozenset({403, 404, 410})  # expired, or signed for a file that is gone: only a fresh link helps
_CHUNK = 1 << 16
_SECRET_NAME = re.compile(r"signature|credential|token|key|secret|password", re.IGNORECASE)
_STORAGE_ERROR = re.compile(r"<(Code|Message)>([^<]{1,200})</\1>")


class DownloadFailed(Exception):
    """One failed attempt at a report file. `reason` holds no part of the link's query."""

    def __init__(self, reason: str, dead_link: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.dead_link = reason, dead_link


def public_url(url: str) -> str:
    """`url` without its query, fragment and user info: all a message may show of a file link."""
    parts = urlsplit(url)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else parts.path


def scrub(text: str, url: str) -> str:
    """`text` without `url`'s query string or any of its values, however quoted (requests' errors name the URL)."""
    query = urlsplit(url).query
    if not query:
        return text
    for form in sorted({query, unquote(query)}, key=len, reverse=True):
        text = text.replace("?" + form, "").replace(form, "****")
    for _, value in parse_qsl(query, keep_blank_values=True):
        if len(value) >= 8:  # short values ("host", "300") say nothing, and masking them would garble the text
            for form in sorted({value, quote(value, safe=""), quote(value)}, key=len, reverse=True):
                text = text.replace(form, "****")
    return text


def hide_link_secrets(url: str) -> None:
    """Make the CDK mask the link's secret values in every log line and trace, whoever prints them."""
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if _SECRET_NAME.search(name) and len(value) >= 8:
            add_to_secrets(value)


def retry_wait(failures: int) -> float:
    return float(min(RETRY_WAIT_SECONDS * 2 ** (failures - 1), MAX_RETRY_WAIT_SECONDS))


class Downloader:
    """GETs report files with the download requester's connect and read timeouts and no credential of ours (the
    link carries its own; storage rejects a second one). Thread-safe: one per runner."""

    def __init__(self, requester: Any, sent: Callable[[], None] = lambda: None) -> None:
        """`sent` is called once per GET sent, answered or not (the read's progress counts it)."""
        connect = getattr(requester, "connect_timeout_in_seconds", None)
        read = getattr(requester, "read_timeout_in_seconds", None)
        if connect is None or read is None:  # without them a silent file host holds a job slot for ever
            raise ValueError(
                "the report download requester needs connect_timeout_in_seconds and read_timeout_in_seconds"
            )
        self._connect, self._read = float(connect), float(read)
        self._session = requests.Session()
        self._sent = sent

    def timeouts(self) -> tuple[float, float]:
        """(connect, read) in seconds; the read timeout bounds every wait for the next bytes, so a stall too."""
        return self._connect, self._read if READ_TIMEOUT_SECONDS is None else float(READ_TIMEOUT_SECONDS)

    def fetch(self, url: str, size: Any) -> IO[bytes]:
        """The file at `url` spooled to disk (positioned at the start); raises DownloadFailed."""
        hide_link_secrets(url)
        file = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
        try:
            self._fetch_into(file, url, size)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        return file

    def _fetch_into(self, file: IO[bytes], url: str, size: Any) -> None:
        connect, read = self.timeouts()
        written = 0
        self._sent()
        try:
            with self._session.get(url, stream=True, timeout=(connect, read)) as response:
                if response.status_code != 200:
                    said = _storage_error(response, url)
                    raise DownloadFailed(
                        f"HTTP {response.status_code}{f' ({said})' if said else ''}",
                        dead_link=response.status_code in DEAD_LINK,
                    )
                for chunk in response.iter_content(chunk_size=_CHUNK):
                    file.write(chunk)
                    written += len(chunk)
        except requests.RequestException as error:
            raise DownloadFailed(_describe(error, url, connect, read)) from None  # its text names the whole URL
        if isinstance(size, (int, float)) and size and written != int(size):
            raise DownloadFailed(f"the file was cut short: {written} of the {int(size)} bytes Pinterest announced")


def _describe(error: requests.RequestException, url: str, connect: float, read: float) -> str:
    text = str(error)
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return f"no connection within {connect:g} s"
    if isinstance(error, requests.exceptions.ReadTimeout) or "Read timed out" in text:
        return f"the file host sent nothing for {read:g} s (read timeout)"
    return f"{type(error).__name__}: {scrub(text, url)[:300]}"


def _storage_error(response: requests.Response, url: str) -> str:
    """The storage's own error code and message (S3 XML), never the rest: its body may echo the signature."""
    try:
        head = next(response.iter_content(chunk_size=2048), b"").decode("utf-8", "replace")
    except requests.RequestException:
        return ""
    found = dict(_STORAGE_ERROR.findall(head))
    return scrub(": ".join(v for v in (found.get("Code"), found.get("Message")) if v), url)
