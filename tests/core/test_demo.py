import sqlalchemy as sa

from lms.accounts.models import Agency, Role, Sector, User, UserRole
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.conftest import count, post_form


def test_seed_demo_builds_a_whole_partnership_and_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        sectors = set(db.session.scalars(sa.select(Agency.sector).distinct()))
        agencies = db.session.scalar(sa.select(sa.func.count()).select_from(Agency))
        people = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        practitioners = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserRole)
            .where(UserRole.role == Role.PRACTITIONER)
        )
        roles = set(db.session.scalars(sa.select(UserRole.role).distinct()))
        agencies_with_people = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(User.agency_id)))
        )
    assert sectors == set(Sector) - {Sector.OTHER} | {Sector.OTHER}
    assert roles == set(Role)
    assert practitioners >= 100 and agencies_with_people >= 20
    runner.invoke(args=["seed-demo"])
    assert count(app, Agency) == agencies and count(app, User) == people
    assert count(app, OutboxMessage) == 0


def test_seed_demo_if_empty_leaves_a_database_with_accounts_alone(app, runner, make_user):
    make_user()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not loaded" in result.output
    assert count(app, User) == 1


def test_each_demo_role_signs_in_with_the_printed_password(app, runner, client):
    runner.invoke(args=["seed-demo"])
    printed = runner.invoke(args=["demo-sign-ins"]).output
    password = printed.split("password for every account: ")[1].split(")")[0]
    emails = [line.split()[-1] for line in printed.splitlines()[1:]]
    assert len(emails) == 6
    for email in emails:
        assert (
            post_form(client, "/sign-in", {"email": email, "password": password}).status_code == 302
        )
        post_form(client, "/sign-out", {}, token_from="/")


def test_seed_demo_refuses_outside_development_and_creates_nothing(app, runner):
    app.config.update(LMS_ENV="production", TESTING=False)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "Refusing to load the demonstration partnership" in result.output
    assert "LMS_ENV=development" in result.output and "--i-know" in result.output
    assert count(app, User) == 0 and count(app, Agency) == 0


def test_seed_demo_loads_outside_development_when_told_explicitly(app, runner):
    app.config.update(LMS_ENV="production", TESTING=False)
    result = runner.invoke(args=["seed-demo", "--i-know"])
    assert result.exit_code == 0, result.output
    assert count(app, User) > 0


def test_seed_demo_loads_in_development(app, runner):
    app.config.update(LMS_ENV="development", TESTING=False)
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    assert count(app, User) > 0
