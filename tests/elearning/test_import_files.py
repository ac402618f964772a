"""Reading completion files (CSV and XLSX, told from their content) and their dates."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lms.elearning.dates import DateRefused, completion_day
from lms.elearning.readers import FileRefused, open_table
from tests.elearning.import_fixtures import HEADINGS, TODAY, csv_bytes, xlsx_bytes

SAMPLES = Path(__file__).parent / "samples"


def rows_of(source) -> list:
    table = open_table(source)
    return [(number, cells) for number, cells in table.rows]


def test_windows_1252_file_is_read_with_its_accented_letters():
    table = open_table(SAMPLES / "zoe-windows-1252.csv")
    assert table.encoding == "cp1252"
    [(number, cells)] = list(table.rows)
    assert number == 2 and cells[1] == "Zoë Brown" and cells[6] == "Café Trust"


def test_utf8_with_byte_order_mark_loses_the_mark_and_blank_lines():
    table = open_table(SAMPLES / "utf8-bom.csv")
    assert table.headings == HEADINGS  # no "\ufeffEmail"
    assert list(table.rows) == [
        (2, ["amina@example.org", "Amina Patel", "SG1", "2026-02-03", "Completed"])
    ]


def test_utf8_without_mark_and_semicolons():
    data = "Email;Name\nzoë@example.org;Zoë\n".encode()
    table = open_table(data)
    assert table.encoding == "utf-8-sig"
    assert table.headings == ["Email", "Name"]
    assert list(table.rows) == [(2, ["zoë@example.org", "Zoë"])]


def test_trailing_empty_columns_and_control_characters_are_dropped():
    data = b"Email,Name,,\r\na@example.org,Amina\x07 Patel,,\r\n"
    table = open_table(data)
    assert table.headings == ["Email", "Name"]
    assert list(table.rows) == [(2, ["a@example.org", "Amina Patel"])]


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        ("photo-renamed.csv", "a PNG image, not a CSV or Excel"),
        ("archive-renamed.csv", "a zip archive, not a CSV or Excel"),
        ("header-only.csv", "only a heading row"),
    ],
)
def test_files_that_are_not_completion_reports_are_refused(sample, message):
    with pytest.raises(FileRefused, match=message):
        open_table(SAMPLES / sample)


def test_binary_content_and_empty_files_are_refused():
    with pytest.raises(FileRefused, match="binary data"):
        open_table(b"Email,Name\r\na\x00b,c\r\n")
    with pytest.raises(FileRefused, match="empty"):
        open_table(b"")
    with pytest.raises(FileRefused, match="largest that can be imported is 1 MB"):
        open_table(b"x" * (1_048_576 + 1), max_bytes=1_048_576)


def test_xlsx_is_told_from_its_content_and_keeps_dates_and_numbers():
    data = xlsx_bytes(
        [
            ["amina@example.org", "Amina", "SG1", 46056, "Completed", 85, None],
            [None] * 7,
            ["zoe@example.org", "Zoë", "SG2", datetime(2026, 2, 3, 10, 0), "Passed", None, None],
        ]
    )
    table = open_table(data)
    assert table.kind == "XLSX" and table.headings == HEADINGS
    assert list(table.rows) == [
        (2, ["amina@example.org", "Amina", "SG1", 46056, "Completed", 85]),
        (4, ["zoe@example.org", "Zoë", "SG2", datetime(2026, 2, 3, 10, 0), "Passed"]),
    ]


def test_formula_cells_are_kept_as_text():
    data = xlsx_bytes([['=HYPERLINK("http://evil.example","x")', "Amina", "SG1", 46056]])
    [(_number, cells)] = rows_of(data)
    assert cells[0] == '=HYPERLINK("http://evil.example","x")'
    [(_number, cells)] = rows_of(csv_bytes([["=1+2", "@SUM(A1)", "SG1"]]))
    assert cells[:2] == ["=1+2", "@SUM(A1)"]


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("03/02/2026", date(2026, 2, 3)),
        ("3/2/2026", date(2026, 2, 3)),
        ("03/02/26", date(2026, 2, 3)),
        ("03/02/99", date(1999, 2, 3)),
        ("03/02/2026 14:05", date(2026, 2, 3)),
        ("03/02/2026 14:05:09", date(2026, 2, 3)),
        ("2026-02-03", date(2026, 2, 3)),
        ("2026-02-03T14:05:09", date(2026, 2, 3)),
        ("2026-02-03T23:30:00Z", date(2026, 2, 3)),
        ("2026-07-03T23:30:00Z", date(2026, 7, 4)),  # half past midnight in the UK
        ("2026-02-03T01:00:00+02:00", date(2026, 2, 2)),
        (46056, date(2026, 2, 3)),
        (46056.6, date(2026, 2, 3)),
        (datetime(2026, 2, 3, 14, 5), date(2026, 2, 3)),
        (datetime(2026, 7, 3, 23, 30, tzinfo=UTC), date(2026, 7, 4)),
        (date(2026, 2, 3), date(2026, 2, 3)),
    ],
)
def test_dates_as_providers_write_them(value, day):
    assert completion_day(value, today=TODAY) == day


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "blank"),
        ("31/02/2026", "Not a real date"),
        ("next Tuesday", "cannot be read|can be read"),
        ("2026-13-01", "Not a real date"),
        ("30/11/2026", "in the future"),
        (46400, "in the future"),
        (7, "A number, not a date"),
        ("03/02/2026 25:00", "time of day"),
    ],
)
def test_dates_that_cannot_be_used_say_why(value, reason):
    with pytest.raises(DateRefused, match=reason):
        completion_day(value, today=TODAY)
