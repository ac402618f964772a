"""The rules every source of completions shares."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from lms.accounts.models import AgencyMembership, User
from lms.catalogue.models import Course
from lms.elearning import completions
from lms.elearning.models import Completion, CompletionSource, UnmatchedCompletion
from lms.extensions import db
from tests.conftest import count


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 6, 15), 36, date(2028, 6, 15)),
        (date(2025, 11, 30), 2, date(2026, 1, 30)),
    ],
)
def test_months_are_added_to_the_same_day_or_the_months_last(day, months, expected):
    assert completions.add_months(day, months) == expected


def test_a_completion_counts_for_the_agency_the_person_was_in_that_day(
    app, make_user, make_agency, make_module
):
    first, second = make_agency("First agency"), make_agency("Second agency")
    person = make_user(agency_id=first)
    module = make_module(validity_months=12)
    with app.app_context():
        user = db.session.get(User, person.id)
        user.memberships[0].started_at = datetime(2024, 1, 1, tzinfo=UTC)
        user.memberships[0].ended_at = datetime(2025, 3, 1, 12, tzinfo=UTC)
        user.memberships.append(
            AgencyMembership(
                agency_id=second,
                job_title="Nurse",
                started_at=datetime(2025, 3, 1, 12, tzinfo=UTC),
            )
        )
        user.agency_id = second
        db.session.commit()
        course = db.session.get(Course, module)
        before, _ = completions.record(
            user, course, date(2025, 2, 28), source=CompletionSource.IMPORT
        )
        after, _ = completions.record(
            user, course, date(2025, 3, 2), source=CompletionSource.IMPORT
        )
        older, _ = completions.record(
            user, course, date(2020, 5, 1), source=CompletionSource.IMPORT
        )
        db.session.commit()
        assert (before.agency_id, after.agency_id, older.agency_id) == (first, second, first)
        assert before.expires_on == date(2026, 2, 28)


def test_the_same_person_module_and_day_is_held_once(app, make_user, make_module):
    person = make_user()
    module = make_module()
    with app.app_context():
        user, course = db.session.get(User, person.id), db.session.get(Course, module)
        first, added = completions.record(
            user, course, date(2026, 1, 5), source=CompletionSource.XAPI
        )
        again, added_again = completions.record(
            user, course, date(2026, 1, 5), source=CompletionSource.IMPORT
        )
        db.session.commit()
        assert (added, added_again, again.id) == (True, False, first.id)
        # The database refuses a second held row even when the check is skipped.
        db.session.add(
            Completion(
                user_id=user.id,
                course_id=course.id,
                agency_id=user.agency_id,
                completed_on=date(2026, 1, 5),
                source=CompletionSource.IMPORT,
            )
        )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        completions.withdraw(first, by=None, reason="Imported in error")
        db.session.commit()
        _, added_after_withdrawal = completions.record(
            user, course, date(2026, 1, 5), source=CompletionSource.IMPORT
        )
        db.session.commit()
        assert added_after_withdrawal
    assert count(app, Completion) == 2


def test_waiting_rows_attach_to_the_person_with_that_address(app, make_user, make_module):
    module = make_module()
    with app.app_context():
        db.session.add(
            UnmatchedCompletion(
                email="sam@example.org",
                course_id=module,
                completed_on=date(2026, 2, 1),
                source=CompletionSource.IMPORT,
            )
        )
        db.session.commit()
    person = make_user("sam@example.org")
    with app.app_context():
        assert completions.attach_waiting(db.session.get(User, person.id)) == 1
        db.session.commit()
        completion = db.session.scalar(sa.select(Completion))
        assert (completion.user_id, completion.agency_id) == (person.id, person.agency_id)
        assert completions.attach_waiting(db.session.get(User, person.id)) == 0
