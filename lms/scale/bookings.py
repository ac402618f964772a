"""The bookings of `flask seed-scale`: confirmed, waiting and cancelled."""

from datetime import datetime, timedelta

from lms.bookings.models import BookingStatus
from lms.catalogue.models import SessionStatus
from lms.scale.builder import Builder, Person, scaled
from lms.scale.figures import BOOKINGS, CANCELLED_BOOKING_SHARE, LATE_CANCELLATION_RATE


def build(builder: Builder) -> None:
    """Add each session's bookings: confirmed up to its capacity, the latest bookers waiting,
    some cancelled (late or in time), and all cancelled when the session was."""
    rng = builder.rng
    total = scaled(BOOKINGS, builder.scale, len(builder.plans))
    weights = [rng.uniform(0.6, 1.4) for _ in builder.plans]
    whole = sum(weights)
    sizes = [int(total * weight / whole) for weight in weights]
    for index in rng.sample(range(len(sizes)), total - sum(sizes)):
        sizes[index] += 1
    rows = builder.table("bookings")
    for plan, size in zip(builder.plans, sizes, strict=True):
        session = plan["row"]
        starts_at, cutoff = session["starts_at"], session["cancellation_cutoff_at"]
        people = rng.sample(builder.persons, min(size, len(builder.persons)))
        created = sorted(
            starts_at - timedelta(minutes=rng.randint(3 * 1440, 70 * 1440)) for _ in people
        )
        if session["status"] is SessionStatus.CANCELLED:
            cancelled = len(people)
        else:
            cancelled = round(len(people) * rng.uniform(*CANCELLED_BOOKING_SHARE))
        holding = len(people) - cancelled
        confirmed_count = min(holding, session["capacity"])
        session["places_taken"] = confirmed_count
        order = list(range(len(people)))
        rng.shuffle(order)
        kinds = {}
        for position, index in enumerate(order):
            if position < cancelled:
                kinds[index] = "cancelled"
            else:
                kinds[index] = "confirmed"
        # The latest bookers of a full session are the ones left on its waiting list.
        waiting = holding - confirmed_count
        late_joiners = [i for i in reversed(range(len(people))) if kinds[i] == "confirmed"]
        for index in late_joiners[:waiting]:
            kinds[index] = "waitlisted"
        for index, person in enumerate(people):
            at = created[index]
            row = booking_row(len(rows) + 1, session, person, at)
            kind = kinds[index]
            if kind == "waitlisted":
                row["status"] = BookingStatus.WAITLISTED
                row["waitlisted_at"] = at
            elif kind == "confirmed":
                row["status"] = BookingStatus.CONFIRMED
                row["confirmed_at"] = at
                row["reminder_sent_at"] = starts_at - timedelta(days=3)
                builder.confirmed.setdefault(session["id"], []).append(row)
            else:
                row["status"] = BookingStatus.CANCELLED
                row["confirmed_at"] = at
                row["cancelled_by_id"] = person.id
                if session["status"] is SessionStatus.CANCELLED:
                    row["cancelled_at"] = max(session["cancelled_at"], at)
                    row["cancellation_reason"] = "The session was cancelled"
                    row["cancelled_by_id"] = None
                elif rng.random() < LATE_CANCELLATION_RATE:
                    row["cancelled_at"] = max(
                        cutoff + timedelta(minutes=rng.randint(1, 47 * 60)), at
                    )
                    row["is_late_cancellation"] = True
                    row["cancellation_reason"] = "Unable to attend"
                    builder.late_cancelled.setdefault(session["id"], []).append(row)
                else:
                    row["cancelled_at"] = at + (cutoff - at) * rng.random()
                    row["cancellation_reason"] = "Unable to attend"
            rows.append(row)


def booking_row(number: int, session: dict, person: Person, at: datetime) -> dict:
    return {
        "id": number,
        "user_id": person.id,
        "session_id": session["id"],
        "agency_id": person.agency_at(at),
        "status": None,
        "booked_by_id": person.id,
        "created_at": at,
        "waitlisted_at": None,
        "confirmed_at": None,
        "pending_expires_at": None,
        "decided_by_id": None,
        "decided_at": None,
        "decision_reason": None,
        "cancelled_at": None,
        "cancelled_by_id": None,
        "cancellation_reason": None,
        "is_late_cancellation": False,
        "substitute_for_id": None,
        "reminder_sent_at": None,
        "completed_at": None,
        "sequence": 0,
        "outcome": None,
        "left_early_counts": None,
        "is_walk_in": False,
    }
