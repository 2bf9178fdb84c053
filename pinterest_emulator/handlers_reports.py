"""Async report endpoints (the file download itself is served by api.py: it needs no token)."""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .faults import REPORT_KINDS


def create_report(ctx: Ctx) -> Any:
    return ctx.reports.create(ctx.world, ctx.account(), ctx.body)


def get_report(ctx: Ctx) -> Any:
    account = ctx.account()
    token = ctx.params.required("token")
    fault = ctx.faults.take(ctx.path, REPORT_KINDS)
    return ctx.reports.poll(account, token, ctx.origin, fault.kind if fault else None)
