"""Fuzzing completion files: whatever is uploaded, the reader opens it or refuses it with a
FileRefused, every row read is cells without control characters, and every row becomes a
completion candidate or is rejected with a reason (never an unexpected exception). Dates and
mappings as the import reads them get the same treatment."""

import functools
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.catalogue.models import Course
from lms.elearning import mapping as mappings
from lms.elearning.dates import DateRefused, completion_day
from lms.elearning.importing import REJECTED, Rules
from lms.elearning.readers import CELL_MAX, FileRefused, open_table
from lms.extensions import db
from tests.fuzzing import CONTROLS, bounded, nasty

SAMPLES = Path(__file__).parent / "samples"
TODAY = date(2026, 6, 1)
BOUNDED = bounded(60, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture)
NASTY = nasty("|%eENaInf", max_size=30)
GOOD_CSV = (
    "Email,Learner,Course,Completed Date,Status,Score,Organisation\n"
    "amina@example.org,Amina Patel,SG1,31/01/2026 14:05,Completed,87%,Riverside Council\n"
    "tom@example.org,Tom Reid,Safeguarding basics,2026-02-03T10:00:00+01:00,Passed,100,\n"
)


def rows_of(data: bytes) -> list[tuple[int, list]] | None:
    """The rows, or None when the file is refused (on opening or part-way through)."""
    try:
        table = open_table(data)
    except FileRefused as error:
        assert str(error)
        return None
    try:
        rows = list(table.rows)
    except FileRefused:
        return None
    finally:
        table.close()
    for heading in table.headings:
        assert not CONTROLS.search(heading)
    for _number, cells in rows:
        for cell in cells:
            if isinstance(cell, str):
                assert not CONTROLS.search(cell) and len(cell) <= CELL_MAX, repr(cell)
    return [(number, cells) for number, cells in rows] or None


@pytest.fixture
def rules_for(app, make_module):
    """Rules for reading a file whose headings are given: a provider with module SG1 (titled
    "Safeguarding basics"), and the mapping guessed from the headings with Completed and
    Passed as completed statuses."""
    module = make_module("Safeguarding basics", module_code="SG1")

    def rules(headings: list[str]) -> Rules | None:
        provider = db.session.get(Course, module).provider
        guessed = mappings.guess(headings) | {"completed_values": ["Completed", "Passed"]}
        try:
            mapping = mappings.checked(guessed, headings)
        except mappings.MappingRefused:
            return None
        return Rules(provider, mapping, headings, today=TODAY)

    with app.app_context():
        yield rules


def read_every_row(rules_for, data: bytes) -> list:
    try:
        table = open_table(data)
    except FileRefused:
        return []
    rules = rules_for(table.headings)
    read = []
    try:
        for number, cells in table.rows:
            if rules is not None:
                read.append(rules.read(number, cells))
    except FileRefused:
        return []
    finally:
        table.close()
    for row in read:
        if row.outcome == REJECTED:
            assert row.reason
        elif row.outcome is None:  # a candidate: everything it needs is there and sound
            assert row.email and row.course is not None and row.day <= TODAY
            assert row.score is None or 0 <= row.score <= 100
        for text in (row.name, row.agency_text, row.email, row.value):
            assert not CONTROLS.search(text)
    return read


def test_the_file_fuzzed_from_reads_as_two_completions(rules_for):
    read = read_every_row(rules_for, GOOD_CSV.encode())
    assert [(row.email, row.day, row.score) for row in read] == [
        ("amina@example.org", date(2026, 1, 31), 87),
        ("tom@example.org", date(2026, 2, 3), 100),
    ]


@BOUNDED
@given(st.binary(max_size=1_500))
def test_any_bytes_are_opened_or_refused(data):
    rows_of(data)


@BOUNDED
@given(st.sampled_from(sorted(p.name for p in SAMPLES.iterdir())), st.data())
def test_the_samples_with_bytes_spliced_in(name, data):
    original = (SAMPLES / name).read_bytes()
    at = data.draw(st.integers(0, len(original)), label="at")
    cut = data.draw(st.integers(0, 40), label="cut")
    spliced = data.draw(st.binary(max_size=20), label="bytes")
    rows_of(original[:at] + spliced + original[at + cut :])


@BOUNDED
@given(st.data())
def test_a_good_file_with_one_cell_changed(rules_for, data):
    """Near-valid files: one cell replaced with awkward text, in UTF-8 or Windows-1252."""
    lines = [line.split(",") for line in GOOD_CSV.splitlines()]
    row = data.draw(st.integers(0, len(lines) - 1), label="row")
    cell = data.draw(st.integers(0, len(lines[row]) - 1), label="cell")
    lines[row][cell] = data.draw(NASTY, label="new cell")
    text = "\n".join(",".join(cells) for cells in lines)
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]), label="encoding")
    read_every_row(rules_for, text.encode(encoding, errors="replace"))


def test_a_score_that_is_not_a_finite_number_is_rejected(rules_for):
    """NaN, Infinity and sNaN are numbers to Python's Decimal: they were a server error."""
    rows = ["Email,Learner,Course,Completed Date,Score"]
    rows += [f"p{n}@example.org,P {n},SG1,31/01/2026,{score}" for n, score in enumerate(SCORES)]
    read = read_every_row(rules_for, "\n".join(rows).encode())
    assert [(row.outcome, row.value) for row in read] == [
        (REJECTED, score.rstrip("%")) for score in SCORES
    ]


SCORES = ["NaN", "nan%", "Infinity", "-inf", "sNaN", "1e999999", "101", "-0.5"]


def xlsx(values: list) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Email", "Learner", "Course", "Completed", "Score"])
    sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@functools.cache
def good_xlsx() -> bytes:
    """Made once: a workbook saved twice differs (its saved time), and a strategy must not."""
    return xlsx(["amina@example.org", "Amina Patel", "SG1", date(2026, 1, 31), 87])


EXCEL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(date(1900, 1, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=30),
)


@settings(BOUNDED, max_examples=30)
@given(st.lists(EXCEL_VALUES, min_size=5, max_size=5))
def test_an_excel_row_of_any_values(rules_for, values):
    values[:3] = ["amina@example.org", "Amina Patel", "SG1"] if values[0] is None else values[:3]
    read_every_row(rules_for, xlsx(values))


@settings(BOUNDED, max_examples=30)
@given(st.data())
def test_an_excel_file_with_bytes_spliced_in(data):
    original = good_xlsx()
    at = data.draw(st.integers(0, len(original)), label="at")
    cut = data.draw(st.integers(0, 40), label="cut")
    spliced = data.draw(st.binary(max_size=20), label="bytes")
    rows_of(original[:at] + spliced + original[at + cut :])


@BOUNDED
@given(st.one_of(NASTY, EXCEL_VALUES))
def test_any_completion_date_is_a_past_day_or_refused(value):
    try:
        day = completion_day(value, today=TODAY)
    except DateRefused as error:
        assert str(error)
        return
    assert isinstance(day, date) and day <= TODAY


@BOUNDED
@given(st.dates(date(1990, 1, 1), TODAY))
def test_completion_dates_as_providers_write_them_read_back(day):
    noon = datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
    for text in (
        day.strftime("%d/%m/%Y"),
        day.strftime("%d/%m/%Y %H:%M"),
        day.isoformat(),
        noon.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ):
        assert completion_day(text, today=TODAY) == day
    assert completion_day((day - date(1899, 12, 30)).days, today=TODAY) == day


@BOUNDED
@given(st.lists(NASTY, max_size=8), st.dictionaries(st.sampled_from(mappings.FIELD_NAMES), NASTY))
def test_any_mapping_is_checked_or_refused(headings, chosen):
    try:
        mapping = mappings.checked(chosen | {"completed_values": ["Completed"]}, headings)
    except mappings.MappingRefused as error:
        assert str(error)
        return
    used = [mapping[field] for field in mappings.FIELD_NAMES if mapping[field]]
    assert set(used) <= set(headings) and len(used) == len(set(used))
    assert all(mapping[field] for field in mappings.REQUIRED)
