"""Fuzzing the Teams and Zoom report reader: whatever bytes are uploaded, the reader returns a
report or refuses with a ReportError (a message for the person uploading), and no control
character reaches a name, email or role it proposes (they are stored, and shown)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from lms.attendance.meeting_report_times import ReportError, read_duration, read_stamp
from lms.attendance.meeting_reports import LONDON, parse_report
from tests.fuzzing import CONTROLS, bounded, nasty

SAMPLES = Path(__file__).parent / "samples"
WINDOW = (datetime(2027, 3, 9, 9, 30, tzinfo=UTC), datetime(2027, 3, 9, 12, 30, tzinfo=UTC))
BOUNDED = bounded(75, HealthCheck.data_too_large)
NASTY = nasty("AaPpMmZz")
READABLE = ("zoom_waiting_room.csv", "zoom_with_meeting_block.csv", "teams_legacy.csv")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def checked(data: bytes):
    """The report, or None when refused; anything else is a failure of the reader."""
    try:
        report = parse_report(data, window=WINDOW)
    except ReportError as error:
        assert str(error) and not CONTROLS.search(str(error).replace("\n", " "))
        return None
    for attendee in report.attendees:
        for value in (attendee.name, attendee.email or "", attendee.role or ""):
            assert not CONTROLS.search(value), repr(value)
        assert attendee.name == attendee.name.strip()
        assert attendee.minutes >= 0
    return report


@pytest.mark.parametrize("name", READABLE)
def test_the_samples_fuzzed_from_are_readable(name):
    report = checked(sample(name))
    assert report is not None and report.attendees


@BOUNDED
@given(st.binary(max_size=2_000))
def test_any_bytes_are_read_or_refused(data):
    checked(data)


@BOUNDED
@given(st.sampled_from(READABLE), st.data())
def test_a_real_report_with_one_cell_changed(name, data):
    """A near-valid report: one cell of one row replaced with awkward text."""
    original = sample(name)
    text = original.decode("utf-16" if original[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig")
    lines = text.splitlines()
    row = data.draw(st.integers(0, len(lines) - 1), label="row")
    cells = lines[row].split(",")
    cell = data.draw(st.integers(0, len(cells) - 1), label="cell")
    cells[cell] = data.draw(NASTY, label="new cell")
    lines[row] = ",".join(cells)
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]), label="encoding")
    checked("\n".join(lines).encode(encoding))


@BOUNDED
@given(st.sampled_from(READABLE), st.data())
def test_a_real_report_with_bytes_spliced_in(name, data):
    original = sample(name)
    at = data.draw(st.integers(0, len(original)), label="at")
    cut = data.draw(st.integers(0, 20), label="cut")
    spliced = data.draw(st.binary(max_size=20), label="bytes")
    checked(original[:at] + spliced + original[at + cut :])


def test_a_name_with_control_characters_is_stored_clean():
    """A UTF-16 file may hold any character (NUL too): names are cleaned, not stored raw."""
    text = (
        "Name (Original Name),User Email,Join Time,Leave Time\n"
        "Grace\x00 Ok\x01afor\x7f,grace@example.org,03/09/2027 09:30:00 AM,"
        "03/09/2027 12:30:00 PM\n"
        "Tom\u2028Reid,tom\x0b@example.org,03/09/2027 09:30:00 AM,03/09/2027 12:30:00 PM\n"
    )
    report = checked(text.encode("utf-16"))
    assert [(a.name, a.email) for a in report.attendees] == [
        ("Grace Ok afor", "grace@example.org"),
        ("Tom Reid", None),
    ]


STAMPS = st.datetimes(datetime(1971, 1, 2), datetime(2199, 12, 30)).map(
    lambda moment: moment.replace(microsecond=0)
)


@BOUNDED
@given(STAMPS)
def test_times_as_teams_and_zoom_write_them_read_back(moment):
    day_first = moment.strftime("%d/%m/%Y, %H:%M:%S")
    month_first = moment.strftime("%m/%d/%Y %I:%M:%S %p")
    iso = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    expected = moment.replace(tzinfo=LONDON).astimezone(UTC)
    if (
        moment.replace(tzinfo=LONDON).utcoffset()
        == moment.replace(tzinfo=LONDON, fold=1).utcoffset()
    ):  # not an hour the clocks skip or repeat
        assert read_stamp(day_first, "dmy", LONDON) == expected
        assert read_stamp(month_first, "mdy", LONDON) == expected
    assert read_stamp(iso, "dmy", LONDON) == moment.replace(tzinfo=UTC)


@BOUNDED
@given(NASTY, st.sampled_from(["dmy", "mdy"]))
def test_any_time_text_is_a_time_or_none(text, order):
    stamp = read_stamp(text, order, LONDON)
    assert stamp is None or stamp.tzinfo is UTC


@BOUNDED
@given(st.integers(0, 9_999), st.integers(0, 59), st.integers(0, 59))
def test_durations_read_back(hours, minutes, seconds):
    expected = hours * 3600 + minutes * 60 + seconds
    assert read_duration(f"{hours}h {minutes}m {seconds}s").total_seconds() == expected
    if hours < 100:
        clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
        assert read_duration(clock).total_seconds() == expected


@BOUNDED
@given(NASTY)
def test_any_duration_text_is_a_duration_or_none(text):
    duration = read_duration(text)
    assert duration is None or duration.total_seconds() >= 0
