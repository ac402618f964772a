"""Shared fixtures: an app per test on a clean database (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), a client, and factories for agencies and people."""

import os
import re
import secrets
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from jinja2 import MemcachedBytecodeCache

from lms import create_app
from lms.accounts.models import Agency, AgencyMembership, Role, Sector, User
from lms.accounts.passwords import hash_password
from lms.accounts.services import role_grants
from lms.core.models import utcnow
from lms.extensions import db

PASSWORD = "correct horse battery staple"


class _MemoryStore:
    """The get/set client Jinja's memcached bytecode cache expects, kept in a dict."""

    def __init__(self):
        self.items = {}

    def get(self, key):
        return self.items.get(key)

    def set(self, key, value, timeout=None):
        self.items[key] = value


TEMPLATE_CACHE = MemcachedBytecodeCache(_MemoryStore())
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Database:
    """Where the tests' tables live: an SQLite file, or a PostgreSQL schema of their own."""

    def __init__(self, tmp_path_factory):
        self.server_url = os.environ.get("TEST_DATABASE_URL", "")
        self.tmp_path_factory = tmp_path_factory
        self.schemas = []

    @property
    def is_postgresql(self) -> bool:
        return self.server_url.startswith("postgresql")

    def fresh(self) -> dict:
        """Settings for a new, empty database."""
        if not self.is_postgresql:
            path = self.tmp_path_factory.mktemp("db") / "test.sqlite3"
            return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
        schema = f"test_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(self.server_url)
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        self.schemas.append(schema)
        return {
            "SQLALCHEMY_DATABASE_URI": self.server_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": True,
                "connect_args": {"options": f"-csearch_path={schema}"},
            },
        }

    def drop_all(self):
        if not self.schemas:
            return
        engine = sa.create_engine(self.server_url)
        with engine.begin() as connection:
            for schema in self.schemas:
                connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    database = Database(tmp_path_factory)
    yield database
    database.drop_all()


def app_config(database_settings: dict, tmp_path) -> dict:
    return {
        "TESTING": True,
        "LMS_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "SERVER_NAME": None,
        "PARTNERSHIP_NAME": "Riverside Safeguarding Children Partnership",
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 1024,
        "MAIL_SERVER": "",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "JINJA_BYTECODE_CACHE": TEMPLATE_CACHE,
        **database_settings,
    }


@pytest.fixture(scope="session")
def shared_database(database):
    """One schema for the whole run, created from the models; each test empties it after."""
    settings = database.fresh()
    app = create_app(app_config(settings, database.tmp_path_factory.mktemp("setup")))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return settings


@pytest.fixture
def app(shared_database, tmp_path):
    app = create_app(app_config(shared_database, tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/sign-in") -> str:
    """The CSRF token of this client's session, read from a page with a form."""
    page = client.get(path)
    match = CSRF_PATTERN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """Post a form the way a browser would: with the session's CSRF token."""
    token = csrf_token(client, token_from or path)
    headers = {"Referer": f"https://localhost{token_from or path}", **kwargs.pop("headers", {})}
    return client.post(path, data={"csrf_token": token, **data}, headers=headers, **kwargs)


@dataclass
class Person:
    id: int
    email: str
    name: str
    agency_id: int
    password: str = PASSWORD


@pytest.fixture
def make_agency(app):
    counter = iter(range(1, 10_000))

    def make(name=None, *, sector=Sector.HEALTH, domains=(), statutory=False, active=True) -> int:
        from lms.accounts.models import AgencyEmailDomain

        with app.app_context():
            agency = Agency(
                name=name or f"Agency {next(counter)}",
                sector=sector,
                is_statutory_partner=statutory,
                is_active=active,
            )
            agency.domains = [AgencyEmailDomain(domain=domain) for domain in domains]
            db.session.add(agency)
            db.session.commit()
            return agency.id

    return make


@pytest.fixture
def make_user(app, make_agency):
    counter = iter(range(1, 10_000))
    cached_hash = {}

    def make(
        email=None,
        *,
        roles=(Role.PRACTITIONER,),
        agency_id=None,
        name=None,
        active=True,
        joined=None,
        job_title="Health visitor",
    ) -> Person:
        """`joined`: when the account and its agency membership began (by default now)."""
        number = next(counter)
        agency_id = agency_id or make_agency()
        with app.app_context():
            if "hash" not in cached_hash:
                cached_hash["hash"] = hash_password(PASSWORD)
            now = joined or utcnow()
            user = User(
                email=(email or f"person{number}@example.org").lower(),
                name=name or f"Person {number}",
                job_title=job_title,
                created_at=now,
                agency_id=agency_id,
                password_hash=cached_hash["hash"],
                is_active=active,
                email_confirmed_at=now,
            )
            user.role_grants = role_grants(roles, agency_id)
            user.memberships = [
                AgencyMembership(agency_id=agency_id, job_title=job_title, started_at=now)
            ]
            db.session.add(user)
            db.session.commit()
            return Person(user.id, user.email, user.name, agency_id)

    return make


@pytest.fixture
def login(client):
    def sign_in(person: Person, *, remember: bool = False, using=None):
        target = using or client
        data = {"email": person.email, "password": person.password}
        if remember:
            data["remember"] = "y"
        response = post_form(target, "/sign-in", data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return sign_in


def count(app, model, *criteria) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*criteria))


# Catalogue factories -------------------------------------------------------------------------


@pytest.fixture
def make_theme(app):
    def make(name="Neglect") -> int:
        from lms.catalogue.models import Theme
        from lms.catalogue.services import slugify

        with app.app_context():
            theme = Theme(name=name, slug=slugify(name), description="")
            db.session.add(theme)
            db.session.commit()
            return theme.id

    return make


@pytest.fixture
def make_venue(app):
    counter = iter(range(1, 10_000))

    def make(*, capacity=30, name=None) -> int:
        from lms.catalogue.models import Venue

        with app.app_context():
            venue = Venue(
                name=name or f"Venue {next(counter)}",
                address="1 Town Hall Square, Riverside",
                postcode="E1 6AN",
                capacity=capacity,
                accessibility_notes="Step-free access; hearing loop",
            )
            db.session.add(venue)
            db.session.commit()
            return venue.id

    return make


@pytest.fixture
def make_course(app):
    counter = iter(range(1, 10_000))

    def make(
        title=None,
        *,
        code=None,
        level=2,
        mode="classroom",
        audience="children",
        status="published",
        theme_ids=(),
        approval_required=False,
    ) -> int:
        from decimal import Decimal

        from lms.catalogue.models import Audience, Course, CourseStatus, DeliveryMode, Theme

        number = next(counter)
        with app.app_context():
            course = Course(
                code=code or f"C{number:03d}",
                title=title or f"Course {number}",
                summary="What practitioners need to know.",
                learning_outcomes="Recognise the signs\nKnow how to refer",
                level=level,
                delivery_mode=DeliveryMode(mode),
                audience=Audience(audience),
                cpd_hours=Decimal("3.0"),
                status=CourseStatus(status),
                approval_required=approval_required,
            )
            course.themes = [db.session.get(Theme, theme_id) for theme_id in theme_ids]
            db.session.add(course)
            db.session.commit()
            return course.id

    return make


@pytest.fixture
def make_provider(app):
    counter = iter(range(1, 10_000))

    def make(name=None) -> int:
        from lms.catalogue.models import Provider

        with app.app_context():
            provider = Provider(name=name or f"E-learning provider {next(counter)}")
            db.session.add(provider)
            db.session.commit()
            return provider.id

    return make


@pytest.fixture
def make_module(app, make_course, make_provider):
    """A published e-learning module of a provider: its module code, an xAPI activity id and a
    validity in months (None: never expires)."""
    counter = iter(range(1, 10_000))

    def make(
        title=None, *, module_code=None, provider_id=None, validity_months=36, level=1, **kwargs
    ) -> int:
        from lms.catalogue.models import Course

        number = next(counter)
        course_id = make_course(
            title or f"Module {number}", level=level, mode="elearning", **kwargs
        )
        provider_id = provider_id or make_provider()
        with app.app_context():
            course = db.session.get(Course, course_id)
            course.provider_id = provider_id
            course.module_code = module_code or f"MOD{number:03d}"
            course.activity_id = f"https://elearning.example.org/activities/{course.module_code}"
            course.course_url = f"https://elearning.example.org/courses/{course.module_code}"
            course.certificate_validity_months = validity_months
            db.session.commit()
        return course_id

    return make


@pytest.fixture
def make_completion(app):
    """A completion recorded by the shared rule (agency on the day, expiry from the module)."""

    def make(user_id, course_id, completed_on, *, source="import") -> int:
        from lms.accounts.models import User
        from lms.catalogue.models import Course
        from lms.elearning import completions
        from lms.elearning.models import CompletionSource

        with app.app_context():
            completion, _ = completions.record(
                db.session.get(User, user_id),
                db.session.get(Course, course_id),
                completed_on,
                source=CompletionSource(source),
            )
            db.session.commit()
            return completion.id

    return make


@pytest.fixture
def make_course_session(app, make_course, make_venue):
    """A session on given (start, end) UTC dates, defaulting to one day next month, 09:30-16:30
    UK time; past dates are allowed here (the factory skips the scheduling rules)."""

    def make(
        course_id=None,
        *,
        dates=None,
        capacity=20,
        places_taken=0,
        venue_id="new",
        virtual=False,
        status="scheduled",
        trainer_ids=(),
        agency_cap=None,
    ) -> int:
        from datetime import timedelta

        from lms.catalogue.models import CourseSession, Platform, SessionStatus
        from lms.catalogue.sessions import set_dates

        course_id = course_id or make_course(mode="virtual" if virtual else "classroom")
        if dates is None:
            start = (utcnow() + timedelta(days=30)).replace(
                hour=9, minute=30, second=0, microsecond=0
            )
            dates = [(start, start + timedelta(hours=7))]
        if virtual:
            venue_id = None
        elif venue_id == "new":
            venue_id = make_venue(capacity=max(capacity, 30))
        with app.app_context():
            session = CourseSession(
                course_id=course_id,
                venue_id=venue_id,
                platform=Platform.TEAMS if virtual else None,
                join_link="https://teams.example/meet/abc" if virtual else None,
                capacity=capacity,
                places_taken=places_taken,
                agency_cap=agency_cap,
                status=SessionStatus(status),
            )
            set_dates(session, dates)
            session.cancellation_cutoff_at = session.starts_at - timedelta(hours=48)
            session.trainers = [db.session.get(User, trainer_id) for trainer_id in trainer_ids]
            db.session.add(session)
            db.session.commit()
            return session.id

    return make


# Shared helpers -------------------------------------------------------------------------------


def uk(year, month, day, hour=9, minute=30) -> datetime:
    """A UK wall-clock time as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/London")).astimezone(
        UTC
    )


def one_day(start: datetime, hours: int = 7) -> list[tuple[datetime, datetime]]:
    return [(start, start + timedelta(hours=hours))]


@contextmanager
def counting_statements(app):
    """The SQL statements run inside the block, as a list that fills as they run."""
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def settings_form(**overrides) -> dict:
    """The admin settings form with every field at its default, changed by `overrides`."""
    form = {
        "approval_hold_days": "5",
        "auto_promotion_days": "3",
        "offer_hours": "24",
        "reminder_days": "3",
        "no_show_charge": "0",
        "late_cancellation_charge": "0",
        "dispute_window_days": "14",
        "repeat_no_show_threshold": "3",
        "attendance_threshold_percent": "75",
        "late_after_minutes": "15",
        "renewal_reminder_days": "30",
        "follow_up_weeks": "8",
        "feedback_reminder_days": "7",
        "feedback_link_days": "28",
        "fewest_responses": "10",
        "certificates_wait_for_evaluation": "y",
        "compliance_due_months": "3",
        "suppress_below": "5",
        "retention_inactive_months": "72",
        "retention_outbox_days": "90",
        "retention_comment_months": "36",
        "retention_unmatched_months": "12",
        "retention_audit_months": "84",
    }
    return form | {name: str(value) for name, value in overrides.items()}


# Compliance ----------------------------------------------------------------------------------


@pytest.fixture
def make_role_tag(app):
    """A role tag, e.g. "Designated safeguarding lead"; returns its id."""

    def make(name="Designated safeguarding lead", description="") -> int:
        from lms.compliance.models import RoleTag

        with app.app_context():
            tag = RoleTag(name=name, description=description)
            db.session.add(tag)
            db.session.commit()
            return tag.id

    return make


@pytest.fixture
def tag_person(app):
    """Sets a role tag on a person (as of `set_at`, by default now)."""

    def tag(user_id, tag_id, *, set_at=None, set_by_id=None) -> None:
        from lms.compliance.models import PersonTag

        with app.app_context():
            db.session.add(
                PersonTag(
                    user_id=user_id,
                    tag_id=tag_id,
                    set_at=set_at or utcnow(),
                    set_by_id=set_by_id,
                )
            )
            db.session.commit()

    return tag


@pytest.fixture
def make_requirement(app):
    """A training requirement; returns its id. `satisfied_by` is courses (give `course_ids`),
    level (`level`, optional `theme_ids`) or hours (`hours`, `within_years`, `level`)."""
    counter = iter(range(1, 10_000))

    def make(
        name=None,
        *,
        satisfied_by="courses",
        course_ids=(),
        level=None,
        theme_ids=(),
        hours=None,
        within_years=None,
        outside_training_counts=False,
        renew_months=None,
        sectors=(),
        agency_ids=(),
        job_titles=(),
        tag_ids=(),
        active=True,
        example=False,
    ) -> int:
        from decimal import Decimal

        from lms.accounts.models import Agency, Sector
        from lms.catalogue.models import Course, Theme
        from lms.compliance.models import RoleTag, Satisfied, TrainingRequirement

        number = next(counter)
        with app.app_context():
            requirement = TrainingRequirement(
                name=name or f"Requirement {number}",
                description="Who needs it and why.",
                satisfied_by=Satisfied(satisfied_by),
                level=level,
                hours=None if hours is None else Decimal(str(hours)),
                within_years=within_years,
                outside_training_counts=outside_training_counts,
                renew_months=renew_months,
                job_title_words="\n".join(job_titles),
                is_active=active,
                is_example=example,
            )
            requirement.sectors = [Sector(sector) for sector in sectors]
            requirement.courses = [db.session.get(Course, i) for i in course_ids]
            requirement.themes = [db.session.get(Theme, i) for i in theme_ids]
            requirement.agencies = [db.session.get(Agency, i) for i in agency_ids]
            requirement.tags = [db.session.get(RoleTag, i) for i in tag_ids]
            db.session.add(requirement)
            db.session.commit()
            return requirement.id

    return make


# Evaluation ----------------------------------------------------------------------------------


@pytest.fixture
def make_completed_booking(app, make_course_session):
    """A confirmed booking of a session that ran (by default a week ago), completed at its end;
    `completed=False` leaves it a no-show instead."""

    def make(user_id, session_id=None, *, agency_id=None, completed=True, course_id=None) -> int:
        from lms.accounts.models import User
        from lms.bookings.models import Booking, BookingStatus
        from lms.catalogue.models import CourseSession

        if session_id is None:
            start = (utcnow() - timedelta(days=7)).replace(
                hour=9, minute=30, second=0, microsecond=0
            )
            session_id = make_course_session(
                course_id, dates=[(start, start + timedelta(hours=7))], status="completed"
            )
        with app.app_context():
            session = db.session.get(CourseSession, session_id)
            person = db.session.get(User, user_id)
            booking = Booking(
                user_id=user_id,
                session_id=session_id,
                agency_id=agency_id or person.agency_id,
                status=BookingStatus.CONFIRMED,
                confirmed_at=session.starts_at - timedelta(days=10),
                outcome="completed" if completed else "no_show",
                completed_at=session.ends_at if completed else None,
            )
            db.session.add(booking)
            session.places_taken += 1
            db.session.commit()
            return booking.id

    return make


@pytest.fixture
def make_response(app):
    """A response asked (and, given `answers`, answered with those figures) straight into the
    database: `answers` are Response columns, e.g. rating=4, knowledge=7, knowledge_before=4."""

    def make(
        stage,
        *,
        booking_id=None,
        completion_id=None,
        invited_at=None,
        expires_at=None,
        answered_at=None,
        respondent_email=None,
        **answers,
    ) -> int:
        from lms.bookings.models import Booking
        from lms.elearning.models import Completion
        from lms.feedback import questions, responses
        from lms.feedback.models import Stage

        stage = Stage(stage)
        now = invited_at or utcnow()
        with app.app_context():
            subject = responses.Subject(
                booking=db.session.get(Booking, booking_id) if booking_id else None,
                completion=db.session.get(Completion, completion_id) if completion_id else None,
            )
            response, _, _ = responses.invite(
                stage,
                subject,
                now=now,
                expires_at=expires_at or now + timedelta(days=28),
                respondent_email=respondent_email,
            )
            if answers or answered_at:
                response.question_set_id = questions.current_set(stage).id
                response.answered_at = answered_at or now + timedelta(days=1)
                for name, value in answers.items():
                    setattr(response, name, value)
            db.session.commit()
            return response.id

    return make


@pytest.fixture
def make_certificate(app, make_completed_booking):
    """A live certificate straight into the database, for a completed booking (made when none
    is given) or an e-learning completion; `values` override the snapshot (e.g. valid_until)."""

    def make(user_id, *, booking_id=None, completion_id=None, now=None, **values) -> int:
        from lms.bookings.models import Booking
        from lms.certificates import issuing
        from lms.elearning.models import Completion

        if booking_id is None and completion_id is None:
            booking_id = make_completed_booking(user_id)
        with app.app_context():
            if booking_id is not None:
                subject = issuing.Subject(booking=db.session.get(Booking, booking_id))
            else:
                subject = issuing.Subject(completion=db.session.get(Completion, completion_id))
            made = issuing.live_for(subject)  # issued already by the completion's hook
            if made is None:
                person = db.session.get(User, user_id)
                made = issuing._add(issuing.snapshot(subject, person), now=now or utcnow())
            for name, value in values.items():
                setattr(made, name, value)
            db.session.commit()
            return made.id

    return make
