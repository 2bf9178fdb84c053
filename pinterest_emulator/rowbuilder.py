"""Compiled row builders: analytics rows have up to 175 columns and there can be 100,000 rows, so the per-column
work is generated once per column list as straight-line Python (no loop, no dispatch, each conversion count summed
once per row) instead of being interpreted for every row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .columns import ConversionColumn, FieldColumn, column

Fill = Callable[[dict[str, Any], Sequence[int], Sequence[int] | None, dict[str, Any]], bool]


@dataclass(frozen=True)
class RowBuilder:
    fill: Fill  # fill(row, counters, conversions, attributes) -> whether a metric is non-zero
    needs_attributes: bool
    has_metrics: bool


@lru_cache(maxsize=256)
def row_builder(names: tuple[str, ...]) -> RowBuilder:
    env: dict[str, Any] = {}
    counts: dict[tuple[int, ...], str] = {}
    body: list[str] = []
    needs_attributes = has_metrics = False
    for k, name in enumerate(names):
        col = column(name)
        fn = col.fn
        if col.attribute:
            needs_attributes = True
            expr = f"attrs.get({name!r})"
        elif fn is None:
            has_metrics = True
            continue  # valid but never has a value
        elif isinstance(fn, FieldColumn):
            expr = f"v[{fn.index}]"
        elif isinstance(fn, ConversionColumn):
            count = counts.setdefault(fn.count_idx, f"n{len(counts)}")
            env[f"count_{count}"], env[f"g{k}"] = fn.count, fn.inner
            expr = f"(g{k}(v, c, {count}) if {count} else None)"
        else:
            env[f"f{k}"] = fn
            expr = f"f{k}(v, c)"
        body.append(f"    x = {expr}")
        body.append("    if x is not None:")
        body.append(f"        row[{name!r}] = x")
        if not col.attribute:
            has_metrics = True
            body.append("        if x:")
            body.append("            measured = True")
    head = ["def fill(row, v, c, attrs):", "    measured = False"]
    if counts:
        head.append("    if c is None:")
        head.append("        " + " = ".join(counts.values()) + " = 0")
        head.append("    else:")
        head += [f"        {count} = count_{count}(c)" for count in counts.values()]
    source = "\n".join([*head, *body, "    return measured"])
    exec(compile(source, f"<row builder for {len(names)} columns>", "exec"), env)  # noqa: S102 - our own source
    return RowBuilder(env["fill"], needs_attributes, has_metrics)
