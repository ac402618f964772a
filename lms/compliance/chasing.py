"""Chasing: a coordinator (or an admin) selects rows of their agency's compliance table that are
not compliant and sends each person ONE message naming each requirement chosen for them, where
they stand and the courses that would satisfy it. Each (person, requirement) chased is recorded
with the message, so the table shows when it was last chased."""

import re
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import Agency, User
from lms.audit import services as audit
from lms.compliance import satisfying, status
from lms.compliance.models import Chase
from lms.compliance.my_training import due_months
from lms.compliance.satisfying import Option
from lms.compliance.status import State, Status
from lms.core.errors import DomainError
from lms.core.inputs import LARGEST_ID
from lms.core.timefmt import long_date, uk_date
from lms.core.urls import external_url
from lms.elearning.renewals import today_in_uk
from lms.extensions import db
from lms.mail.services import queue_message

PAIR = re.compile(r"([0-9]{1,10})-([0-9]{1,10})")
# The most rows one chase takes: more than a page of any agency's table.
MOST_CHOSEN = 5_000


class ChaseError(DomainError):
    pass


def parse_selection(values: list[str]) -> list[tuple[int, int]]:
    """The (person id, requirement id) pairs the checkboxes sent, each once, in order."""
    if not values:
        raise ChaseError("Select at least one person to chase", field="chosen")
    if len(values) > MOST_CHOSEN:
        raise ChaseError(f"Select at most {MOST_CHOSEN:,} rows at a time", field="chosen")
    pairs = []
    for value in values:
        match = PAIR.fullmatch(value or "")
        if not match or any(int(part) > LARGEST_ID for part in match.groups()):
            raise ChaseError(
                "The selection could not be read: select people from the table again",
                field="chosen",
            )
        pairs.append((int(match.group(1)), int(match.group(2))))
    return list(dict.fromkeys(pairs))


def _chosen_statuses(agency: Agency, pairs, *, now: datetime) -> list[Status]:
    """The statuses of the pairs chosen, refusing any that cannot be chased."""
    today = today_in_uk(now)
    wanted = {user_id for user_id, _ in pairs}
    persons = [
        person for person in status.people(on=today, agency_id=agency.id) if person.id in wanted
    ]
    missing = wanted - {person.id for person in persons}
    if missing:
        raise ChaseError(
            f"Someone selected is not in {agency.name} (or their account is closed): "
            "select people from the table again",
            field="chosen",
        )
    found = {
        (item.person.id, item.rule.id): item
        for item in status.statuses(persons, status.rules(), today=today, due_months=due_months())
    }
    chosen = []
    for pair in pairs:
        item = found.get(pair)
        if item is None:
            raise ChaseError(
                "A requirement selected does not apply to the person it was selected for: "
                "select people from the table again",
                field="chosen",
            )
        if item.state is State.COMPLIANT:
            raise ChaseError(
                f"{item.person.name} is already compliant with “{item.rule.name}”: "
                "only people who are not can be chased",
                field="chosen",
            )
        chosen.append(item)
    return chosen


def course_links(options: list[Option]) -> list[dict]:
    """The courses as a message names them: title, absolute link, next session."""
    return [
        {
            "title": option.title,
            "url": external_url("catalogue.course", code=option.code),
            "elearning": option.is_elearning,
            "next_session": uk_date(option.starts_at) if option.starts_at else None,
            "session_url": (
                external_url("catalogue.session", session_id=option.session_id)
                if option.session_id
                else None
            ),
        }
        for option in options[: satisfying.MOST_LISTED]
    ]


def message_items(items: list[Status], options: dict[int, list[Option]]) -> list[dict]:
    """A person's requirements as a message lists them."""
    return [
        {
            "name": item.rule.name,
            "state": item.state.label,
            "valid_until": long_date(item.valid_until) if item.valid_until else None,
            "courses": course_links(options.get(item.rule.id, [])),
            "more": max(len(options.get(item.rule.id, [])) - satisfying.MOST_LISTED, 0),
        }
        for item in items
    ]


def _subject(items: list[Status]) -> str:
    if len(items) == 1:
        return f"Training your role needs: {items[0].rule.name}"
    return f"Training your role needs: {len(items)} requirements"


def chase(agency: Agency, values: list[str], *, by: User, now: datetime) -> int:
    """Send one message to each person selected, naming their requirements selected; record a
    Chase for each (person, requirement) and audit it. Returns the number of people chased.
    Nothing changes when any value is refused. Needs a request context (for links)."""
    chosen = _chosen_statuses(agency, parse_selection(values), now=now)
    by_person: dict[int, list[Status]] = defaultdict(list)
    for item in chosen:
        by_person[item.person.id].append(item)
    options = satisfying.options_for({item.rule for item in chosen}, now=now)
    users = {
        user.id: user
        for user in db.session.scalars(sa.select(User).where(User.id.in_(sorted(by_person))))
    }
    common = {
        "chaser": by.name,
        "agency": agency.name,
        "my_training": external_url("bookings.my_training"),
    }
    for user_id, items in by_person.items():
        person = users[user_id]
        message = queue_message(
            recipient=person.email,
            user=person,
            kind="compliance_chase",
            subject=_subject(items),
            context={**common, "person": person, "items": message_items(items, options)},
        )
        for item in items:
            db.session.add(
                Chase(
                    user_id=user_id,
                    requirement_id=item.rule.id,
                    chased_by_id=by.id,
                    chased_at=now,
                    message_id=message.id,
                )
            )
        audit.record(
            "compliance.chased",
            person,
            actor=by,
            after={
                "agency_id": agency.id,
                "requirements": [item.rule.id for item in items],
                "message_id": message.id,
            },
        )
    db.session.flush()
    return len(by_person)
