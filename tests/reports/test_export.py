"""Downloads of a report's table: CSV, Excel and JSON hold the same figures, and no text in a
spreadsheet can run as a formula."""

import csv
import io
import json
from datetime import date, datetime

from openpyxl import load_workbook

from lms.core.cells import safe_cell
from lms.reports import export
from lms.reports.tables import COUNT, DATE, MONEY, PERCENT, TEXT, Column, Table

HYPERLINK = '=HYPERLINK("https://example.com","click")'


def make_table() -> Table:
    return Table(
        name="attendance-by-agency",
        title="Attendance by agency",
        columns=[
            Column("agency", "Agency", TEXT),
            Column("date", "First date", DATE),
            Column("booked", "Booked", COUNT),
            Column("attendance_rate", "Attendance rate", PERCENT),
            Column("charged_pence", "Amount charged", MONEY),
        ],
        rows=[
            {
                "agency": HYPERLINK,
                "date": date(2025, 8, 25),
                "booked": 1234,
                "attendance_rate": 81.6,
                "charged_pence": 125000,
                "agency_id": 7,
            },
            {
                "agency": "+1",
                "date": None,
                "booked": 0,
                "attendance_rate": None,
                "charged_pence": 1250,
            },
            {"agency": "-x", "date": date(2026, 3, 31), "booked": 5, "attendance_rate": 100.0},
            {
                "agency": "@x",
                "date": None,
                "booked": 2,
                "attendance_rate": 50.0,
                "charged_pence": 0,
            },
        ],
        total={
            "agency": "Total",
            "date": None,
            "booked": 1241,
            "attendance_rate": 80.9,
            "charged_pence": 126250,
        },
        summary=[("Courses whose sessions all filled", "3")],
        period="2025-26 financial year",
        period_code="2025-26",
        filters={"Theme": "Neglect", "Sector": "Health"},
    )


def make_trend() -> Table:
    years = ["2023-24", "2024-25", "2025-26"]
    return Table(
        name="trend",
        title="Trend over three financial years",
        columns=[Column("measure", "Measure", TEXT)] + [Column(year, year) for year in years],
        rows=[
            {"measure": "Booked", "key": "booked", "_kind": COUNT}
            | dict(zip(years, (10, 1200, 711), strict=True)),
            {"measure": "Fill rate", "key": "fill_rate", "_kind": PERCENT}
            | dict(zip(years, (None, 62.5, 78.8), strict=True)),
            {"measure": "Amount charged", "key": "charged_pence", "_kind": MONEY}
            | dict(zip(years, (0, 1250, 375000), strict=True)),
        ],
        period="2025-26 financial year",
        period_code="2025-26",
    )


def read_csv(text: str) -> list[dict[str, str]]:
    """The table of a CSV download, below the block that names the report, period and filters."""
    return list(csv.DictReader(io.StringIO(text.split("\r\n\r\n", 1)[1])))


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_safe_cell_neutralises_formulas():
    for text in ["=1+1", "+1", "-x", "@x", "\tx", "\rx"]:
        assert safe_cell(text) == "'" + text
    assert safe_cell("Cafcass") == "Cafcass"
    assert safe_cell(None) == ""
    assert safe_cell(12) == "12"


def test_csv_names_the_report_period_and_filters_above_the_table():
    lines = list(csv.reader(io.StringIO(export.to_csv(make_table()))))
    assert lines[:5] == [
        ["Report", "Attendance by agency"],
        ["Period", "2025-26 financial year"],
        ["Theme", "Neglect"],
        ["Sector", "Health"],
        [],
    ]
    unfiltered = list(csv.reader(io.StringIO(export.to_csv(make_trend()))))
    assert unfiltered[:4] == [
        ["Report", "Trend over three financial years"],
        ["Period", "2025-26 financial year"],
        ["Filters", "None (every course, agency and sector)"],
        [],
    ]
    named = make_table()
    named.filters = {"Agency": "=cmd|' /C calc'!A0"}
    assert ["Agency", "'=cmd|' /C calc'!A0"] in list(csv.reader(io.StringIO(export.to_csv(named))))


def test_csv_has_headings_with_units_then_rows_then_total():
    text = export.to_csv(make_table())

    header = next(csv.reader(io.StringIO(text.split("\r\n\r\n", 1)[1])))
    assert header == [
        "Agency",
        "First date",
        "Booked",
        "Attendance rate (%)",
        "Amount charged (£)",
    ]
    rows = read_csv(text)
    assert [row["Agency"] for row in rows] == ["'" + HYPERLINK, "'+1", "'-x", "'@x", "Total"]
    assert rows[0] == {
        "Agency": "'" + HYPERLINK,
        "First date": "2025-08-25",
        "Booked": "1234",
        "Attendance rate (%)": "81.6",
        "Amount charged (£)": "1250.00",
    }
    assert rows[1]["First date"] == ""
    assert rows[1]["Attendance rate (%)"] == ""
    assert rows[1]["Amount charged (£)"] == "12.50"
    assert rows[2]["Amount charged (£)"] == ""  # a missing figure is empty, not 0
    assert rows[3]["Amount charged (£)"] == "0.00"
    assert rows[4] == {
        "Agency": "Total",
        "First date": "",
        "Booked": "1241",
        "Attendance rate (%)": "80.9",
        "Amount charged (£)": "1262.50",
    }


def test_csv_uses_each_trend_rows_own_kind():
    rows = read_csv(export.to_csv(make_trend()))

    assert list(rows[0]) == ["Measure", "2023-24", "2024-25", "2025-26"]
    assert [row["2025-26"] for row in rows] == ["711", "78.8", "3750.00"]
    assert rows[1]["2023-24"] == ""
    assert rows[2]["2023-24"] == "0.00"
    assert rows[2]["2024-25"] == "12.50"


def test_xlsx_has_title_period_and_filters_above_a_frozen_bold_header():
    sheet = read_xlsx(export.to_xlsx(make_table()))

    assert sheet.title == "Attendance by agency"
    assert [sheet.cell(row=n, column=1).value for n in range(1, 6)] == [
        "Attendance by agency",
        "Period: 2025-26 financial year",
        "Theme: Neglect",
        "Sector: Health",
        None,
    ]
    assert [cell.value for cell in sheet[6]] == [
        "Agency",
        "First date",
        "Booked",
        "Attendance rate (%)",
        "Amount charged (£)",
    ]
    assert all(cell.font.bold for cell in sheet[6])
    assert sheet.freeze_panes == "A7"
    assert sheet.max_row == 6 + 5
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["C"].width


def test_xlsx_holds_numbers_dates_and_neutralised_text():
    sheet = read_xlsx(export.to_xlsx(make_table()))

    first = sheet[7]
    assert [cell.value for cell in first] == [
        "'" + HYPERLINK,
        datetime(2025, 8, 25),
        1234,
        81.6,
        1250.0,
    ]
    assert first[0].data_type == "s"  # text, not a formula
    assert first[1].is_date
    assert first[2].number_format == "#,##0"
    assert first[3].number_format == "0.0"
    assert first[4].number_format == "£#,##0.00"
    assert [cell.value for cell in sheet["A"][7:11]] == ["'+1", "'-x", "'@x", "Total"]
    assert [sheet.cell(row=8, column=n).value for n in (2, 4, 5)] == [None, None, 12.5]
    total = sheet[11]
    assert [cell.value for cell in total] == ["Total", None, 1241, 80.9, 1262.5]
    assert total[0].font.bold


def test_xlsx_figures_match_the_csv():
    table = make_table()
    rows = read_csv(export.to_csv(table))
    sheet = read_xlsx(export.to_xlsx(table))

    for row, cells in zip(rows, sheet.iter_rows(min_row=7, values_only=True), strict=True):
        for heading, value in zip(row, cells, strict=True):
            if isinstance(value, int | float):
                assert float(row[heading]) == value
            elif value is None:
                assert row[heading] == ""


def test_xlsx_formats_each_trend_row_by_its_kind():
    sheet = read_xlsx(export.to_xlsx(make_trend()))

    assert sheet.title == "Trend over three financial"  # whole words within 31 characters
    assert sheet["A3"].value == "Filters: None (every course, agency and sector)"
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert rows[0] == ("Measure", "2023-24", "2024-25", "2025-26")
    assert rows[1:] == [
        ("Booked", 10, 1200, 711),
        ("Fill rate", None, 62.5, 78.8),
        ("Amount charged", 0, 12.5, 3750),
    ]
    assert sheet["D7"].number_format == "0.0"
    assert sheet["D8"].number_format == "£#,##0.00"


def test_sheet_titles_are_ones_excel_accepts():
    assert export.sheet_title("Places: booked/attended [by] agency*?") == (
        "Places booked attended by"
    )
    assert export.sheet_title("Attendance by agency") == "Attendance by agency"
    assert export.sheet_title("x" * 50) == "x" * 31
    assert export.sheet_title("'Quoted'") == "Quoted"
    assert export.sheet_title("???") == "Report"


def test_json_holds_the_same_figures_as_the_csv():
    table = make_table()
    data = export.to_json(table)

    assert json.loads(json.dumps(data)) == data
    assert data["report"] == "attendance-by-agency"
    assert data["title"] == "Attendance by agency"
    assert data["period"] == "2025-26"
    assert data["period_label"] == "2025-26 financial year"
    assert data["filters"] == {"Theme": "Neglect", "Sector": "Health"}
    assert data["columns"][4] == {
        "key": "charged_pence",
        "label": "Amount charged",
        "kind": "money",
    }
    assert data["rows"][0] == {
        "agency": HYPERLINK,
        "date": "2025-08-25",
        "booked": 1234,
        "attendance_rate": 81.6,
        "charged_pence": 1250.0,
    }
    assert data["rows"][1]["attendance_rate"] is None
    assert data["rows"][2]["charged_pence"] is None
    assert [row["agency"] for row in data["rows"]] == [HYPERLINK, "+1", "-x", "@x"]
    assert data["total"]["charged_pence"] == 1262.5
    assert data["summary"] == [{"label": "Courses whose sessions all filled", "value": "3"}]

    csv_rows = read_csv(export.to_csv(table))
    for row, record in zip(csv_rows, [*data["rows"], data["total"]], strict=True):
        for column in table.columns:
            if column.numeric:
                shown = row[column.heading]
                assert record[column.key] == (None if shown == "" else float(shown))


def test_json_trend_rows_say_their_kind():
    data = export.to_json(make_trend())

    assert data["total"] is None
    assert data["rows"] == [
        {"measure": "Booked", "2023-24": 10, "2024-25": 1200, "2025-26": 711, "kind": "count"},
        {
            "measure": "Fill rate",
            "2023-24": None,
            "2024-25": 62.5,
            "2025-26": 78.8,
            "kind": "percent",
        },
        {
            "measure": "Amount charged",
            "2023-24": 0,
            "2024-25": 12.5,
            "2025-26": 3750,
            "kind": "money",
        },
    ]
    assert "kind" not in export.to_json(make_table())["rows"][0]
