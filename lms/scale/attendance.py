"""The attendance marks and non-attendance charges of `flask seed-scale`."""

from datetime import timedelta

from lms.attendance.models import ChargeReason, ChargeStatus, Mark, MarkSource, Outcome
from lms.catalogue.models import SessionStatus
from lms.scale.builder import Builder
from lms.scale.figures import LATE_MARK_RATE, MARKED_AFTER, NO_SHOW_RATE, PARTIAL_RATE


def build(builder: Builder, rules) -> None:
    """Mark the confirmed bookings of completed sessions and raise the charges for no-shows and
    late cancellations under `rules`."""
    rng = builder.rng
    exempt = {
        agency["id"]: agency["is_charge_exempt"]
        or (agency["is_statutory_partner"] and rules.exempt_statutory_partners)
        for agency in builder.agencies
    }
    marks = builder.table("marks")
    builder.table("charges")
    trainer_of = {row["session_id"]: row["user_id"] for row in builder.rows["session_trainers"]}
    for plan in builder.plans:
        session = plan["row"]
        if session["status"] is not SessionStatus.COMPLETED:
            continue
        closed_at = min(session["ends_at"] + MARKED_AFTER, builder.now)
        for booking in builder.confirmed.get(session["id"], []):
            draw = rng.random()
            dates = plan["dates"]
            if draw < NO_SHOW_RATE:
                values = [Mark.ABSENT] * len(dates)
                outcome = Outcome.NO_SHOW
            elif draw < NO_SHOW_RATE + PARTIAL_RATE:
                values = [Mark.LEFT_EARLY] if len(dates) == 1 else [Mark.ATTENDED, Mark.ABSENT]
                outcome = Outcome.PARTIAL
            else:
                values = [
                    Mark.LATE if rng.random() < LATE_MARK_RATE else Mark.ATTENDED for _ in dates
                ]
                outcome = Outcome.COMPLETED
            booking["outcome"] = outcome.value
            if outcome is Outcome.COMPLETED:
                booking["completed_at"] = closed_at
            for (date_id, (_, date_ends)), value in zip(dates, values, strict=True):
                marks.append(
                    {
                        "id": len(marks) + 1,
                        "booking_id": booking["id"],
                        "session_date_id": date_id,
                        "mark": value,
                        "minutes": None,
                        "source": MarkSource.REGISTER,
                        "marked_by_id": trainer_of.get(session["id"]),
                        "marked_at": min(date_ends + MARKED_AFTER, builder.now),
                        "version": 1,
                    }
                )
            if outcome is Outcome.NO_SHOW:
                _charge(builder, booking, ChargeReason.NO_SHOW, rules, exempt, closed_at)
        for booking in builder.late_cancelled.get(session["id"], []):
            _charge(builder, booking, ChargeReason.LATE_CANCELLATION, rules, exempt, closed_at)


def _charge(
    builder: Builder, booking: dict, reason: ChargeReason, rules, exempt, raised_at
) -> None:
    amount = (
        rules.no_show_charge_pence
        if reason is ChargeReason.NO_SHOW
        else rules.late_cancellation_charge_pence
    )
    if amount <= 0 or exempt[booking["agency_id"]]:
        return
    charges = builder.rows["charges"]
    old = raised_at < builder.now - timedelta(days=90)
    waived = old and builder.rng.random() < 0.05
    status = (
        ChargeStatus.WAIVED if waived else ChargeStatus.INVOICED if old else ChargeStatus.RAISED
    )
    decided = raised_at + timedelta(days=20) if waived else None
    charges.append(
        {
            "id": len(charges) + 1,
            "booking_id": booking["id"],
            "agency_id": booking["agency_id"],
            "reason": reason,
            "amount_pence": amount,
            "status": status,
            "raised_at": raised_at,
            "dispute_reason": None,
            "disputed_at": None,
            "disputed_by_id": None,
            "decided_at": decided,
            "decided_by_id": 1 if waived else None,
            "decision_reason": "Waived by the partnership" if waived else None,
        }
    )
