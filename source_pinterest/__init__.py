from __future__ import annotations

from typing import Any

__all__ = ["SourcePinterest"]


def __getattr__(name: str) -> Any:  # imported on first use: `source-pinterest spec` never loads the CDK
    if name == "SourcePinterest":
        from source_pinterest.source import SourcePinterest

        return SourcePinterest
    raise AttributeError(name)
