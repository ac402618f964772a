"""Erasure on the hand-counted histories (tests/annual/conftest.py and the reports' history it
builds on; tests/reports/impact_history.py): every figure the same afterwards, the name and
address nowhere, certificates revoked, sign-in refused, the audit trail kept under the
pseudonym, and a second erasure changes nothing. On both databases."""

from datetime import UTC, datetime

from lms.accounts.models import (
    Role,
    User,
)
from lms.extensions import db
from lms.privacy.erasure import erase_person, kept_title
from lms.privacy.erasure_map import ERASURE
from lms.privacy.registry import PERSONAL
from lms.reports import periods
from tests.annual.conftest import NOW, annual_year  # noqa: F401
from tests.privacy.erasure_helpers import figures
from tests.reports.conftest import history  # noqa: F401
from tests.reports.impact_history import impact_history  # noqa: F401

YEAR = periods.financial_year(2025)
ERASED_AT = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)  # in the year 2026-27 the figures show


def _admin(app, make_user, agency_id):
    return make_user(name="Admin A", roles=(Role.ADMIN,), agency_id=agency_id)


def _erase(app, user_ids, by_id=None, reason="Asked to be forgotten") -> list[bool]:
    with app.app_context():
        by = db.session.get(User, by_id) if by_id else None
        done = [erase_person(i, by=by, now=ERASED_AT, reason=reason) for i in user_ids]
        db.session.commit()
        return done


def test_every_table_of_the_registry_says_what_erasure_does_to_it():
    assert set(ERASURE) == set(PERSONAL)
    assert all(ERASURE.values())


def test_a_job_title_keeps_only_the_requirement_words_it_contained():
    words = ["health visitor", "nurse", "school nurse", "social worker"]
    assert kept_title("Senior social worker, Team B", words) == "social worker"
    assert kept_title("Lead School Nurse (Alder Road)", words) == "school nurse"
    assert kept_title("Health visitor and nurse", words) == "health visitor; nurse"
    assert kept_title("Receptionist at Hope Church", words) == ""


def test_every_figure_is_the_same_after_three_counted_people_are_erased(
    app, annual_year, make_user, make_requirement
):
    people = annual_year.history.people
    council = annual_year.history.agencies["council"]
    # A requirement by job title: P2's identifying title must keep it applying after erasure.
    make_requirement("Health visitors", satisfied_by="level", level=2, job_titles=["visitor"])
    with app.app_context():
        p2 = db.session.get(User, people["P2"].id)
        p2.job_title = "Senior Health Visitor, Riverside North team"
        for membership in p2.memberships:
            membership.job_title = p2.job_title
        db.session.get(User, people["P1"].id).job_title = "Designated safeguarding lead"
        db.session.commit()
    admin = _admin(app, make_user, council)
    before = figures(app, now=NOW, year=YEAR, agency_id=council)

    # P1: moved agency, a certificate, evaluations with a quote; P2: a no-show charged, an
    # attendance, e-learning; P7: a no-show charge disputed, a late interest.
    erased = [people[key].id for key in ("P1", "P2", "P7")]
    assert _erase(app, erased, admin.id) == [True, True, True]

    after = figures(app, now=NOW, year=YEAR, agency_id=council)
    assert after.keys() == before.keys()
    assert [key for key in before if before[key] != after[key]] == []
    with app.app_context():
        p2 = db.session.get(User, people["P2"].id)
        assert p2.job_title == "visitor"
        assert {m.job_title for m in p2.memberships} == {"visitor"}
        assert db.session.get(User, people["P1"].id).job_title == ""
