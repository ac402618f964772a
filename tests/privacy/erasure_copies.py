"""Copies of erased people's names and addresses, put where they may end up, for the search
that checks they appear nowhere afterwards."""

import secrets
from datetime import date

import markupsafe
import sqlalchemy as sa

from lms.accounts.models import AgencyRequest, PasswordResetRequest, Sector, SignInAttempt, User
from lms.attendance.models import ImportBatch
from lms.audit import services as audit
from lms.bookings.models import Booking
from lms.catalogue.models import Provider
from lms.elearning.models import (
    CompletionSource,
    ElearningImport,
    ImportProblem,
    TrainingDeclaration,
    UnmatchedCompletion,
)
from lms.extensions import db
from lms.mail.models import OutboxAttachment, OutboxMessage
from tests.annual.conftest import NOW

NEW_NAME = "Zoë O'Brien"


def copies(app, history, admin_id, provider_id) -> None:
    """Their name and address copied where they may end up: messages to them and about them, the
    audit trail, uploads, problems, requests, sign-in records, a colleague's line manager, a
    declaration; P7 was renamed "Zoë O'Brien" by an admin (the audit trail has the old name)."""
    people, courses = history.people, history.courses
    with app.app_context():
        admin = db.session.get(User, admin_id)
        p2 = db.session.get(User, people["P2"].id)
        p7 = db.session.get(User, people["P7"].id)
        old = {"name": p7.name, "email": p7.email}
        p7.name = NEW_NAME
        audit.record("user.updated", p7, actor=admin, before=old, after={"name": NEW_NAME})
        db.session.get(User, people["P10"].id).line_manager_email = p2.email.upper().lower()
        db.session.get(Provider, provider_id).contact_email = p7.email
        colleague = db.session.get(User, history.coordinators["council"].id)
        db.session.add_all(
            [
                OutboxMessage(
                    recipient=colleague.email,
                    user_id=colleague.id,
                    kind="notice",
                    subject=f"{p2.name} booked a place",
                    body_text=f"{p2.name} ({p2.email.upper()}) booked; {NEW_NAME} waits.",
                    body_html=str(markupsafe.escape(f"<p>{NEW_NAME} and {p2.name}</p>")),
                ),
                OutboxMessage(
                    recipient=p2.email,
                    user_id=p2.id,
                    kind="notice",
                    subject="Your place",
                    body_text=f"Dear {p2.name}",
                    attachments=[
                        OutboxAttachment(
                            filename="place.ics",
                            content_type="text/calendar",
                            content=f"ATTENDEE;CN={p2.name}:mailto:{p2.email}".encode(),
                        )
                    ],
                ),
                AgencyRequest(
                    agency_name="Riverside Youth Club",
                    sector=Sector.VOLUNTARY_COMMUNITY,
                    requester_name=p2.name,
                    email=p2.email,
                    details=f"I am {p2.name}",
                ),
                SignInAttempt(email=p2.email, attempted_at=NOW, succeeded=False),
                PasswordResetRequest(email=p7.email, requested_at=NOW),
                UnmatchedCompletion(
                    email=p2.email.upper(),
                    name=p2.name,
                    agency_text="Council",
                    course_id=courses["neglect"],
                    completed_on=date(2025, 6, 1),
                    source=CompletionSource.IMPORT,
                ),
                ImportBatch(
                    kind="teams",
                    file_name="register.csv",
                    sha256="0" * 64,
                    proposal={"rows": [{"name": NEW_NAME, "email": p2.email}]},
                    errors=[f"No account for {p7.email}"],
                ),
                TrainingDeclaration(
                    user_id=p2.id,
                    agency_id=p2.agency_id,
                    title=f"Course of {p2.name}",
                    provider_name="Riverside Training Ltd",
                    completed_on=date(2025, 7, 1),
                    hours=3,
                    evidence=f"%PDF-1.4 certificate for {p2.name}".encode(),
                    evidence_type="application/pdf",
                    evidence_name="certificate.pdf",
                ),
            ]
        )
        for applied in (None, NOW):
            upload = ElearningImport(
                provider_id=provider_id,
                file_name="completions.csv",
                sha256=secrets.token_hex(32),
                content=f"email,name\n{p2.email.upper()},{NEW_NAME}\n".encode("cp1252"),
                imported_at=applied,
            )
            db.session.add(upload)
            db.session.flush()
            db.session.add(
                ImportProblem(import_id=upload.id, row_number=2, value=p7.email, reason="?")
            )
        booking = db.session.scalar(sa.select(Booking).where(Booking.user_id == p2.id))
        audit.record(
            "booking.noted",
            booking,
            actor=p2,
            before={"who": [p2.name, p7.email]},
            reason=f"Asked by {NEW_NAME}",
        )
        db.session.commit()
