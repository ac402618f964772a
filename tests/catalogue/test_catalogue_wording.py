"""The catalogue reads correctly: counts agree with their nouns and verbs, and a session's facts
are set in the GOV.UK font, not the browser's serif default."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import lms
from lms.accounts.models import Role
from lms.core.models import utcnow
from lms.core.words import plural

LONDON = ZoneInfo("Europe/London")
APP_CSS = Path(lms.__file__).parent / "static" / "app.css"


def future(days):
    day = (utcnow() + timedelta(days=days)).astimezone(LONDON).date()
    start = datetime(day.year, day.month, day.day, 9, 30, tzinfo=LONDON).astimezone(UTC)
    return [(start, start + timedelta(hours=3))]


def results_heading(page: str) -> str:
    heading = re.search(r'<h2 class="govuk-heading-m" id="results">([^<]*)</h2>', page)
    return " ".join(heading.group(1).split())


@pytest.mark.parametrize(
    ("count", "singular", "plural_form", "expected"),
    [
        (0, "session", None, "0 sessions"),
        (1, "session", None, "1 session"),
        (2, "session", None, "2 sessions"),
        (1, "person", "people", "1 person"),
        (3, "person", "people", "3 people"),
        (1, "session matches", "sessions match", "1 session matches"),
        (2, "session matches", "sessions match", "2 sessions match"),
    ],
)
def test_plural(count, singular, plural_form, expected):
    assert plural(count, singular, plural_form) == expected


def test_the_catalogue_counts_its_results_in_good_english(client, make_course, make_course_session):
    neglect = make_course("Neglect: the basics")
    make_course_session(neglect, dates=future(10))
    make_course_session(make_course("Domestic abuse awareness"), dates=future(12))
    assert results_heading(client.get("/training").get_data(as_text=True)) == "2 sessions"
    searched = client.get("/training?q=neglect").get_data(as_text=True)
    assert results_heading(searched) == "1 session matches your filters"
    searched = client.get("/training?level=2").get_data(as_text=True)
    assert results_heading(searched) == "2 sessions match your filters"
    searched = client.get("/training?q=nothing-like-this").get_data(as_text=True)
    assert results_heading(searched) == "0 sessions match your filters"
    courses = client.get("/courses").get_data(as_text=True)
    assert "2 courses" in courses and "1 upcoming session<" in " ".join(courses.split()).replace(
        " <", "<"
    )


def test_a_session_page_counts_places_and_trainers(client, make_user, make_course_session):
    trainer = make_user(roles=(Role.TRAINER,), name="Tomasz Nowak")
    session_id = make_course_session(capacity=1, trainer_ids=[trainer.id])
    page = " ".join(client.get(f"/sessions/{session_id}").get_data(as_text=True).split())
    assert "1 place in all" in page and "1 places" not in page
    assert "Trainer: Tomasz Nowak" in page
    second = make_user(roles=(Role.TRAINER,), name="Amira Haddad")
    session_id = make_course_session(capacity=2, trainer_ids=[trainer.id, second.id])
    page = " ".join(client.get(f"/sessions/{session_id}").get_data(as_text=True).split())
    assert "2 places in all" in page
    assert "Trainers: Amira Haddad, Tomasz Nowak" in page or (
        "Trainers: Tomasz Nowak, Amira Haddad" in page
    )


def test_registrations_count_people_and_agencies(client, make_user, login):
    login(make_user(roles=(Role.PDL_VIEWER,)))
    page = " ".join(client.get("/registrations").get_data(as_text=True).split())
    assert "today: 1 person at 1 of 1 agency." in page


def test_admin_pages_count_in_good_english(
    client, make_user, login, make_course, make_course_session
):
    login(make_user(roles=(Role.ADMIN,)))
    session_id = make_course_session(make_course(), capacity=1)
    sessions = client.get("/admin/sessions").get_data(as_text=True)
    assert ">1 session</caption>" in sessions
    courses = client.get("/admin/courses").get_data(as_text=True)
    assert ">1 course</caption>" in courses
    agencies = client.get("/admin/agencies").get_data(as_text=True)
    assert re.search(r">\s*1 agency\s*</caption>", agencies)
    session_page = client.get(f"/admin/sessions/{session_id}").get_data(as_text=True)
    assert "0 of 1 place taken." in session_page
    bookings = client.get(f"/sessions/{session_id}/bookings").get_data(as_text=True)
    assert "0 of 1 place taken." in bookings


def test_session_facts_are_in_the_govuk_font(client, make_course_session):
    make_course_session(dates=future(10))
    page = client.get("/training").get_data(as_text=True)
    assert '<dl class="app-facts">' in page and "<dt>When</dt>" in page
    css = APP_CSS.read_text()
    rule = re.search(r"\n\.app-facts \{([^}]*)\}", css).group(1)
    assert "font-family: arial, sans-serif;" in rule
    assert "font-size: 1rem;" in rule and "line-height: 1.25;" in rule
    assert "color: var(--govuk-text-colour, #0b0c0c);" in rule
