"""Async report jobs: POST creates one (the file is computed at once, from the data as they are then), GET polls.

A job answers IN_PROGRESS for `report_polls` polls, then FINISHED with a download URL on the emulator itself
(`/downloads/<token>.json|csv?X-Amz-Algorithm=..&X-Amz-Credential=..&X-Amz-Date=..&X-Amz-Expires=..&
X-Amz-SignedHeaders=host&X-Amz-Security-Token=..&X-Amz-Signature=..`, shaped like a presigned S3 link, whose query
is a credential) that works for `report_link_ttl_seconds` of wall time; every FINISHED poll hands out a fresh
link. After `report_ttl_seconds` the job is EXPIRED. Faults can turn a job FAILED, EXPIRED or CANCELLED.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .factories import token_hex
from .report_files import render
from .report_request import parse_report_request, refuse_closed_betas
from .scenarios import Scenario
from .world import World

FAULT_STATUS = {"report_failed": "FAILED", "report_expired": "EXPIRED", "report_cancelled": "CANCELLED"}
_S3_ERROR = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'


@dataclass
class Job:
    token: str
    account_id: str
    ext: str
    compressed: bytes  # a file is kept for the emulator's lifetime: zlib keeps 90 days of large-scenario reports small
    size: int
    polls_left: int
    status: str = "IN_PROGRESS"
    finished_at: float | None = None


class ReportStore:
    def __init__(self, seed: int, scenario: Scenario) -> None:
        self._seed = seed
        self._secret = token_hex(seed, "report-signing")
        self._key_id = "ASIA" + token_hex(seed, "report-key-id", length=16).upper()
        self._session_token = token_hex(seed, "report-session-token", length=64)
        self._jobs: dict[str, Job] = {}
        self._links: dict[str, tuple[str, float]] = {}  # X-Amz-Signature -> (job token, expiry, wall clock)
        self._lock = threading.Lock()
        self.polls = scenario.report_polls
        self.link_ttl = scenario.report_link_ttl_seconds
        self.ttl = scenario.report_ttl_seconds
        self.scenario = scenario

    def create(self, world: World, account_id: str, body: bytes) -> dict[str, Any]:
        spec = parse_report_request(body, world.today)
        accounts = world.ad_accounts
        refuse_closed_betas(
            spec,
            targeting_open=self.scenario.beta_open("targeting", accounts, account_id),
            zone_open=self.scenario.beta_open("reporting_timezone", accounts, account_id),
        )
        payload = render(world, account_id, spec)
        with self._lock:
            token = token_hex(self._seed, "report", len(self._jobs), time.time_ns(), length=32)
            ext = spec.report_format.lower()
            self._jobs[token] = Job(token, account_id, ext, zlib.compress(payload, 1), len(payload), self.polls)
        return {"token": token, "report_status": "IN_PROGRESS", "message": None}

    def poll(self, account_id: str, token: str, origin: str, fault: str | None) -> dict[str, Any]:
        with self._lock:
            job = self._jobs.get(token)
            if job is None or job.account_id != account_id:
                return {"report_status": "DOES_NOT_EXIST", "url": None, "size": None}
            if fault:
                job.status = FAULT_STATUS[fault]
            if job.status == "IN_PROGRESS":
                if job.polls_left > 0:
                    job.polls_left -= 1
                else:
                    job.status, job.finished_at = "FINISHED", time.time()
            if job.status == "FINISHED" and job.finished_at and time.time() > job.finished_at + self.ttl:
                job.status = "EXPIRED"
            if job.status != "FINISHED":
                return {"report_status": job.status, "url": None, "size": None}
            url = f"{origin}/downloads/{token}.{job.ext}?{self._presign(token)}"
            return {"report_status": "FINISHED", "url": url, "size": job.size}

    def _presign(self, token: str) -> str:
        """The query of a fresh link to job `token`'s file (the caller holds the lock)."""
        now = time.time()
        signature = hashlib.sha256(f"{self._secret}|{token}|{time.time_ns()}|{len(self._links)}".encode()).hexdigest()
        self._links[signature] = (token, now + self.link_ttl)
        day = time.strftime("%Y%m%d", time.gmtime(now))
        return urlencode(
            {
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Credential": f"{self._key_id}/{day}/us-east-1/s3/aws4_request",
                "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)),
                "X-Amz-Expires": str(max(1, math.ceil(self.link_ttl))),
                "X-Amz-SignedHeaders": "host",
                "X-Amz-Security-Token": self._session_token,
                "X-Amz-Signature": signature,
            }
        )

    def download(self, name: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        """(status, body, content type) for GET /downloads/<name>."""
        token, _, ext = name.partition(".")
        job = self._jobs.get(token)
        if job is None or job.ext != ext or job.status != "FINISHED":
            return (
                404,
                _S3_ERROR.format(code="NoSuchKey", message="The specified key does not exist.").encode(),
                "application/xml",
            )
        with self._lock:
            signed_for, expires = self._links.get((query.get("X-Amz-Signature") or [""])[-1], ("", 0.0))
        credential = (query.get("X-Amz-Credential") or [""])[-1]
        if signed_for != token or not credential.startswith(self._key_id + "/"):
            return (
                403,
                _S3_ERROR.format(code="SignatureDoesNotMatch", message="Invalid signature.").encode(),
                "application/xml",
            )
        if time.time() > expires:
            return 403, _S3_ERROR.format(code="AccessDenied", message="Request has expired").encode(), "application/xml"
        return 200, zlib.decompress(job.compressed), "application/json" if ext == "json" else "text/csv"
