"""The sessions of `flask seed-scale`, with their dates and trainers."""

from datetime import date, timedelta

from lms.catalogue.models import DeliveryMode, Platform, SessionStatus
from lms.catalogue.sessions import DEFAULT_CANCELLATION_NOTICE, is_twilight
from lms.core.timefmt import LONDON, london_to_utc
from lms.scale.builder import Builder, scaled
from lms.scale.figures import (
    CANCELLED_SESSION_RATE,
    DAY_SLOTS,
    SESSIONS,
    TWILIGHT_RATE,
    TWILIGHT_SLOTS,
    TWO_DAY_RATE,
)


def build(builder: Builder) -> None:
    """Add the sessions on weekdays over the history, with their dates and trainers, and a plan
    per session for the bookings to come."""
    rng = builder.rng
    count = scaled(SESSIONS, builder.scale, 10)
    first_day = builder.start.astimezone(LONDON).date()
    last_day = (builder.now - timedelta(days=2)).astimezone(LONDON).date()
    span = (last_day - first_day).days
    days = []
    while len(days) < count:
        day = first_day + timedelta(days=rng.randint(0, span))
        if day.weekday() < 5:
            days.append(day)
    days.sort()
    busy: set[tuple[str, int, date]] = set()
    date_id = 0
    for number, day in enumerate(days, start=1):
        course = rng.choice(builder.courses)
        twilight = rng.random() < TWILIGHT_RATE
        start_clock, end_clock = rng.choice(TWILIGHT_SLOTS if twilight else DAY_SLOTS)
        days_of = [day]
        if rng.random() < TWO_DAY_RATE:
            following = day + timedelta(days=1 if day.weekday() < 4 else 3)
            if london_to_utc(following, end_clock) < builder.now:
                days_of.append(following)
        dates = [(london_to_utc(d, start_clock), london_to_utc(d, end_clock)) for d in days_of]
        mode = course["delivery_mode"]
        virtual = mode is DeliveryMode.VIRTUAL or (
            mode is DeliveryMode.BLENDED and rng.random() < 0.5
        )
        capacity = rng.randint(16, 40)
        venue_id = None
        if not virtual:
            venues = list(builder.venue_capacity)
            free = [v for v in venues if ("venue", v, day) not in busy] or venues
            venue_id = rng.choice(free)
            busy.add(("venue", venue_id, day))
            capacity = min(capacity, builder.venue_capacity[venue_id])
        free = [t for t in builder.trainers if ("trainer", t, day) not in busy] or builder.trainers
        trainer = rng.choice(free)
        busy.add(("trainer", trainer, day))
        starts_at, ends_at = dates[0][0], dates[-1][1]
        cancelled = rng.random() < CANCELLED_SESSION_RATE
        created = starts_at - timedelta(days=rng.randint(60, 120))
        row = {
            "id": number,
            "course_id": course["id"],
            "venue_id": venue_id,
            "platform": Platform.TEAMS if virtual else None,
            "join_link": f"https://teams.example/meet/{number}" if virtual else None,
            "joining_instructions": "",
            "capacity": capacity,
            "places_taken": 0,
            "agency_cap": None,
            "booking_opens_at": None,
            "booking_closes_at": None,
            "cancellation_cutoff_at": starts_at - DEFAULT_CANCELLATION_NOTICE,
            "status": SessionStatus.CANCELLED if cancelled else SessionStatus.COMPLETED,
            "cancelled_at": starts_at - timedelta(days=rng.randint(1, 14)) if cancelled else None,
            "cancellation_reason": "Trainer unavailable" if cancelled else None,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "is_twilight": is_twilight(starts_at),
            "sequence": 0,
            "created_at": created,
            "updated_at": created,
        }
        builder.table("sessions").append(row)
        builder.table("session_trainers").append({"session_id": number, "user_id": trainer})
        ids = []
        for date_starts, date_ends in dates:
            date_id += 1
            ids.append(date_id)
            builder.table("dates").append(
                {
                    "id": date_id,
                    "session_id": number,
                    "starts_at": date_starts,
                    "ends_at": date_ends,
                }
            )
        builder.plans.append({"row": row, "dates": list(zip(ids, dates, strict=True))})
