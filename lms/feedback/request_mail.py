"""The messages asking for an evaluation before or straight after a course, and their one
reminder: stored in the outbox many at once."""

from contextlib import nullcontext
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template

from lms.catalogue.models import Course
from lms.core.models import utcnow
from lms.core.text import single_line
from lms.core.timefmt import long_date, uk_date
from lms.core.urls import external_url
from lms.extensions import db
from lms.feedback.models import Response, Stage
from lms.mail.headers import clean_subject
from lms.mail.models import MessageStatus, OutboxMessage
from lms.settings import services as settings

KINDS = {Stage.BEFORE: "before_request", Stage.AFTER: "evaluation_request"}
MINUTES = 3


class Letters:
    """The request messages of one run (one completion, or a whole import): each kind's text is
    rendered once, and the course, the person's name, the day, the deadline and the link are
    filled in per message (none of them can hold the NUL markers), so thousands of messages
    cost little more than one."""

    NAME, WHEN, DUE, LINK = "\x00name\x00", "\x00when\x00", "\x00due\x00", "\x00link\x00"
    TITLE = "\x00title\x00"

    def __init__(self):
        self.certificate_waits = settings.current().certificates_wait_for_evaluation
        self.my_training = external_url("bookings.my_training")
        # The answer page's address with the id left off the end (the route ends in it).
        self.link_stem = external_url("feedback.answer", response_id=0)[:-1]
        self.bodies: dict[tuple, str] = {}
        self.days: dict[tuple, str] = {}

    def _body(self, stage: Stage, reminder: bool) -> str:
        key = (stage, reminder)
        if key not in self.bodies:
            self.bodies[key] = render_template(
                f"mail/{KINDS[stage]}.txt",
                person=SimpleNamespace(name=self.NAME),
                course=SimpleNamespace(title=self.TITLE),
                when=self.WHEN,
                link=self.LINK,
                minutes=MINUTES,
                due_by=self.DUE,
                reminder=reminder,
                certificate_waits=self.certificate_waits,
                my_training=self.my_training,
            )
        return self.bodies[key]

    def row(
        self,
        stage: Stage,
        course: Course,
        *,
        response_id: int,
        user_id: int,
        name: str,
        email: str,
        when: str,
        expires_at: datetime,
        reminder: bool = False,
    ) -> dict:
        """An outbox row's values for a request (or its reminder)."""
        if stage is Stage.BEFORE:
            subject = f"Before {course.title}: where are you starting from?"
        else:
            subject = f"How was {course.title}? Tell us in about {MINUTES} minutes"
        if reminder:
            subject = f"Reminder: {subject}"
        body = (
            self._body(stage, reminder)
            .replace(self.TITLE, course.title)
            .replace(self.NAME, name)
            .replace(self.WHEN, when)
            .replace(self.DUE, self._day(uk_date, expires_at))
            .replace(self.LINK, f"{self.link_stem}{response_id}")
        )
        return {
            "recipient": single_line(email),
            "user_id": user_id,
            "kind": KINDS[stage],
            "subject": clean_subject(subject),
            "body_text": body,
        }

    def _day(self, show, value) -> str:
        """A date shown once per run, however many messages carry it."""
        key = (show, value)
        if key not in self.days:
            self.days[key] = show(value)
        return self.days[key]

    def when(self, day) -> str:
        return self._day(long_date, day)

    def of(self, response: Response, *, reminder: bool = False) -> dict:
        """The row for one response, read from its person, course and booking."""
        if response.booking_id is not None:
            when = uk_date(response.booking.session.starts_at)
        else:
            when = long_date(response.course_on)
        person = response.user
        return self.row(
            response.stage,
            response.course,
            response_id=response.id,
            user_id=person.id,
            name=person.name,
            email=person.email,
            when=when,
            expires_at=response.expires_at,
            reminder=reminder,
        )


def queue(rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(OutboxMessage), rows)


def in_request():
    """A request context for building links, when there is none (an import from the
    command line): one for a whole batch of messages rather than one per link."""
    if has_request_context():
        return nullcontext()
    base = current_app.config.get("BASE_URL") or "http://localhost"
    return current_app.test_request_context(base_url=base)


def queue_many(driver, rows: list[dict], *, now: datetime | None = None) -> None:
    """Store many messages straight through the driver (see `lms.elearning.bulk`)."""
    moment = driver.moment(now or utcnow())
    columns = ("recipient", "user_id", "kind", "subject", "body_text")
    driver.insert(
        "outbox_messages",
        (*columns, "status", "attempts", "created_at", "next_attempt_at"),
        [
            (*(row[column] for column in columns), MessageStatus.QUEUED.value, 0, moment, moment)
            for row in rows
        ],
    )
