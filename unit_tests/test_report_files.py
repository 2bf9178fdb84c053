"""Report file parsers: streamed JSON (any chunk boundary), CSV typing, and clear errors on malformed files."""

from __future__ import annotations

import io
import json

import pytest

from source_pinterest.components.reports import files
from source_pinterest.components.reports.files import ReportFileError, iter_csv_rows, iter_json_rows
from source_pinterest.components.reports.report_columns import column_types

ROWS = {
    "2680060001289": [
        {"AD_GROUP_ID": "2680060001289", "DATE": "2026-08-11", "SPEND_IN_DOLLAR": 2.351013, "CLICKTHROUGH_1": 12345},
        {"AD_GROUP_ID": "2680060001289", "DATE": "2026-08-12", "TARGETING_VALUE": 500, "NAME": 'a "quoted" ,}]'},
    ],
    "2680060001290": [],
    "2680060001291": [{"AD_GROUP_ID": "2680060001291", "DATE": "2026-08-11", "CTR": 1e-05}],
}


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1 << 16])
def test_json_rows_are_the_same_whatever_the_read_chunk(monkeypatch, chunk: int) -> None:
    monkeypatch.setattr(files, "_CHUNK", chunk)
    text = json.dumps(ROWS, indent=1)
    rows = list(iter_json_rows(io.StringIO(text), "AD_GROUP_ID"))
    assert rows == [row for group in ROWS.values() for row in group]


def test_json_rows_get_their_key_when_the_file_leaves_it_out() -> None:
    by_id = '{"111": [{"DATE": "2026-01-01", "IMPRESSION_1": 3}]}'
    by_date = '{"2026-01-02": [{"CAMPAIGN_ID": "111", "IMPRESSION_1": 4}], "TOTAL": [{"CAMPAIGN_ID": "112"}]}'
    assert list(iter_json_rows(io.StringIO(by_id), "CAMPAIGN_ID")) == [
        {"DATE": "2026-01-01", "IMPRESSION_1": 3, "CAMPAIGN_ID": "111"}
    ]
    assert list(iter_json_rows(io.StringIO(by_date), "CAMPAIGN_ID")) == [
        {"CAMPAIGN_ID": "111", "IMPRESSION_1": 4, "DATE": "2026-01-02"},
        {"CAMPAIGN_ID": "112"},
    ]


@pytest.mark.parametrize("text", ["", "{}", "  {  }  "])
def test_empty_json_reports_have_no_rows(text: str) -> None:
    assert list(iter_json_rows(io.StringIO(text), "CAMPAIGN_ID")) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[1, 2]", "expected one of '{'"),
        ('{"111": {"DATE": "x"}}', "expected one of '['"),
        ('{"111": [1]}', "are not objects"),
        ('{"111": [{"DATE": "2026-01-01"}', "expected one of ',]'"),
        ('{"111": [{"DATE": "2026-01-01"], "x"', "invalid JSON"),
        ('{"111": []} trailing', "unexpected data"),
        ("<Error><Code>AccessDenied</Code></Error>", "expected one of '{'"),
    ],
)
def test_malformed_json_raises_a_report_file_error(text: str, problem: str) -> None:
    with pytest.raises(ReportFileError, match=problem.replace("[", r"\[").replace("{", r"\{")):
        list(iter_json_rows(io.StringIO(text), "CAMPAIGN_ID"))


def test_csv_cells_are_typed_from_the_openapi_column_types() -> None:
    text = (
        "DATE,AD_GROUP_ID,TARGETING_TYPE,TARGETING_VALUE,AD_GROUP_NAME,SPEND_IN_DOLLAR,CLICKTHROUGH_1,"
        "CAMPAIGN_BUDGET_OPTIMIZATION\n"
        '2026-08-11,2680060001289,LOCATION,500,"Spring, sale",2.5,0,true\n'
        "2026-08-12,2680060001289,APPTYPE,web,,0,7,\n"
    )
    assert list(iter_csv_rows(io.StringIO(text), column_types())) == [
        {
            "DATE": "2026-08-11",
            "AD_GROUP_ID": "2680060001289",
            "TARGETING_TYPE": "LOCATION",
            "TARGETING_VALUE": "500",
            "AD_GROUP_NAME": "Spring, sale",
            "SPEND_IN_DOLLAR": 2.5,
            "CLICKTHROUGH_1": 0,
            "CAMPAIGN_BUDGET_OPTIMIZATION": True,
        },
        {
            "DATE": "2026-08-12",
            "AD_GROUP_ID": "2680060001289",
            "TARGETING_TYPE": "APPTYPE",
            "TARGETING_VALUE": "web",
            "AD_GROUP_NAME": None,
            "SPEND_IN_DOLLAR": 0,
            "CLICKTHROUGH_1": 7,
            "CAMPAIGN_BUDGET_OPTIMIZATION": None,
        },
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("DATE,SPEND_IN_DOLLAR\n2026-01-01,1,2\n", "line 2 has 3 cells"),
        ("DATE,SPEND_IN_DOLLAR\n2026-01-01,lots\n", "line 2"),
        ('{"111": []}\n', "not a column header"),
    ],
)
def test_malformed_csv_raises_a_report_file_error(text: str, problem: str) -> None:
    with pytest.raises(ReportFileError, match=problem):
        list(iter_csv_rows(io.StringIO(text), column_types()))
