"""Serialise Python AST construction across threads on CPython versions where it is not thread-safe.

CPython 3.11.0-3.11.7 (and 3.12.0) keep the AST constructor's recursion counter in interpreter-wide state
(gh-106905). When two threads build ASTs at once - the CDK's Jinja interpolation calls `ast.literal_eval` on
every evaluated template, from every worker of a concurrent read - one thread can see the other's counter
and fail with `SystemError: AST constructor recursion depth mismatch`, killing a stream at random.
`ast.literal_eval` goes through `ast.parse`, so one lock around `ast.parse` covers every caller.
"""

from __future__ import annotations

import ast
import sys
import threading
from typing import Any

_LOCK = threading.Lock()
_original_parse = ast.parse


def affected(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> bool:
    """Whether this interpreter has the shared AST recursion counter (fixed in 3.11.8 and 3.12.1)."""
    return (3, 11, 0) <= version < (3, 11, 8) or version == (3, 12, 0)


def _serialised_parse(*args: Any, **kwargs: Any) -> Any:
    with _LOCK:
        return _original_parse(*args, **kwargs)


def install() -> bool:
    """Guard `ast.parse` with a process-wide lock when needed; idempotent. Returns whether the guard is active."""
    if affected() and ast.parse is _original_parse:
        ast.parse = _serialised_parse
    return ast.parse is _serialised_parse
