"""Reading Teams and Zoom attendance reports: the real layouts, honest minutes, clear refusals.

Every sample is for a session scheduled on 9 March 2027, 09:30–12:30 in London (GMT, so the UTC
times equal the wall-clock times). Expected minutes are worked out by hand in the comments.
"""

import random
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from lms.attendance.meeting_reports import Attendee, Report, ReportError, parse_report

SAMPLES = Path(__file__).parent / "samples"
WINDOW = (datetime(2027, 3, 9, 9, 30, tzinfo=UTC), datetime(2027, 3, 9, 12, 30, tzinfo=UTC))


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def at(clock: str) -> datetime:
    """9 March 2027 at HH:MM[:SS], UTC."""
    parts = [int(p) for p in clock.split(":")]
    return datetime(2027, 3, 9, *parts, tzinfo=UTC)


def summary(report: Report) -> dict[str, tuple[str | None, int, str | None]]:
    return {a.name: (a.email, a.minutes, a.role) for a in report.attendees}


def person(report: Report, name: str) -> Attendee:
    return next(a for a in report.attendees if a.name == name)


def refusal(data: bytes, **options) -> str:
    with pytest.raises(ReportError) as caught:
        parse_report(data, window=options.pop("window", WINDOW), **options)
    return str(caught.value)


def test_teams_uk_report_uses_the_in_meeting_activities():
    report = parse_report(sample("teams_uk_utf16le.csv"), window=WINDOW)

    assert report.platform == "teams"
    assert (report.starts_at, report.ends_at) == (at("9:14:52"), at("12:41:10"))
    assert summary(report) == {
        # 09:14:52–12:41:10, clipped to 09:30–12:30: 180 minutes.
        "Grace Okafor": ("grace.okafor@cityscp.org.uk", 180, "Organizer"),
        # Tested the sound 09:10:03–09:24:48, before the session: listed, 0 minutes.
        "Dev Kaur": ("dev.kaur@cityscp.org.uk", 0, "Presenter"),
        # 09:30:00–10:48:05 (78m 5s) + 11:02:30–12:30:00 (87m 30s) = 165m 35s.
        "Priya Patel": ("priya.patel@northhealth.nhs.uk", 165, "Attendee"),
        # Left early: 09:30:00–11:05:33 = 95m 33s.
        "Kwame Mensah": ("kwame.mensah@westpolice.pnn.police.uk", 95, "Attendee"),
        # Laptop 09:31:10–12:29:40, phone 10:15:00–10:40:20 and 12:25:00–12:35:00, merged:
        # 09:31:10–12:30:00 = 178m 50s. The Email column wins over the UPN, lower-cased.
        "Tom Reid": ("tom.reid@citycouncil.gov.uk", 178, "Attendee"),
        # Guest, no email: 09:40:15–12:30:00 = 169m 45s.
        "Sam Jones": (None, 169, "Attendee"),
        # 10:02:11–12:30:00 = 147m 49s.
        "Bethan Hughes": ("bethan.hughes@eastschools.org.uk", 147, "Presenter"),
    }
    assert person(report, "Priya Patel").intervals == (
        (at("9:30"), at("10:48:05")),
        (at("11:02:30"), at("12:30")),
    )
    assert person(report, "Tom Reid").intervals == ((at("9:31:10"), at("12:30")),)
    assert person(report, "Dev Kaur").intervals == ()


def test_teams_us_report_without_activities_counts_the_stated_duration_not_the_span():
    report = parse_report(sample("teams_us_utf16be.csv"), window=WINDOW)

    assert report.platform == "teams"
    assert (report.starts_at, report.ends_at) == (at("9:20:04"), at("12:36:30"))
    assert summary(report) == {
        # Span 09:20:04–12:36:30, 3h 16m 26s in the meeting; 9m 56s + 6m 30s of it outside the
        # window, so at least 3h 0m 0s inside: 180.
        "Alex Morgan": ("alex.morgan@cityscp.org.uk", 180, "Organizer"),
        # Span 09:28:00–12:30:45 but only 2h 40m in the meeting; 2m + 45s of the span lie outside
        # the window: 9600 s - 165 s = 9435 s = 157m 15s (not the 180 of first join to last leave).
        "Jordan Lee": ("jordan.lee@northhealth.nhs.uk", 157, "Attendee"),
        # Guest, no email, no UPN: 09:45:30–11:15:00, 1h 29m 30s.
        "Chris Doyle": (None, 89, "Attendee"),
        # Email column differs from the UPN: the Email column is used. 2h 58m 57s.
        "Linh Nguyen": ("linh.nguyen@eastschools.org.uk", 178, "Attendee"),
    }
    # 12:30:45 PM and 12:29:59 PM are after noon, not after midnight.
    assert person(report, "Linh Nguyen").intervals == ((at("9:31:02"), at("12:29:59")),)


def test_teams_legacy_events_are_paired_and_an_organiser_without_left_stays_to_the_end():
    report = parse_report(sample("teams_legacy.csv"), window=WINDOW)

    assert report.platform == "teams"
    assert (report.starts_at, report.ends_at) == (None, None)
    assert summary(report) == {
        # Joined 09:12:40, no Left: stays to the last time in the file (12:31:20): 180.
        "Grace Okafor": (None, 180, None),
        # "Joined before" 09:12:40, left 11:00: 09:30–11:00 = 90.
        "Kwame Mensah": (None, 90, None),
        # 09:29:10–10:30 (60 inside) + 10:45–12:31:20 (105 inside) = 165.
        "Priya Patel": (None, 165, None),
        # Two devices: 09:33–10:20 and 10:00–12:10 merge to 09:33–12:10 = 157.
        "Tom Reid": (None, 157, None),
    }
    assert person(report, "Priya Patel").intervals == (
        (at("9:30"), at("10:30")),
        (at("10:45"), at("12:30")),
    )


def test_teams_legacy_every_left_closes_the_persons_open_time():
    report = parse_report(sample("teams_legacy_rejoin.csv"), window=WINDOW)

    assert summary(report) == {
        # Joined 09:30, left 12:40: 180.
        "Alex Morgan": (None, 180, None),
        # Rejoiner: 09:40–10:40 (60) + 10:50–12:29 (99) = 159.
        "Bethan Hughes": (None, 159, None),
        # "Joined before" 09:15 then "Joined" 09:31, one Left at 10:15: 09:30–10:15 = 45, not
        # present to the end because of the second join.
        "Dev Kaur": (None, 45, None),
        # The organiser, no final Left: to the last time in the report (12:40), clipped: 180.
        "Grace Okafor": (None, 180, None),
        # No final Left either: 09:50 to the end of the report, clipped to 12:30 = 160.
        "Linh Nguyen": (None, 160, None),
        # Joined twice within a minute, one Left at 11:30: 09:30–11:30 = 120.
        "Sam Jones": (None, 120, None),
    }
    assert person(report, "Dev Kaur").intervals == ((at("9:30"), at("10:15")),)
    assert person(report, "Bethan Hughes").intervals == (
        (at("9:40"), at("10:40")),
        (at("10:50"), at("12:29")),
    )


def test_teams_legacy_a_left_with_nothing_open_is_ignored_unless_a_second_device_joined():
    text = (
        "Full Name\tUser Action\tTimestamp\n"
        "Ann Lowe\tLeft\t3/9/2027, 9:40:00 AM\n"  # before any join: says nothing
        "Ann Lowe\tJoined\t3/9/2027, 10:00:00 AM\n"
        "Ann Lowe\tLeft\t3/9/2027, 11:00:00 AM\n"
        "Ann Lowe\tLeft\t3/9/2027, 11:30:00 AM\n"  # nothing open, no second join: ignored
        "Bo Chan\tJoined\t3/9/2027, 9:30:00 AM\n"
        "Bo Chan\tJoined\t3/9/2027, 10:00:00 AM\n"  # a phone as well
        "Bo Chan\tLeft\t3/9/2027, 10:30:00 AM\n"
        "Bo Chan\tLeft\t3/9/2027, 12:00:00 PM\n"  # the laptop leaving: present until noon
    )
    report = parse_report(text.encode("utf-16"), window=WINDOW)
    assert summary(report) == {"Ann Lowe": (None, 60, None), "Bo Chan": (None, 150, None)}


def test_teams_2021_layout_with_one_row_per_person_trusts_a_shorter_duration():
    text = (
        "Meeting Summary\n"
        "Total Number of Participants\t3\n"
        "Meeting Title\tSafeguarding Children Level 3\n"
        "Meeting Start Time\t3/9/2027, 9:20:00 AM\n"
        "Meeting End Time\t3/9/2027, 12:35:00 PM\n"
        "\n"
        "Full Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole\tParticipant ID (UPN)\n"
        "Grace Okafor\t3/9/2027, 9:20:00 AM\t3/9/2027, 12:35:00 PM\t3h 15m\t\tOrganizer\t"
        "grace.okafor@cityscp.org.uk\n"
        "Lee, Jordan\t3/9/2027, 9:40:00 AM\t3/9/2027, 12:20:00 PM\t1 hr 40 min\t"
        "jordan.lee@northhealth.nhs.uk\tAttendee\tjordan.lee@northhealth.nhs.uk\n"
        "Chris Doyle\t3/9/2027, 9:00:00 AM\t3/9/2027, 11:00:00 AM\t01:30:00\t\tAttendee\t\n"
    )
    report = parse_report(text.encode("utf-16"), window=WINDOW)

    assert report.platform == "teams"
    assert (report.starts_at, report.ends_at) == (at("9:20"), at("12:35"))
    assert summary(report) == {
        # The duration matches the span: present throughout, 09:30–12:30 = 180.
        "Grace Okafor": ("grace.okafor@cityscp.org.uk", 180, "Organizer"),
        # Span 09:40–12:20 (160) but only 1h 40m in the meeting: 100, not 160.
        "Jordan Lee": ("jordan.lee@northhealth.nhs.uk", 100, "Attendee"),
        # Span 09:00–11:00 with 30 minutes of it before the session; in the meeting 1h 30m,
        # so at least 90 - 30 = 60 minutes inside the session.
        "Chris Doyle": (None, 60, "Attendee"),
    }
    # The intervals are the span, clipped: all the report can say.
    assert person(report, "Jordan Lee").intervals == ((at("9:40"), at("12:20")),)


def test_zoom_report_with_a_meeting_block():
    report = parse_report(sample("zoom_with_meeting_block.csv"), window=WINDOW)

    assert report.platform == "zoom"
    assert (report.starts_at, report.ends_at) == (at("9:15:02"), at("12:38:44"))
    assert summary(report) == {
        # Host 09:15:02–12:38:44: 180.
        "Grace Okafor": ("grace.okafor@cityscp.org.uk", 180, None),
        # Rejoined: 09:30:00–10:50:10 (80m 10s) + 11:05:00–12:29:30 (84m 30s) = 164m 40s.
        "Priya Patel": ("priya.patel@northhealth.nhs.uk", 164, None),
        # Two devices, 09:31:10–12:29:40 and 10:15:00–12:34:00: 09:31:10–12:30:00 = 178m 50s.
        "Tom Reid": ("tom.reid@citycouncil.gov.uk", 178, None),
        # Guest: 09:40:15–11:10:00 = 89m 45s.
        "Sam Jones": (None, 89, None),
        # Left early: 09:35:00–10:05:59 = 30m 59s.
        "Kwame Mensah": ("kwame.mensah@westpolice.pnn.police.uk", 30, None),
    }
    assert person(report, "Tom Reid").intervals == ((at("9:31:10"), at("12:30")),)


def test_zoom_report_with_lower_case_headers_and_extra_columns():
    report = parse_report(sample("zoom_lowercase_headers.csv"), window=WINDOW)

    assert report.platform == "zoom"
    assert (report.starts_at, report.ends_at) == (None, None)
    assert summary(report) == {
        "Grace Okafor": ("grace.okafor@cityscp.org.uk", 180, None),
        # The waiting-room row (09:25–09:31) is not time in the session: 09:31–12:30 = 179.
        "Priya Patel": ("priya.patel@northhealth.nhs.uk", 179, None),
        # "Jones, Sam", a guest: 09:45:00–12:15:30 = 150m 30s.
        "Sam Jones": (None, 150, None),
        # Laptop 09:50–11:00 (70) and phone 11:30–12:45 (60 inside) = 130, one person by email.
        "Kwame Mensah": ("kwame.mensah@westpolice.pnn.police.uk", 130, None),
    }
    assert person(report, "Kwame Mensah").intervals == (
        (at("9:50"), at("11:00")),
        (at("11:30"), at("12:30")),
    )


def test_zoom_people_only_in_the_waiting_room_are_listed_with_no_time():
    report = parse_report(sample("zoom_waiting_room.csv"), window=WINDOW)
    assert summary(report) == {
        "Grace Okafor": ("grace.okafor@cityscp.org.uk", 180, None),
        # Joined 22 minutes late and stayed: 09:52–12:30 = 158.
        "Kwame Mensah": ("kwame.mensah@westpolice.pnn.police.uk", 158, None),
        "Priya Patel": ("priya.patel@northhealth.nhs.uk", 180, None),
        # In the waiting room only, never admitted: listed, 0 minutes, no time.
        "Sam Jones": (None, 0, None),
        "Tom Reid": (None, 0, None),
    }
    assert [a.name for a in report.attendees if a.waiting_only] == ["Sam Jones", "Tom Reid"]
    assert person(report, "Tom Reid").intervals == ()
    # Priya waited, then was admitted: her waiting-room row is not time in the session.
    lowercase = parse_report(sample("zoom_lowercase_headers.csv"), window=WINDOW)
    assert not person(lowercase, "Priya Patel").waiting_only


def test_a_report_with_more_rows_than_the_cap_is_refused():
    header = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
    row = "Guest {n},,03/09/2027 09:30:00 AM,03/09/2027 10:00:00 AM,30,Yes\r\n"
    five = (header + "".join(row.format(n=n) for n in range(5))).encode()
    assert len(parse_report(five, window=WINDOW, max_rows=5).attendees) == 5
    assert refusal(five, max_rows=4) == (
        "The report has 5 attendance rows; one session's report can have at most 4. "
        "Check that it is the report of this session only."
    )
    big = (header + "".join(row.format(n=n) for n in range(5_001))).encode()
    assert "The report has 5,001 attendance rows" in refusal(big)


def test_times_are_read_in_the_organisers_timezone():
    # 20 July 2027 in London is BST: 09:30 local is 08:30 UTC.
    text = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
        "Ann Lowe,ann@example.org,07/20/2027 09:30:00 AM,07/20/2027 10:00:00 AM,30,No\r\n"
    )
    summer = (datetime(2027, 7, 20, 8, 30, tzinfo=UTC), datetime(2027, 7, 20, 11, 30, tzinfo=UTC))
    report = parse_report(text.encode(), window=summer)
    assert report.attendees[0].intervals == ((summer[0], datetime(2027, 7, 20, 9, tzinfo=UTC)),)

    # Read as New York time the same row is 13:30–14:00 UTC, after the session.
    assert "do not match the session date" in refusal(
        text.encode(), window=summer, timezone=ZoneInfo("America/New_York")
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_the_same_report_reads_alike_in_every_encoding(encoding):
    text = sample("teams_uk_utf16le.csv").decode("utf-16")
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # with a byte-order mark, as Teams writes them
        data = "\ufeff".encode(encoding) + data
    expected = parse_report(sample("teams_uk_utf16le.csv"), window=WINDOW)
    assert parse_report(data, window=WINDOW) == expected


def test_zoom_exports_in_utf16_or_with_plain_lf_read_alike():
    text = sample("zoom_with_meeting_block.csv").decode("utf-8-sig")
    expected = parse_report(sample("zoom_with_meeting_block.csv"), window=WINDOW)
    assert parse_report(text.encode("utf-16"), window=WINDOW) == expected
    assert parse_report(text.replace("\r\n", "\n").encode(), window=WINDOW) == expected


def test_an_ambiguous_day_and_month_is_read_as_the_session_date():
    # A 24-hour clock suggests day first (3 September), but the session is on 9 March.
    text = "Name\tJoin time\tLeave time\nAnn Lowe\t03/09/27, 09:40:00\t03/09/27, 10:10:00\n"
    report = parse_report(text.encode(), window=WINDOW)
    assert report.attendees[0].intervals == ((at("9:40"), at("10:10")),)
    assert report.attendees[0].minutes == 30


@pytest.mark.parametrize(
    "written",
    [
        "09/03/27, 09:40:00",  # Teams, UK
        "3/9/27, 9:40:00\u202fAM",  # Teams, US, with the narrow space newer systems write
        "3/9/2027, 9:40:00 AM",  # Teams, older layout
        "03/09/2027 09:40:00 AM",  # Zoom
        "09/03/2027 09:40",  # day first, four-digit year, no seconds
        "2027-03-09 09:40:00",  # ISO, local time
        "2027-03-09T09:40:00Z",  # ISO, UTC
        "2027-03-09T10:40:00+01:00",  # ISO with an offset
    ],
)
def test_the_known_time_formats_are_read(written):
    text = f"Name\tJoin time\tLeave time\nAnn Lowe\t{written}\t2027-03-09 12:00:00\n"
    assert parse_report(text.encode(), window=WINDOW).attendees[0].intervals == (
        (at("9:40"), at("12:00")),
    )


def test_names_are_turned_round_and_tidied():
    text = (
        "Name\tJoin time\tLeave time\tEmail\n"
        "  Patel,   Priya \t09/03/27, 09:40:00\t09/03/27, 10:10:00\t\n"
        "O'Neill, Mary-Kate\t09/03/27, 09:40:00\t09/03/27, 10:10:00\t\n"
        "Smith, Jo, Dr\t09/03/27, 09:40:00\t09/03/27, 10:10:00\t\n"
        "Okafor, Grace (Guest)\t09/03/27, 09:40:00\t09/03/27, 10:10:00\t\n"
        "Jo Bloggs (Bloggs, Joanne)\t09/03/27, 09:40:00\t09/03/27, 10:10:00\t\n"
    )
    names = [a.name for a in parse_report(text.encode(), window=WINDOW).attendees]
    assert names == [
        "Grace Okafor (Guest)",
        "Jo Bloggs (Bloggs, Joanne)",  # a Zoom "Name (Original Name)": left alone
        "Mary-Kate O'Neill",
        "Priya Patel",
        "Smith, Jo, Dr",  # two commas: not a plain "Surname, First"
    ]


def test_people_without_email_are_grouped_by_name_and_emails_by_address():
    text = (
        "Name\tJoin time\tLeave time\tEmail\n"
        "Sam Jones\t09/03/27, 09:30:00\t09/03/27, 10:00:00\t\n"
        "sam  JONES\t09/03/27, 09:50:00\t09/03/27, 10:20:00\tnot an email\n"
        "Ann Lowe\t09/03/27, 09:30:00\t09/03/27, 10:00:00\tANN@example.org\n"
        "Ann (phone)\t09/03/27, 09:45:00\t09/03/27, 10:15:00\tann@example.org\n"
    )
    report = parse_report(text.encode(), window=WINDOW)
    # Ann: 09:30–10:00 and 09:45–10:15 merge to 45 minutes; Sam: 09:30–10:20 = 50.
    assert summary(report) == {
        "Ann Lowe": ("ann@example.org", 45, None),
        "Sam Jones": (None, 50, None),
    }


def test_rows_with_unreadable_times_are_skipped():
    text = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
        "Ann Lowe,ann@example.org,03/09/2027 09:30:00 AM,,30,No\r\n"
        "Bo Chan,bo@example.org,soon,03/09/2027 10:00:00 AM,30,No\r\n"
        "Cy Dale,cy@example.org,03/09/2027 10:00:00 AM,03/09/2027 09:00:00 AM,30,No\r\n"
        "Di Eve,di@example.org,03/09/2027 09:30:00 AM,03/09/2027 10:00:00 AM,30,No\r\n"
    )
    assert summary(parse_report(text.encode(), window=WINDOW)) == {
        "Di Eve": ("di@example.org", 30, None)
    }


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The file is empty"),
        (b"\r\n\r\n  \r\n", "The file is empty"),
        (b"\xff\xfe", "The file is empty"),
        (sample("empty.csv"), "The file is empty"),
        (sample("image_renamed.csv"), "This is not a CSV or text file: it looks like an image"),
        (b"PK\x03\x04\x14\x00\x06\x00", "it looks like a zip file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "it looks like a PDF"),
        (b"Name,Join Time\x00\x00\x01", "This is not a CSV or text file: it contains binary data"),
        ("Name,Join Time\nJosé".encode("cp1252"), "The file is not a text file"),
        (b"\xff\xfeN\x00a\x00m", "The file is not a text file: it is not valid UTF-16"),
        (sample("not_a_report.csv"), "could not find the columns of a Teams or Zoom"),
        (b"Name,Join Time\nAnn,03/09/2027 09:30:00 AM\n", "for Zoom: Name, Join time, Leave time"),
        (
            b"Name,Join Time,Leave Time\nAnn,yesterday,today\nBo,,\n",
            "The report has no rows with a join and a leave time we could read",
        ),
        (  # times that read, but every leave is before its join
            b"Name,Join Time,Leave Time\nAnn,03/09/2027 10:00,03/09/2027 09:00\n",
            "no rows with a join and a leave time",
        ),
        (  # a Zoom meeting block and a participants header, but no participants
            sample("zoom_with_meeting_block.csv").split(b"\r\nGrace")[0],
            "no rows with a join and a leave time",
        ),
    ],
)
def test_files_that_are_not_reports_are_refused_with_a_message(data, words):
    assert words in refusal(data)


def test_a_file_over_the_size_limit_is_refused():
    assert refusal(sample("zoom_with_meeting_block.csv"), max_bytes=500) == (
        "The file is larger than 0.0005 MB."
    )
    assert "larger than 5 MB" in refusal(b"Name," + b" " * 5_000_000)


def test_a_report_for_another_date_is_refused():
    other_day = (
        datetime(2027, 3, 16, 9, 30, tzinfo=UTC),
        datetime(2027, 3, 16, 12, 30, tzinfo=UTC),
    )
    message = refusal(sample("zoom_with_meeting_block.csv"), window=other_day)
    assert message == (
        "The report's dates (9 March 2027, 09:15–12:38) do not match the session date "
        "(16 March 2027, 09:30–12:30)."
    )
    teams = refusal(sample("teams_uk_utf16le.csv"), window=other_day)
    assert teams.startswith("The report's dates (9 March 2027, 09:10–12:41) do not match")
    assert "do not match" in refusal(sample("teams_legacy.csv"), window=other_day)


def test_a_report_of_the_same_day_that_misses_the_session_is_refused():
    afternoon = (datetime(2027, 3, 9, 13, 30, tzinfo=UTC), datetime(2027, 3, 9, 16, 30, tzinfo=UTC))
    assert refusal(sample("teams_us_utf16be.csv"), window=afternoon) == (
        "The report's dates (9 March 2027, 09:20–12:36) do not match the session date "
        "(9 March 2027, 13:30–16:30)."
    )


def test_a_naive_window_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_report(
            sample("teams_legacy.csv"), window=(datetime(2027, 3, 9), datetime(2027, 3, 10))
        )


def _mutate(rng: random.Random, text: str) -> str:
    pieces = ["\t", ",", '"', "\n", "\r\n", "", " ", "\x00", "é", "PM", "13/13/13, 25:61:61"]
    lines = text.splitlines(keepends=True)
    match rng.randrange(7):
        case 0:  # truncate
            return text[: rng.randrange(len(text) + 1)]
        case 1:  # drop, duplicate or blank out lines
            index = rng.randrange(len(lines))
            lines[index] = rng.choice(["", "\n", lines[index] * 2, lines[-1]])
            return "".join(lines)
        case 2:  # insert separators, quotes, junk
            spot = rng.randrange(len(text) + 1)
            return text[:spot] + rng.choice(pieces) + text[spot:]
        case 3:  # remove a stretch
            spot = rng.randrange(len(text) + 1)
            return text[:spot] + text[spot + rng.randrange(1, 40) :]
        case 4:  # an extra or a missing column on every line
            cut = rng.choice(["\t", ","])
            return "".join(line.replace(cut, rng.choice(["", cut * 2]), 1) for line in lines)
        case 5:  # shuffle the lines
            rng.shuffle(lines)
            return "".join(lines)
        case _:  # swap characters
            chars = list(text)
            for _ in range(rng.randrange(1, 10)):
                chars[rng.randrange(len(chars))] = rng.choice('0123456789/:,\t" \nAPMx')
            return "".join(chars)


def _must_be_report_or_refusal(data: bytes) -> None:
    try:
        result = parse_report(data, window=WINDOW)
    except ReportError as error:
        assert str(error)
    else:
        assert isinstance(result, Report)
        for attendee in result.attendees:
            assert attendee.minutes >= 0
            assert all(WINDOW[0] <= start < end <= WINDOW[1] for start, end in attendee.intervals)
            assert attendee.minutes <= 180


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir()))
def test_damaged_files_give_a_report_or_a_refusal_never_a_crash(name):
    rng = random.Random(f"attendance-{name}")
    original = sample(name)
    encoding = "utf-16" if original[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = original.decode(encoding)
    except UnicodeDecodeError:
        text = original.decode("latin-1")
    for _ in range(300):
        mutated = text
        for _ in range(rng.randrange(1, 4)):
            mutated = _mutate(rng, mutated) if mutated else mutated
        _must_be_report_or_refusal(mutated.encode(encoding, errors="replace"))
        raw = bytearray(original)
        for _ in range(rng.randrange(1, 6)):
            if raw:
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        _must_be_report_or_refusal(bytes(raw[: rng.randrange(len(raw) + 1)]))
        _must_be_report_or_refusal(rng.randbytes(rng.randrange(1, 200)))
