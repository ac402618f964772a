"""Moving agency: agency-scoped powers end with the move, and a move into an agency whose email
domains do not match the person's address waits for that agency's coordinator or an admin.

Every move is audited, and the coordinators of both agencies are told.
"""

from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import (
    Agency,
    AgencyMembership,
    AgencyMoveRequest,
    RequestStatus,
    Role,
    User,
    UserRole,
)
from lms.accounts.services import AccountError, suggest_agencies
from lms.audit import services as audit
from lms.extensions import db
from lms.mail.services import queue_message


def domain_matches(user: User, agency: Agency) -> bool:
    """Whether the person's email address belongs to one of the agency's email domains."""
    return any(match.id == agency.id for match in suggest_agencies(user.email))


def coordinators_of(agency: Agency) -> list[User]:
    """The active people whose coordinator role is in force for this agency."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == Role.COORDINATOR,
                UserRole.agency_id == agency.id,
                User.agency_id == agency.id,
                User.is_active.is_(True),
            )
            .order_by(User.name, User.id)
        )
    )


def move(user: User, agency: Agency, *, job_title: str, by: User | None, now: datetime) -> None:
    """Move a person to another agency now: close their membership and open one, withdraw the
    powers that belonged to the old agency, audit it and tell both agencies' coordinators.
    Earlier bookings keep the agency they were made under."""
    old = user.agency
    if old.id == agency.id:
        return
    for membership in user.memberships:
        if membership.ended_at is None:
            membership.ended_at = now
    user.memberships.append(AgencyMembership(agency=agency, job_title=job_title, started_at=now))
    withdrawn = [grant for grant in user.role_grants if grant.agency_id is not None]
    user.role_grants = [grant for grant in user.role_grants if grant.agency_id is None]
    user.agency = agency
    user.job_title = job_title
    db.session.flush()
    audit.record(
        "user.moved_agency",
        user,
        actor=by,
        before={"agency_id": old.id, "agency": old.name},
        after={
            "agency_id": agency.id,
            "agency": agency.name,
            "roles_withdrawn": sorted(grant.role.value for grant in withdrawn),
        },
    )
    for coordinator in {*coordinators_of(old), *coordinators_of(agency)}:
        if coordinator.id == user.id:
            continue
        queue_message(
            recipient=coordinator.email,
            user=coordinator,
            kind="agency_move",
            subject=f"{user.name} has moved agency",
            context={"person": user, "old": old, "new": agency, "coordinator": coordinator},
        )


def pending_request(user: User) -> AgencyMoveRequest | None:
    return db.session.scalar(
        sa.select(AgencyMoveRequest).where(
            AgencyMoveRequest.user_id == user.id,
            AgencyMoveRequest.status == RequestStatus.PENDING,
        )
    )


def request_move(user: User, agency: Agency, *, job_title: str, now: datetime) -> AgencyMoveRequest:
    """Ask to join an agency whose email domains do not match the person's address; its
    coordinators (or, when it has none, the administrators) are asked to decide."""
    earlier = pending_request(user)
    if earlier is not None:
        if earlier.to_agency_id == agency.id:
            return earlier
        earlier.status = RequestStatus.WITHDRAWN
        earlier.decided_at = now
        db.session.flush()
    request = AgencyMoveRequest(
        user=user,
        from_agency=user.agency,
        to_agency=agency,
        job_title=job_title,
        requested_at=now,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "user.move_requested",
        user,
        actor=user,
        before={"agency_id": user.agency_id},
        after={"agency_id": agency.id, "request_id": request.id},
    )
    deciders = coordinators_of(agency) or administrators()
    for decider in deciders:
        queue_message(
            recipient=decider.email,
            user=decider,
            kind="agency_move_requested",
            subject=f"{user.name} asks to join {agency.name}",
            context={"person": user, "request": request, "decider": decider},
        )
    return request


def administrators() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN, User.is_active.is_(True))
            .order_by(User.id)
        )
    )


def can_decide(user: User, request: AgencyMoveRequest) -> bool:
    """The coordinators of the agency asked to join, and administrators."""
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.COORDINATOR) and user.agency_id == request.to_agency_id


def decide(request: AgencyMoveRequest, *, approve: bool, by: User, now: datetime) -> None:
    """Approve (the move happens now) or decline a pending request; the person is told."""
    if request.status is not RequestStatus.PENDING:
        raise AccountError("This request has already been decided")
    if not can_decide(by, request):
        raise AccountError("Only the agency's coordinators or an administrator can decide this")
    claimed = db.session.execute(
        sa.update(AgencyMoveRequest)
        .where(
            AgencyMoveRequest.id == request.id,
            AgencyMoveRequest.status == RequestStatus.PENDING,
        )
        .values(
            status=RequestStatus.APPROVED if approve else RequestStatus.DECLINED,
            decided_at=now,
            decided_by_id=by.id,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AccountError("This request has already been decided")
    db.session.refresh(request)
    person = request.user
    if approve:
        if person.agency_id != request.from_agency_id:
            raise AccountError(f"{person.name} has moved agency since asking")
        move(person, request.to_agency, job_title=request.job_title, by=by, now=now)
    else:
        audit.record(
            "user.move_declined",
            person,
            actor=by,
            before={"agency_id": person.agency_id},
            after={"declined_agency_id": request.to_agency_id, "request_id": request.id},
        )
    queue_message(
        recipient=person.email,
        user=person,
        kind="agency_move_decided",
        subject=(
            f"You have joined {request.to_agency.name}"
            if approve
            else f"Your request to join {request.to_agency.name} was declined"
        ),
        context={"person": person, "request": request, "approved": approve},
    )


def requests_to_decide(user: User) -> list[AgencyMoveRequest]:
    """Pending requests this person may decide: to their agency, or all of them for an admin."""
    query = (
        sa.select(AgencyMoveRequest)
        .where(AgencyMoveRequest.status == RequestStatus.PENDING)
        .order_by(AgencyMoveRequest.requested_at)
    )
    if not user.has_role(Role.ADMIN):
        if not user.has_role(Role.COORDINATOR):
            return []
        query = query.where(AgencyMoveRequest.to_agency_id == user.agency_id)
    return list(db.session.scalars(query))


def update_own_details(user: User, details, *, now: datetime) -> AgencyMoveRequest | None:
    """A person's own change of details. Their email address changes only through a confirmed
    link (see emails.py). A move to an agency whose email domains match their address happens
    at once; any other move waits for that agency's coordinator or an administrator, and the
    request is returned."""
    from lms.accounts.services import active_agency, update_details

    details.email = user.email
    asked_for = None
    if details.agency_id != user.agency_id:
        agency = active_agency(details.agency_id)
        if not domain_matches(user, agency):
            asked_for, details.agency_id = agency, user.agency_id
    update_details(user, details, by=user, now=now)
    if asked_for is None:
        return None
    return request_move(user, asked_for, job_title=user.job_title, now=now)
