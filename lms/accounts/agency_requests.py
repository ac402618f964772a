"""Requests from people whose agency is not in the list: the administrators are asked to add it,
and the person is told when it has been added."""

from datetime import datetime

import sqlalchemy as sa
from flask import abort

from lms.accounts.models import Agency, AgencyRequest, AgencyRequestStatus, Sector
from lms.accounts.moves import administrators
from lms.accounts.services import AccountError, check_email
from lms.audit import services as audit
from lms.extensions import db
from lms.mail.services import queue_message


def ask(
    *,
    agency_name: str,
    sector: Sector,
    requester_name: str,
    email: str,
    details: str,
    now: datetime,
) -> AgencyRequest:
    """Record a request to add an agency and tell every administrator."""
    agency_name = " ".join((agency_name or "").split())
    requester_name = " ".join((requester_name or "").split())
    if not agency_name:
        raise AccountError("Enter the name of your agency", field="agency_name")
    if not requester_name:
        raise AccountError("Enter your full name", field="requester_name")
    email = check_email(email)
    existing = db.session.scalar(
        sa.select(Agency).where(
            sa.func.lower(Agency.name) == agency_name.lower(), Agency.is_active.is_(True)
        )
    )
    if existing is not None:
        raise AccountError(
            f"{existing.name} is already in the list: go back and select it", field="agency_name"
        )
    row = AgencyRequest(
        agency_name=agency_name,
        sector=sector,
        requester_name=requester_name,
        email=email,
        details=(details or "").strip(),
        requested_at=now,
    )
    db.session.add(row)
    db.session.flush()
    for admin in administrators():
        queue_message(
            recipient=admin.email,
            user=admin,
            kind="agency_requested",
            subject=f"Please add an agency: {agency_name}",
            context={"request": row, "admin": admin},
        )
    return row


def open_requests() -> list[AgencyRequest]:
    return list(
        db.session.scalars(
            sa.select(AgencyRequest)
            .where(AgencyRequest.status == AgencyRequestStatus.OPEN)
            .order_by(AgencyRequest.requested_at)
        )
    )


def get_open_or_404(request_id: int) -> AgencyRequest:
    row = db.session.get(AgencyRequest, request_id)
    if row is None or row.status is not AgencyRequestStatus.OPEN:
        abort(404)
    return row


def dismiss(row: AgencyRequest, *, by, now: datetime) -> None:
    row.status = AgencyRequestStatus.DISMISSED
    row.decided_at = now
    row.decided_by_id = by.id
    audit.record("agency_request.dismissed", row, actor=by, after={"name": row.agency_name})


def added(row: AgencyRequest, agency: Agency, *, by, now: datetime) -> None:
    """The agency asked for now exists: close the request and tell the person who asked."""
    row.status = AgencyRequestStatus.ADDED
    row.decided_at = now
    row.decided_by_id = by.id
    row.agency = agency
    queue_message(
        recipient=row.email,
        kind="agency_added",
        subject=f"{agency.name} can now be chosen",
        context={"request": row, "agency": agency},
    )
