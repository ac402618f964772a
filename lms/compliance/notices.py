"""run-jobs: tell people once when their compliance with a requirement becomes due.

Everyone's compliance is computed at once (the people, their training and the requirements read
in a handful of queries, whatever their number). A person due for one or more active
requirements they have not been told about for that date gets one message naming them, and a
DueNotice for each (person, requirement, last valid day): the unique constraint makes it once.
Training again moves the last valid day, so they are told again next time it comes round."""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.compliance import satisfying, status
from lms.compliance.chasing import message_items
from lms.compliance.models import DueNotice
from lms.compliance.my_training import due_months
from lms.compliance.status import State, Status
from lms.core.urls import external_url
from lms.elearning.renewals import today_in_uk
from lms.extensions import db
from lms.mail.services import queue_message

CHUNK = 500  # people read at a time


def due_now(*, now: datetime) -> list[Status]:
    """Every (person, active requirement) due today that has no notice for its last valid day."""
    today = today_in_uk(now)
    all_rules = status.rules()
    if not all_rules:
        return []
    persons = [
        person
        for person in status.people(on=today)
        if any(status.applies(rule, person) for rule in all_rules)
    ]
    if not persons:
        return []
    found = status.statuses(
        persons, all_rules, today=today, due_months=due_months(), found=status.evidence(on=today)
    )
    due = [item for item in found if item.state is State.DUE]
    if not due:
        return []
    told = {
        tuple(row)
        for row in db.session.execute(
            sa.select(DueNotice.user_id, DueNotice.requirement_id, DueNotice.valid_until).where(
                DueNotice.valid_until >= today
            )
        )
    }
    return [item for item in due if (item.person.id, item.rule.id, item.valid_until) not in told]


def _claim(item: Status, *, now: datetime) -> bool:
    """Record the notice; False when another run recorded it first."""
    try:
        with db.session.begin_nested():
            db.session.add(
                DueNotice(
                    user_id=item.person.id,
                    requirement_id=item.rule.id,
                    valid_until=item.valid_until,
                    sent_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def send_due_notices(*, now: datetime) -> int:
    """One message to each person newly due, naming each requirement, the day it runs out and
    the courses that would satisfy it. Returns the number of people told. Commits person by
    person. Needs a request context (for links)."""
    due = due_now(now=now)
    if not due:
        return 0
    by_person: dict[int, list[Status]] = defaultdict(list)
    for item in due:
        by_person[item.person.id].append(item)
    options = satisfying.options_for({item.rule for item in due}, now=now)
    ids = sorted(by_person)
    users = {
        user.id: user
        for start in range(0, len(ids), CHUNK)
        for user in db.session.scalars(
            sa.select(User).where(User.id.in_(ids[start : start + CHUNK]))
        )
    }
    my_training = external_url("bookings.my_training")
    told = 0
    for user_id, items in by_person.items():
        claimed = [item for item in items if _claim(item, now=now)]
        if claimed:
            person = users[user_id]
            queue_message(
                recipient=person.email,
                user=person,
                kind="compliance_due",
                subject=_subject(claimed),
                context={
                    "person": person,
                    "items": message_items(claimed, options),
                    "my_training": my_training,
                },
            )
            told += 1
        db.session.commit()
    return told


def _subject(items: list[Status]) -> str:
    if len(items) == 1:
        return f"Due soon: {items[0].rule.name}"
    return f"Due soon: {len(items)} requirements of your role"
