"""The themes, providers, venues and courses of `flask seed-scale`."""

from datetime import timedelta
from decimal import Decimal

from lms.accounts.models import Sector
from lms.catalogue.models import Audience, CourseStatus, DeliveryMode
from lms.scale.builder import Builder, scaled
from lms.scale.figures import PLACES, PROVIDERS, THEMES, TOPICS


def build(builder: Builder) -> None:
    """Add the themes, providers, venues and courses."""
    rng, created = builder.rng, builder.start - timedelta(days=200)
    for number, name in enumerate(THEMES, start=1):
        slug = "".join(c if c.isalnum() else "-" for c in name.lower())
        builder.table("themes").append(
            {"id": number, "name": name, "slug": slug, "description": "", "is_active": True}
        )
    for number, name in enumerate(PROVIDERS, start=1):
        builder.table("providers").append(
            {
                "id": number,
                "name": name,
                "contact_email": f"bookings@provider{number}.example",
                "contract_starts_on": None,
                "contract_ends_on": None,
                "is_active": True,
                "created_at": created,
                "updated_at": created,
            }
        )
    hosts = [a for a in builder.agencies if a["sector"] in (Sector.LOCAL_AUTHORITY, Sector.HEALTH)]
    for number in range(1, scaled(16, builder.scale, 4) + 1):
        capacity = rng.choice([20, 24, 30, 40, 60])
        builder.venue_capacity[number] = capacity
        builder.table("venues").append(
            {
                "id": number,
                "name": f"{PLACES[number % len(PLACES)]} Training Room {number}",
                "address": f"{number} High Street",
                "postcode": f"RV{number % 9 + 1} {number % 10}AB",
                "capacity": capacity,
                "accessibility_notes": "Step-free access.",
                "agency_id": rng.choice(hosts)["id"] if hosts else None,
                "is_active": True,
                "created_at": created,
                "updated_at": created,
            }
        )
    modes = [DeliveryMode.CLASSROOM] * 5 + [DeliveryMode.VIRTUAL] * 3 + [DeliveryMode.BLENDED]
    for number in range(1, scaled(40, builder.scale, 8) + 1):
        topic = TOPICS[(number - 1) % len(TOPICS)]
        level = (number - 1) // len(TOPICS) + 1
        course = {
            "id": number,
            "code": f"SC{level}{number:03d}",
            "title": f"{topic} (level {level})",
            "summary": f"{topic} for practitioners across the partnership.",
            "learning_outcomes": "- Recognise concerns\n- Know how to refer",
            "level": min(level, 4),
            "delivery_mode": modes[number % len(modes)],
            "audience": rng.choice(list(Audience)),
            "cpd_hours": Decimal("3.0"),
            "provider_id": rng.choice(builder.rows["providers"])["id"] if number % 3 else None,
            "approval_required": False,
            "prerequisite_id": None,
            "certificate_validity_months": 36 if level == 1 else None,
            "status": CourseStatus.PUBLISHED,
            "created_at": created,
            "updated_at": created,
        }
        builder.courses.append(course)
        for theme in rng.sample(builder.rows["themes"], 2):
            builder.table("course_themes").append({"course_id": number, "theme_id": theme["id"]})
    builder.table("courses").extend(builder.courses)
