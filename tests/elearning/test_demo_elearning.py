"""The demo e-learning keeps the completion rules: a provider with modules, a year of past
completions held once per person, module and day, each for the person's agency on the day,
renewals due and expired, unmatched rows, declared training with real PDF evidence; idempotent."""

import re
from collections import Counter
from datetime import UTC, date, datetime

import sqlalchemy as sa

from lms.accounts import demo as accounts_demo
from lms.accounts.models import User
from lms.catalogue import demo as catalogue_demo
from lms.catalogue.models import Course, DeliveryMode, Provider
from lms.certificates.models import Certificate
from lms.elearning import completions
from lms.elearning import demo as elearning_demo
from lms.elearning.models import (
    Completion,
    CompletionSource,
    DeclarationStatus,
    TrainingDeclaration,
    UnmatchedCompletion,
)
from lms.extensions import db

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 22)
SUMMARY = re.compile(
    r"^\d+ e-learning modules, [\d,]+ completions, \d+ unmatched rows, \d+ declarations added$"
)


def seed_all(app, now=NOW) -> str:
    with app.app_context():
        accounts_demo.seed_people(accounts_demo.seed_agencies())
        catalogue_demo.seed(now=now)
        summary = elearning_demo.seed(now=now)
        db.session.commit()
        return summary


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Course, Completion, UnmatchedCompletion, TrainingDeclaration, Provider)
        )


def test_a_provider_with_modules_and_a_saved_import_mapping(app):
    summary = seed_all(app)
    assert SUMMARY.match(summary), summary
    assert summary.startswith("6 e-learning modules")
    with app.app_context():
        provider = db.session.scalar(
            sa.select(Provider).where(Provider.name == "Safeguarding E-learning Ltd")
        )
        assert provider.import_mapping["email"] == "Email Address"
        assert provider.import_mapping["completed_values"] == ["Completed", "Passed"]
        modules = db.session.scalars(
            sa.select(Course).where(Course.provider_id == provider.id).order_by(Course.code)
        ).all()
        assert len(modules) == 6
        for module in modules:
            assert module.delivery_mode is DeliveryMode.ELEARNING and module.module_code
            assert module.activity_id.startswith("https://") and module.course_url.startswith(
                "https://"
            )
            assert module.themes, module.title
        validity = {module.title: module.certificate_validity_months for module in modules}
        assert validity["FGM awareness"] is None and validity["Prevent awareness"] == 24
        assert {module.level for module in modules} == {1, 2}


def test_a_year_of_past_completions_each_held_once_for_the_agency_on_the_day(app):
    seed_all(app)
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Completion.user_id,
                Completion.course_id,
                Completion.completed_on,
                Completion.agency_id,
                Completion.expires_on,
                Completion.source,
                Completion.recorded_at,
                Course.certificate_validity_months,
            ).join(Course, Course.id == Completion.course_id)
        ).all()
        people = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        agencies = completions.agencies_on((row.user_id, row.completed_on) for row in rows)
    assert len(rows) > people  # most people did Level 1, many more than one module
    keys = Counter((row.user_id, row.course_id, row.completed_on) for row in rows)
    assert max(keys.values()) == 1
    assert all(row.completed_on < TODAY for row in rows)
    assert all(row.recorded_at <= NOW for row in rows)
    assert sum(row.completed_on >= date(2025, 11, 22) for row in rows) > 0.9 * len(rows)
    assert all(row.agency_id == agencies[(row.user_id, row.completed_on)] for row in rows)
    assert all(
        row.expires_on == completions.expires_on(row.certificate_validity_months, row.completed_on)
        for row in rows
    )
    sources = Counter(row.source for row in rows)
    assert sources[CompletionSource.IMPORT] and sources[CompletionSource.XAPI]
    assert sources[CompletionSource.SELF_DECLARED] == 2


def test_renewals_due_and_expired_for_the_demo_practitioner_and_coordinators_staff(app):
    seed_all(app)
    with app.app_context():
        practitioner = db.session.scalar(
            sa.select(User).where(User.email == elearning_demo.DEMO_PRACTITIONER_EMAIL)
        )
        theirs = db.session.execute(
            sa.select(Course.module_code, Completion.expires_on)
            .join(Course, Course.id == Completion.course_id)
            .where(Completion.user_id == practitioner.id)
        ).all()
        coordinator = db.session.scalar(
            sa.select(User).where(User.email == elearning_demo.DEMO_COORDINATOR_EMAIL)
        )
        staff_expiries = db.session.scalars(
            sa.select(Completion.expires_on).where(
                Completion.agency_id == coordinator.agency_id, Completion.expires_on.is_not(None)
            )
        ).all()
    level_one = [expires for code, expires in theirs if code == "SGC-L1"]
    assert level_one == [date(2026, 12, 22)]  # runs out next month
    assert sum(TODAY <= day <= date(2027, 1, 22) for day in staff_expiries) >= 2
    assert sum(day < TODAY for day in staff_expiries) >= 2


def test_unmatched_rows_and_declarations_of_each_status(app):
    seed_all(app)
    with app.app_context():
        emails = set(db.session.scalars(sa.select(User.email)))
        unmatched = db.session.scalars(sa.select(UnmatchedCompletion)).all()
        declarations = db.session.scalars(sa.select(TrainingDeclaration)).all()
        assert len(unmatched) >= 5 and not {row.email for row in unmatched} & emails
        assert all(row.completed_on < TODAY for row in unmatched)
        statuses = Counter(d.status for d in declarations)
        assert statuses[DeclarationStatus.PENDING] >= 1
        assert statuses[DeclarationStatus.VERIFIED] >= 1
        assert statuses[DeclarationStatus.REJECTED] >= 1
        for declaration in declarations:
            assert declaration.evidence.startswith(b"%PDF-") and len(declaration.evidence) < 5000
            assert declaration.evidence_type == "application/pdf"
            assert declaration.completed_on < TODAY
            if declaration.status is DeclarationStatus.REJECTED:
                assert declaration.reason and declaration.decided_by_id
        declared = db.session.scalars(
            sa.select(Completion).where(Completion.source == CompletionSource.SELF_DECLARED)
        ).all()
        verified = {d.id for d in declarations if d.status is DeclarationStatus.VERIFIED}
        assert declared and {c.declaration_id for c in declared} <= verified
        # The demo coordinator has a declaration of their own staff to check.
        coordinator = db.session.scalar(
            sa.select(User).where(User.email == elearning_demo.DEMO_COORDINATOR_EMAIL)
        )
        assert any(
            d.status is DeclarationStatus.PENDING and d.agency_id == coordinator.agency_id
            for d in declarations
        )


def test_seeding_twice_adds_nothing_even_a_day_later(app):
    seed_all(app)
    before = counts(app)
    summary = seed_all(app, now=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert summary == "0 e-learning modules, 0 completions, 0 unmatched rows, 0 declarations added"
    assert counts(app) == before


def test_the_same_seed_gives_the_same_history(app):
    seed_all(app)
    with app.app_context():
        first = sorted(
            db.session.execute(
                sa.select(Completion.user_id, Completion.course_id, Completion.completed_on).where(
                    Completion.source != CompletionSource.SELF_DECLARED
                )
            ).all()
        )
        db.session.execute(sa.delete(Certificate))  # issued by the completions' hooks
        db.session.execute(sa.delete(Completion))
        db.session.commit()
        elearning_demo.seed(now=NOW)
        again = sorted(
            db.session.execute(
                sa.select(Completion.user_id, Completion.course_id, Completion.completed_on)
            ).all()
        )
    assert again == first
