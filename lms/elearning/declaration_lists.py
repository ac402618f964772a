"""Lists and sums of declared training: what waits to be checked, a person's own, and the
hours that count (verified ones only)."""

from decimal import Decimal

import sqlalchemy as sa

from lms.accounts.models import User
from lms.elearning.models import DeclarationStatus, TrainingDeclaration
from lms.extensions import db


def to_check(
    *, agency_id: int | None = None, status: DeclarationStatus | None = DeclarationStatus.PENDING
) -> sa.Select:
    """Declarations for an admin (every agency) or a coordinator (the people of their agency
    now), the oldest first."""
    query = sa.select(TrainingDeclaration).join(User, User.id == TrainingDeclaration.user_id)
    if agency_id is not None:
        query = query.where(User.agency_id == agency_id)
    if status is not None:
        query = query.where(TrainingDeclaration.status == status)
    return query.order_by(TrainingDeclaration.submitted_at, TrainingDeclaration.id)


def of_person(user_id: int) -> list[TrainingDeclaration]:
    """A person's declarations, the latest training first."""
    return list(
        db.session.scalars(
            sa.select(TrainingDeclaration)
            .where(TrainingDeclaration.user_id == user_id)
            .order_by(TrainingDeclaration.completed_on.desc(), TrainingDeclaration.id.desc())
        )
    )


def hours_text(hours: Decimal) -> str:
    """Hours as people write them: "3", "6.5"."""
    return f"{hours.normalize():f}"


def verified_hours(user_id: int) -> Decimal:
    """The hours of a person's verified declarations (rejected and pending ones never count)."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(TrainingDeclaration.hours), 0)).where(
            TrainingDeclaration.user_id == user_id,
            TrainingDeclaration.status == DeclarationStatus.VERIFIED,
        )
    ) or Decimal(0)
