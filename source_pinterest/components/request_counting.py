"""Counting a read's HTTP requests and rate-budget waits into its SyncProgress, while the read runs (`tracking`).

Requests are counted where the CDK's HTTP client sends them (`HttpClient._send`, which knows the stream's name:
retries included, cached parent listings not), budget waits where the shared `api_budget` hands out calls. Both
hooks exist only inside `tracking`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airbyte_cdk.sources.streams.http.http_client import HttpClient

from source_pinterest.components import answers
from source_pinterest.components.progress import SyncProgress
from source_pinterest.components.rate_categories import category


@contextmanager
def tracking(progress: SyncProgress, budget: Any = None) -> Iterator[SyncProgress]:
    """Count requests (and budget waits, when `budget` is the source's api_budget) into `progress` meanwhile."""
    original_send = HttpClient._send
    original_acquire = getattr(budget, "acquire_call", None)

    def send(client: HttpClient, request: Any, *args: Any, **kwargs: Any) -> Any:
        progress.sending.stream = client.name
        answers.judge_before_caching(request)  # a parent listing's 200 that is not an answer is never cached
        try:
            response = original_send(client, request, *args, **kwargs)
        except BaseException:  # an attempt that failed (retried or not) was still sent
            progress.request(client.name)
            raise
        if not getattr(response, "from_cache", False):  # cached parent listings never reach Pinterest
            progress.request(client.name)
        return response

    def acquire_call(request: Any, *args: Any, **kwargs: Any) -> Any:
        began = progress.clock()
        stream = getattr(progress.sending, "stream", "")
        category_name = category(str(getattr(request, "path_url", "")).split("?")[0])
        if stream:
            progress.holding(stream, category_name, +1)
        try:
            return original_acquire(request, *args, **kwargs)  # type: ignore[misc]
        finally:
            waited = progress.clock() - began
            if stream:
                progress.holding(stream, category_name, -1)
                if waited > 0.001:
                    progress.waited(stream, category_name, waited)

    HttpClient._send = send  # type: ignore[method-assign]
    if original_acquire is not None:
        budget.acquire_call = acquire_call
    try:
        yield progress
    finally:
        HttpClient._send = original_send  # type: ignore[method-assign]
        if original_acquire is not None:
            del budget.acquire_call  # the class's method again
