"""The demonstration partnership, loaded by `flask seed-demo`; each feature adds its part."""

import sqlalchemy as sa

from lms.accounts import demo as accounts_demo
from lms.accounts.models import User
from lms.attendance import demo as attendance_demo
from lms.bookings import demo as bookings_demo
from lms.catalogue import demo as catalogue_demo
from lms.certificates import demo as certificates_demo
from lms.compliance import demo as compliance_demo
from lms.core.models import utcnow
from lms.elearning import demo as elearning_demo
from lms.extensions import db
from lms.feedback import demo as feedback_demo


def seed_demo(*, if_empty: bool = False) -> str:
    """Create whatever demo data is missing; running it again adds nothing."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return "Accounts exist already; demo data not loaded."
    agencies = accounts_demo.seed_agencies()
    people = accounts_demo.seed_people(agencies)
    now = utcnow()
    catalogue = catalogue_demo.seed(now=now)
    bookings = bookings_demo.seed(now=now)
    attendance = attendance_demo.seed(now=now)
    elearning = elearning_demo.seed(now=now)
    feedback = feedback_demo.seed(now=now)
    certificates = certificates_demo.seed(now=now)
    compliance = compliance_demo.seed(now=now)
    return (
        f"Demo data: {len(agencies)} agencies; {people} people added; {catalogue}; {bookings}; "
        f"{attendance}; {elearning}; {feedback}; {certificates}; {compliance}."
    )


def sign_ins_text() -> str:
    lines = [f"Demo sign-ins (password for every account: {accounts_demo.DEMO_PASSWORD}):"]
    for email, _name, _title, _agency, roles in accounts_demo.DEMO_ACCOUNTS:
        labels = ", ".join(sorted(role.label for role in roles))
        lines.append(f"  {labels:<34} {email}")
    return "\n".join(lines)
