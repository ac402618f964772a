"""The public catalogue's cache is exact: every change to what a page shows, made by any writer
through any app instance, is on the next anonymous request; a hit costs one read."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.bookings.models import Booking
from lms.catalogue.models import Course, CourseSession, SessionStatus
from lms.catalogue.sessions import set_dates
from lms.core import versions
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import app_config, counting_statements, post_form

PLACES = re.compile(r"(\d+) places? left|>\s*(Full|Cancelled)\s*<")


@pytest.fixture
def world(app, make_course, make_course_session, make_user, login, client):
    course_id = make_course(title="Working Together")
    session_id = make_course_session(course_id, capacity=2)
    with app.app_context():
        code = db.session.get(Course, course_id).code
    return {"course": course_id, "code": code, "session": session_id}


def places(client, path: str) -> str:
    """What an anonymous visitor is told about places on a page."""
    found = PLACES.search(client.get(path).get_data(as_text=True))
    assert found, path
    return found.group(1) or found.group(2)


def shown(client, world) -> dict:
    """Everything public about the session, from each cached page, API answer and calendar."""
    api = client.get("/api/v1/sessions").json["sessions"]
    return {
        "session page": places(client, f"/sessions/{world['session']}"),
        "catalogue": places(client, "/training"),
        "course page": places(client, f"/courses/{world['code']}"),
        "api": [item["places_left"] for item in api],
        "titles": [item["title"] for item in api],
        "calendar": "CANCELLED" in client.get(f"/sessions/{world['session']}.ics").text,
    }


def change(app, work) -> None:
    """A change made by a writer outside any request (an admin's form, run-jobs, a script)."""
    with app.app_context():
        work(db.session)
        db.session.commit()


def book(app, login, person, session_id):
    """The person signs in (in a browser of their own) and books; the browser is returned."""
    browser = app.test_client()
    login(person, using=browser)
    response = post_form(browser, f"/sessions/{session_id}/book", {}, token_from="/training")
    assert response.status_code == 302
    return browser


def test_every_change_is_on_the_next_anonymous_request(app, world, make_user, login, client):
    anonymous = app.test_client()
    assert shown(anonymous, world) == {
        "session page": "2",
        "catalogue": "2",
        "course page": "2",
        "api": [2],
        "titles": ["Working Together"],
        "calendar": False,
    }
    first, second = make_user(), make_user()
    browser = book(app, login, first, world["session"])
    assert shown(anonymous, world)["session page"] == "1"
    assert shown(anonymous, world)["catalogue"] == "1"
    book(app, login, second, world["session"])
    now_full = shown(anonymous, world)
    assert [now_full[page] for page in ("session page", "catalogue", "course page")] == ["Full"] * 3
    assert now_full["api"] == [0]

    with app.app_context():
        booking_id = db.session.scalar(sa.select(Booking.id).where(Booking.user_id == first.id))
    cancelled = post_form(browser, f"/bookings/{booking_id}/cancel", {"reason": "Ill"})
    assert cancelled.status_code == 302
    assert shown(anonymous, world)["course page"] == "1"

    change(app, lambda s: setattr(s.get(CourseSession, world["session"]), "capacity", 6))
    assert shown(anonymous, world)["session page"] == "5"
    change(app, lambda s: setattr(s.get(Course, world["course"]), "title", "Working Better"))
    assert shown(anonymous, world)["titles"] == ["Working Better"]
    assert "Working Better" in anonymous.get("/training").text
    change(
        app,
        lambda s: s.execute(
            sa.text("UPDATE course_sessions SET places_taken = 6 WHERE id = :id"),
            {"id": world["session"]},
        ),
    )
    assert shown(anonymous, world)["catalogue"] == "Full"

    def move(s):
        moved = utcnow().replace(microsecond=0) + timedelta(days=50)
        set_dates(s.get(CourseSession, world["session"]), [(moved, moved + timedelta(hours=3))])

    before = anonymous.get(f"/sessions/{world['session']}").text
    change(app, move)
    assert anonymous.get(f"/sessions/{world['session']}").text != before

    def cancel(s):
        s.get(CourseSession, world["session"]).status = SessionStatus.CANCELLED
        s.get(CourseSession, world["session"]).cancelled_at = utcnow()

    change(app, cancel)
    assert places(anonymous, f"/sessions/{world['session']}") == "Cancelled"
    assert "CANCELLED" in anonymous.get(f"/sessions/{world['session']}.ics").text
    assert anonymous.get("/api/v1/sessions").json["sessions"] == []
    assert "Working Better" not in anonymous.get("/training").text


def test_two_app_instances_sharing_one_database_stay_exact(
    app, world, shared_database, tmp_path, make_user, login, client
):
    other = create_app(app_config(shared_database, tmp_path / "other"))
    elsewhere = other.test_client()
    assert places(elsewhere, f"/sessions/{world['session']}") == "2"
    assert places(elsewhere, "/training") == "2"
    book(app, login, make_user(), world["session"])  # through the first instance
    assert places(elsewhere, f"/sessions/{world['session']}") == "1"
    assert places(elsewhere, "/training") == "1"
    with other.app_context():
        db.engine.dispose()


def test_a_hit_costs_one_read_and_revalidation_answers_304(app, world, make_user, login, client):
    anonymous = app.test_client()
    path = f"/sessions/{world['session']}"
    # The setting up wrote several times within a second, and each change is at least a
    # second after the one before, so the version's time is still ahead: no Last-Modified.
    assert "Last-Modified" not in anonymous.get(path).headers
    change(
        app,
        lambda s: s.execute(
            sa.text("UPDATE cache_versions SET changed_at = :t"), {"t": an_hour_ago()}
        ),
    )
    first = anonymous.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in first.headers["Vary"]
    with counting_statements(app) as statements:
        again = anonymous.get(path)
    assert len(statements) == 1 and "cache_versions" in statements[0]
    assert again.data == first.data.replace(nonce(first).encode(), nonce(again).encode())
    assert nonce(again) != nonce(first)

    with counting_statements(app) as statements:
        unchanged = anonymous.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and not unchanged.data
    assert len(statements) == 1
    assert anonymous.get(path, headers={"If-Modified-Since": modified}).status_code == 304

    book(app, login, make_user(), world["session"])
    changed = anonymous.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "1 place left" in changed.text
    assert anonymous.get(path, headers={"If-Modified-Since": modified}).status_code == 200


def an_hour_ago():
    return (utcnow() - timedelta(hours=1)).replace(microsecond=0, tzinfo=None)


def nonce(response) -> str:
    """The CSP nonce of a response, which its page's script must carry."""
    value = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{value}"' in response.text
    return value


def test_the_clock_ends_a_copy_when_booking_closes(app, world, monkeypatch):
    with app.app_context():
        closes = utcnow().replace(microsecond=0) + timedelta(hours=2)
        db.session.get(CourseSession, world["session"]).booking_closes_at = closes
        db.session.commit()
    anonymous = app.test_client()
    path = f"/sessions/{world['session']}"
    assert "to book" in anonymous.get(path).text
    assert "to book" in anonymous.get(path).text  # from the cache
    later = closes + timedelta(minutes=1)
    for module in ("lms.core.cache", "lms.catalogue.views"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: later)
    assert "not open for booking" in anonymous.get(path).text


def test_signed_in_pages_and_flashed_messages_never_come_from_the_cache(
    app, world, make_user, login, client
):
    anonymous = app.test_client()
    assert anonymous.get("/training").headers["Cache-Control"] == "public, no-cache"
    login(make_user(name="Ada Practitioner"))
    signed_in = client.get("/training")
    assert "Sign out" in signed_in.text and signed_in.headers["Cache-Control"] == "no-store"
    assert "ETag" not in signed_in.headers
    # The results column is shared by everyone who sends the same query, and kept as exact.
    assert places(client, "/training") == "2"
    change(app, lambda s: setattr(s.get(CourseSession, world["session"]), "capacity", 7))
    assert places(client, "/training") == "7"
    with anonymous.session_transaction() as cookie:
        cookie["_flashes"] = [("info", "Sign in to see this page.")]
    assert "Sign in to see this page." in anonymous.get("/training").text


def test_every_table_a_cached_page_reads_raises_the_version(app, world, client):
    """A table read by a cached answer but missing from WATCHED would let a copy go stale."""
    read = set()
    tables = set(db.metadata.tables)

    def record(_conn, _cursor, statement, *_args):
        read.update(set(re.findall(r'\b(?:FROM|JOIN)\s+"?(\w+)', statement)) & tables)

    paths = ["/training", "/courses", f"/courses/{world['code']}", f"/sessions/{world['session']}"]
    paths += ["/api/v1/sessions", "/api/v1/courses", "/calendar/sessions.ics"]
    paths += [f"/sessions/{world['session']}.ics", "/training?q=work&places=y"]
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert {"course_sessions", "courses", "cache_versions"} <= read
    assert read - {"cache_versions"} <= versions.WATCHED


def test_a_write_to_a_watched_table_raises_the_version_once_per_commit(app, world):
    with app.app_context():
        start = versions.current().number
    change(app, lambda s: s.get(Course, world["course"]).__setattr__("summary", "New"))
    change(app, lambda s: None)  # nothing written: the version stays
    with app.app_context():
        assert versions.current().number == start + 1
    with app.app_context():
        db.session.get(Course, world["course"]).summary = "Rolled back"
        db.session.flush()
        db.session.rollback()
    change(app, lambda s: None)
    with app.app_context():
        assert versions.current().number == start + 1
