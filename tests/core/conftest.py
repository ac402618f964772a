"""Fixtures for the whole-app checks: objects to fill in every route's address."""

from datetime import timedelta

import pytest

from lms.attendance.models import ChargeReason, ImportBatch, NonAttendanceCharge
from lms.bookings.models import Booking, BookingStatus, PlaceOffer
from lms.catalogue.models import CourseSession
from lms.core.models import utcnow
from lms.extensions import db

ARGUMENTS = {
    "agency_id": "{agency}",
    "user_id": "{user}",
    "token": "{token}",
    "code": "{code}",
    "session_id": "{session}",
    "course_id": "{course}",
    "kind": "{kind}",
    "row_id": "{row}",
    "booking_id": "{booking}",
    "offer_id": "{offer}",
    "answer": "{answer}",
    "date_id": "{date}",
    "batch_id": "{batch}",
    "charge_id": "{charge}",
    "decision": "{decision}",
    "verdict": "{verdict}",
    "name": "{report}",
    "fmt": "{fmt}",
    "request_id": "{request}",
    "choice": "{choice}",
    # E-learning
    "import_id": "{import}",
    "provider_id": "{provider}",
    "credential_id": "{credential}",
    "unmatched_id": "{unmatched}",
    "declaration_id": "{declaration}",
    "completion_id": "{completion}",
    # Evaluation
    "response_id": "{response}",
    "stage": "{stage}",
    "set_id": "{question_set}",
    "answer_id": "{feedback_answer}",
    "trainer_id": "{trainer}",
    # Certificates
    "certificate_id": "{certificate}",
    "certificate_code": "{certificate_code}",
    "kid": "{kid}",
    "list_id": "{status_list}",
    "export_id": "{certificate_export}",
    # Compliance and the annual pack
    "requirement_id": "{requirement}",
    "tag_id": "{role_tag}",
    "snapshot_id": "{snapshot}",
    # Personal API tokens (POST routes only)
    "token_id": "{api_token}",
}


@pytest.fixture
def route_objects(
    app,
    make_agency,
    make_user,
    make_course,
    make_course_session,
    make_venue,
    elearning_objects,
    feedback_objects,
    certificate_objects,
    compliance_objects,
):
    """One of each thing a route can name, for filling in its address. The person, their
    booking and their offer belong to an agency the signed-in test user is put in too."""
    agency = make_agency()
    course = make_course(code="SCP-ROUTE")
    colleague = make_user(agency_id=agency)
    session = make_course_session(course)
    with app.app_context():
        booking = Booking(
            user_id=colleague.id,
            session_id=session,
            agency_id=agency,
            status=BookingStatus.WAITLISTED,
            waitlisted_at=utcnow(),
        )
        db.session.add(booking)
        db.session.flush()
        offer = PlaceOffer(
            booking_id=booking.id, session_id=session, expires_at=utcnow() + timedelta(hours=5)
        )
        db.session.add(offer)
        date_id = db.session.get(CourseSession, session).dates[0].id
        batch = ImportBatch(
            kind="virtual_attendance",
            session_date_id=date_id,
            file_name="report.csv",
            sha256="0" * 64,
            proposal=[],
        )
        charge = NonAttendanceCharge(
            booking_id=booking.id, agency_id=agency, reason=ChargeReason.NO_SHOW, amount_pence=5000
        )
        db.session.add_all([batch, charge])
        db.session.commit()
        booking_id, offer_id, batch_id, charge_id = booking.id, offer.id, batch.id, charge.id
    elearning = elearning_objects(agency, colleague.id)
    return (
        {
            "agency": agency,
            "user": colleague.id,
            "token": "not-a-token",
            "request": 999,
            "choice": "approve",
            "code": "SCP-ROUTE",
            "course": course,
            "session": session,
            "kind": "venues",
            "row": make_venue(),
            "booking": booking_id,
            "offer": offer_id,
            "answer": "accept",
            "date": date_id,
            "batch": batch_id,
            "charge": charge_id,
            "decision": "waive",
            "verdict": "counts",
            "report": "programme",
            "fmt": "csv",
        }
        | elearning
        | feedback_objects(colleague.id)
        | certificate_objects(agency, colleague.id, elearning["completion"])
        | compliance_objects(agency, colleague.id)
    )


@pytest.fixture
def elearning_objects(app, make_module, make_completion):
    """One of each e-learning thing a route can name: a provider's import, xAPI credential and
    unmatched row, and a colleague's declaration and completion."""

    def make(agency_id: int, colleague_id: int) -> dict:
        from datetime import date

        from lms.catalogue.models import Course
        from lms.elearning.models import (
            CompletionSource,
            ElearningImport,
            TrainingDeclaration,
            UnmatchedCompletion,
            XapiCredential,
        )

        module = make_module()
        completion = make_completion(colleague_id, module, date(2026, 1, 5))
        with app.app_context():
            provider_id = db.session.get(Course, module).provider_id
            batch = ElearningImport(
                provider_id=provider_id, file_name="export.csv", sha256="0" * 64
            )
            credential = XapiCredential(provider_id=provider_id, key="k" * 20, secret_hash="0" * 64)
            unmatched = UnmatchedCompletion(
                email="nobody@example.org",
                course_id=module,
                completed_on=date(2026, 1, 6),
                source=CompletionSource.IMPORT,
            )
            declaration = TrainingDeclaration(
                user_id=colleague_id,
                agency_id=agency_id,
                title="Safer recruitment",
                provider_name="NSPCC",
                completed_on=date(2026, 1, 7),
                hours=3,
                evidence=b"%PDF-1.4 evidence",
                evidence_type="application/pdf",
                evidence_name="certificate.pdf",
            )
            db.session.add_all([batch, credential, unmatched, declaration])
            db.session.commit()
            return {
                "import": batch.id,
                "provider": provider_id,
                "credential": credential.id,
                "unmatched": unmatched.id,
                "declaration": declaration.id,
                "completion": completion,
            }

    return make


@pytest.fixture
def feedback_objects(app, make_user, make_completed_booking, make_response):
    """One of each evaluation thing a route can name: a colleague's open request straight after
    a course, an answered one with a comment, the comment, the stage, its question set and the
    trainer of the session."""

    def make(colleague_id: int) -> dict:
        from lms.feedback import questions
        from lms.feedback.models import Answer, QuestionKind, Stage

        trainer = make_user()
        open_response = make_response("after", booking_id=make_completed_booking(colleague_id))
        answered = make_response(
            "after", booking_id=make_completed_booking(colleague_id), rating=4, knowledge=7
        )
        with app.app_context():
            question_set = questions.current_set(Stage.AFTER)
            comments = next(q for q in question_set.questions if q.kind is QuestionKind.TEXT)
            answer = Answer(response_id=answered, question_id=comments.id, text="Very useful")
            db.session.add(answer)
            db.session.commit()
            return {
                "response": open_response,
                "stage": "after",
                "question_set": question_set.id,
                "feedback_answer": answer.id,
                "trainer": trainer.id,
            }

    return make


# A public key for the route walk's published key (nothing is signed with it there).
ROUTE_JWK = {
    "kty": "RSA",
    "kid": "route-key",
    "use": "sig",
    "alg": "RS256",
    "n": (
        "mnNPnRJYkCfRzfFMSawg9DN8BINRJpYZaeCjr5U3S2_QwIaE-UWnAb4Ow0lHGyqB5y8qXB5iIt-K-7JL"
        "wnIboS795ZWqs3euTrQfA4hk0mIcpIcnRTW0KhZAM-2tHPbKxUN5ZYU2kcTEM4sBVryotXcBN9vdtIAR"
        "5bUZph8sZbw_gHGpC2Ts81XDKEusrxrx0ljAh6KRprncR8KFjHKK1JNQSYtnGclBUi5Teqi4HuzF4RpC"
        "T4fBwUfT2CunHoe1i7t9laA9ne-ArnkBycGYc7o2AQAhUGP8G4Uk3sNi0WhYWmGrXGUPInApkhZ951C5"
        "7Dxydc-9Fzjowt0mRFMSBQ"
    ),
    "e": "AQAB",
}


@pytest.fixture
def certificate_objects(app, make_certificate):
    """One of each certificate thing a route can name: a colleague's certificate (for an
    e-learning completion) and its code, a published signing key, the first revocation status
    list, and a ZIP of the agency's certificates waiting to be built."""

    def make(agency_id: int, colleague_id: int, completion_id: int) -> dict:
        from datetime import date

        from lms.certificates.models import Certificate, CertificateBatch, SigningKey
        from tests.certificates import signing

        certificate = make_certificate(colleague_id, completion_id=completion_id)
        signing.install(app)  # a key that signs (the status list, credentials)
        with app.app_context():
            key = SigningKey(kid=ROUTE_JWK["kid"], public_jwk=ROUTE_JWK)
            export = CertificateBatch(
                agency_id=agency_id, starts_on=date(2026, 4, 1), ends_on=date(2027, 3, 31)
            )
            db.session.add_all([key, export])
            db.session.commit()
            return {
                "certificate": certificate,
                "certificate_code": db.session.get(Certificate, certificate).code,
                "kid": key.kid,
                "status_list": 1,
                "certificate_export": export.id,
            }

    return make


@pytest.fixture
def compliance_objects(app, make_requirement, make_role_tag, tag_person):
    """A requirement, a role tag set on the colleague, and a snapshot of an annual pack."""

    def make(agency_id: int, colleague_id: int) -> dict:
        from lms.reports import snapshots
        from lms.reports.periods import financial_year

        tag = make_role_tag("Route walk lead")
        tag_person(colleague_id, tag)
        requirement = make_requirement("Route walk requirement", tag_ids=[tag])
        with app.app_context():
            snapshot = snapshots.take(
                financial_year(2025),
                now=utcnow(),
                by=None,
                partnership="Route walk partnership",
                suppress_below=5,
            )
            db.session.commit()
            snapshot_id = snapshot.id
        return {"requirement": requirement, "role_tag": tag, "snapshot": snapshot_id}

    return make
