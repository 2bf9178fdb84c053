"""How an ads or targeting analytics row takes the stream's shape, whether it came from a sync endpoint or a report
(`AnalyticsRow`), and the rule every row with key columns follows, report streams' too (`string_keys`). Organic rows
are built whole by `organic.DailyMetricsExtractor`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any

from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

from source_pinterest.facts import DATE_CURSOR, LEVELS


def string_keys(row: MutableMapping[str, Any], columns: Iterable[str]) -> None:
    """Key columns as strings, one JSON type per key: report files and LOCATION targeting rows give numbers."""
    for column in columns:
        value = row.get(column)
        if value is not None and type(value) is not str:
            row[column] = str(value)


@dataclass
class AnalyticsRow(RecordTransformation):
    """Shapes a response row into the stream's schema.

    Targeting rows nest their metrics and name their dimension in lower case; they are flattened and the dimension
    becomes `TARGETING_TYPE` / `TARGETING_VALUE` (a string: LOCATION values come back as numbers). Every configured
    column is present (null when Pinterest left it out of a sparse row), and TOTAL rows, which have no `DATE`, are
    dated with the first day they total.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.level: str = parameters["level"]
        # Looked up once: this runs for every row (benchmarks/report.md, per-record profile).
        self._keys = ("TARGETING_VALUE", LEVELS[self.level].id_column)
        self._columns = frozenset(self.config.get("analytics_columns") or ())

    def transform(
        self,
        record: MutableMapping[str, Any],
        config: Config | None = None,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> None:
        metrics = record.pop("metrics", None)
        if metrics is not None:
            record["TARGETING_TYPE"] = record.pop("targeting_type", None)
            record["TARGETING_VALUE"] = record.pop("targeting_value", None)
            record.update(metrics)
        string_keys(record, self._keys)
        if not record.get(DATE_CURSOR) and stream_slice is not None:
            record[DATE_CURSOR] = stream_slice.extra_fields.get("start_date")
        if not record.keys() >= self._columns:  # a sparse row: the missing columns become null
            for column in self._columns - record.keys():
                record[column] = None
