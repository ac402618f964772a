"""A small hand-counted evaluation history for the impact report and the trainers' summaries.

Financial year 2025-26; agencies A (education), B and C (health); fewest responses 3.

- N3 "Neglect L3" (level 3, neglect), session S1 on 10 June 2025, trainer T:
  u1 (A): before (k 3, c 4); after rating 5, knowledge 3→8, confidence 4→8; follow-up
  changed 4; manager seen 3.
  u2 (A): before asked, not answered; after 4, 5→6, 5→5; follow-up changed 1; manager asked.
  u3 (B): before (5, 5); after 3, 5→5, 5→4; follow-up asked, not answered; manager seen 2
  (the manager answered when the practitioner did not).
  u4 (B): after 4, 2→7, 3→6, answered under question set version 1 (version 2 saved after).
  u5 (C): after 1, 1→10, 1→10, then attendance corrected (completed_at None): not counted.
  u6 (C): after 2, 9→1, withdrawn: not counted.
- NE3 "Neglect and exploitation" (level 3, both themes), S2 on 15 September 2025:
  u7 (A): after 5, 6→9, 7→7; follow-up asked, not answered.
  u8 (C): after 4, knowledge 6 and confidence 6 with no figures before, and a comment that
  was redacted, and another comment that was not.
  u9 (B): follow-up only, changed 2.
- X2 "Exploitation L2" (level 2, exploitation), S3 on 20 November 2025:
  u10 (A): after 3, 4→4, 4→5.
  u11 (B): before answered (2, 2), then the booking was cancelled: not counted.
- M1 e-learning module (level 1, no theme): u12 (A) completed 1 July 2025, after 4, 5→7, 6→7;
  u13 (B) completed 1 August 2025, after 1, 10→1, then the completion withdrawn: not counted.
- Outside the year: S0 of N3 on 20 March 2025: u1 after rating 1: not counted.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from lms.accounts.models import Role, Sector, User
from lms.bookings.models import Booking, BookingStatus
from lms.elearning.models import Completion
from lms.extensions import db
from lms.feedback import questions
from lms.feedback.models import Answer, QuestionKind, Response, Stage
from lms.settings.services import current
from tests.reports.conftest import day

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass
class ImpactHistory:
    agencies: dict[str, int]
    people: dict[str, object]
    courses: dict[str, int]
    sessions: dict[str, int]
    bookings: dict[str, int]
    responses: dict[str, int]
    trainer: object
    pdl: object
    admin: object


@pytest.fixture
def impact_history(
    app,
    make_agency,
    make_user,
    make_theme,
    make_course,
    make_course_session,
    make_completed_booking,
    make_module,
    make_completion,
    make_response,
):
    agencies = {
        "A": make_agency("Alder School", sector=Sector.EDUCATION),
        "B": make_agency("Birch NHS Trust", sector=Sector.HEALTH),
        "C": make_agency("Cedar Health Centre", sector=Sector.HEALTH),
    }
    home = dict(u1="A", u2="A", u3="B", u4="B", u5="C", u6="C", u7="A", u8="C", u9="B")
    home |= dict(u10="A", u11="B", u12="A", u13="B")
    people = {
        name: make_user(name=f"Person {name}", agency_id=agencies[where])
        for name, where in home.items()
    }
    trainer = make_user(name="Trainer T", roles=(Role.TRAINER,), agency_id=agencies["A"])
    pdl = make_user(name="PDL viewer", roles=(Role.PDL_VIEWER,), agency_id=agencies["A"])
    admin = make_user(name="Admin", roles=(Role.ADMIN,), agency_id=agencies["A"])
    neglect, exploitation = make_theme("Neglect"), make_theme("Exploitation")
    courses = {
        "N3": make_course("Neglect L3", code="N3", level=3, theme_ids=[neglect]),
        "NE3": make_course(
            "Neglect and exploitation", code="NE3", level=3, theme_ids=[neglect, exploitation]
        ),
        "X2": make_course("Exploitation L2", code="X2", level=2, theme_ids=[exploitation]),
        "M1": make_module("Safeguarding basics", module_code="M1", code="M1"),
    }
    sessions = {
        "S0": make_course_session(courses["N3"], dates=[day(2025, 3, 20)], status="completed"),
        "S1": make_course_session(
            courses["N3"],
            dates=[day(2025, 6, 10)],
            status="completed",
            trainer_ids=[trainer.id],
        ),
        "S2": make_course_session(courses["NE3"], dates=[day(2025, 9, 15)], status="completed"),
        "S3": make_course_session(courses["X2"], dates=[day(2025, 11, 20)], status="completed"),
    }
    bookings = {}
    for person, session in [
        ("u1", "S1"),
        ("u2", "S1"),
        ("u3", "S1"),
        ("u4", "S1"),
        ("u5", "S1"),
        ("u6", "S1"),
        ("u7", "S2"),
        ("u8", "S2"),
        ("u9", "S2"),
        ("u10", "S3"),
        ("u11", "S3"),
        ("u1", "S0"),
    ]:
        key = person if session != "S0" else "u1-S0"
        bookings[key] = make_completed_booking(people[person].id, sessions[session])
    completions = {
        "u12": make_completion(people["u12"].id, courses["M1"], date(2025, 7, 1)),
        "u13": make_completion(people["u13"].id, courses["M1"], date(2025, 8, 1)),
    }
    with app.app_context():
        current().fewest_responses = 3
        db.session.commit()

    made = {}

    def answer(key, stage, subject, **figures):
        on = {"completion_id": completions[subject]} if subject in completions else {}
        on = on or {"booking_id": bookings[subject]}
        made[key] = make_response(stage, invited_at=NOW - timedelta(days=300), **on, **figures)

    def after(key, rating, knowledge, confidence):
        (kb, k), (cb, c) = knowledge, confidence
        answer(key, "after", key, rating=rating, knowledge=k, knowledge_before=kb)
        with app.app_context():
            db.session.get(Response, made[key]).confidence = c
            db.session.get(Response, made[key]).confidence_before = cb
            db.session.commit()

    after("u4", 4, (2, 7), (3, 6))  # under version 1 of the questions
    with app.app_context():
        current_set = questions.current_set(Stage.AFTER)
        specs = [questions.QuestionSpec.of(q) for q in current_set.questions]
        specs[0] = replace(specs[0], text="All in all, how good was this course?")
        questions.save_version(Stage.AFTER, specs, by=db.session.get(User, admin.id))
        db.session.commit()
    answer("u1-before", "before", "u1", knowledge=3, confidence=4)
    answer("u2-before", "before", "u2")
    answer("u3-before", "before", "u3", knowledge=5, confidence=5)
    answer("u11-before", "before", "u11", knowledge=2, confidence=2)
    after("u1", 5, (3, 8), (4, 8))
    after("u2", 4, (5, 6), (5, 5))
    after("u3", 3, (5, 5), (5, 4))
    after("u5", 1, (1, 10), (1, 10))
    after("u6", 2, (9, 1), (9, 1))
    after("u7", 5, (6, 9), (7, 7))
    answer("u8", "after", "u8", rating=4, knowledge=6, confidence=6)
    after("u10", 3, (4, 4), (4, 5))
    after("u12", 4, (5, 7), (6, 7))
    after("u13", 1, (10, 1), (10, 1))
    answer("u1-S0", "after", "u1-S0", rating=1, knowledge=1, knowledge_before=1)
    answer("u1-follow", "follow_up", "u1", practice_changed=4)
    answer("u2-follow", "follow_up", "u2", practice_changed=1)
    answer("u3-follow", "follow_up", "u3")
    answer("u7-follow", "follow_up", "u7")
    answer("u9-follow", "follow_up", "u9", practice_changed=2)
    for person, seen in (("u1", 3), ("u2", None), ("u3", 2)):
        figures = {"change_seen": seen} if seen else {}
        made[f"{person}-manager"] = make_response(
            "manager",
            booking_id=bookings[person],
            respondent_email=f"manager.{person}@example.org",
            invited_at=NOW - timedelta(days=250),
            **figures,
        )
    with app.app_context():
        later = NOW - timedelta(days=100)
        # u5's attendance corrected after answering; u6's response withdrawn; u11 cancelled;
        # u13's completion withdrawn.
        booking = db.session.get(Booking, bookings["u5"])
        booking.completed_at, booking.outcome = None, "partial"
        db.session.get(Response, made["u6"]).withdrawn_at = later
        cancelled = db.session.get(Booking, bookings["u11"])
        cancelled.status, cancelled.cancelled_at = BookingStatus.CANCELLED, later
        db.session.get(Completion, completions["u13"]).withdrawn_at = later
        # u8's comments: one redacted, one not.
        comments = [
            q for q in questions.current_set(Stage.AFTER).questions if q.kind is QuestionKind.TEXT
        ]
        db.session.add_all(
            [
                Answer(
                    response_id=made["u8"],
                    question_id=comments[0].id,
                    text=None,
                    redacted_at=later,
                    redacted_by_id=admin.id,
                ),
                Answer(
                    response_id=made["u8"],
                    question_id=comments[-1].id,
                    text="Great <b>day</b>, thank you",
                ),
            ]
        )
        db.session.commit()
    return ImpactHistory(agencies, people, courses, sessions, bookings, made, trainer, pdl, admin)
