"""The sizes, rates and names `flask seed-scale` draws its synthetic partnership from."""

from datetime import time, timedelta

from lms.accounts.models import Sector

PASSWORD = "Scale-test-2026"
MARKED_AFTER = timedelta(hours=1)

AGENCIES = 150
PRACTITIONERS = 30_000
SESSIONS = 4_000
BOOKINGS = 120_000

# Used when the partnership charges nothing yet, so the history has charges to report on.
CHARGES = {"no_show_charge_pence": 5000, "late_cancellation_charge_pence": 2500}

CANCELLED_SESSION_RATE = 0.06
CANCELLED_BOOKING_SHARE = (0.06, 0.2)
LATE_CANCELLATION_RATE = 0.3
MOVED_AGENCY_RATE = 0.1
TWILIGHT_RATE = 0.25
TWO_DAY_RATE = 0.15
NO_SHOW_RATE = 0.09
PARTIAL_RATE = 0.05
LATE_MARK_RATE = 0.06

# Share of agencies per sector (every sector has at least one), and the job titles in it.
SECTORS = {
    Sector.LOCAL_AUTHORITY: (0.06, ["Social worker", "Early help practitioner", "Team manager"]),
    Sector.HEALTH: (0.1, ["Health visitor", "School nurse", "Midwife", "GP", "Paediatrician"]),
    Sector.POLICE: (0.02, ["Police constable", "Detective sergeant", "PCSO"]),
    Sector.EDUCATION: (0.3, ["Teacher", "Designated safeguarding lead", "Teaching assistant"]),
    Sector.EARLY_YEARS: (0.14, ["Nursery practitioner", "Childminder", "Nursery manager"]),
    Sector.VOLUNTARY_COMMUNITY: (0.16, ["Youth worker", "Support worker", "Volunteer lead"]),
    Sector.FAITH: (0.06, ["Faith leader", "Safeguarding officer"]),
    Sector.PROBATION: (0.01, ["Probation officer"]),
    Sector.FIRE: (0.01, ["Firefighter", "Community safety officer"]),
    Sector.HOUSING: (0.05, ["Housing officer", "Tenancy support officer"]),
    Sector.CAFCASS: (0.01, ["Family court adviser"]),
    Sector.OTHER: (0.08, ["Sports coach", "Practitioner"]),
}
NOUNS = {
    Sector.LOCAL_AUTHORITY: "Council",
    Sector.HEALTH: "NHS Trust",
    Sector.POLICE: "Police",
    Sector.EDUCATION: "School",
    Sector.EARLY_YEARS: "Nursery",
    Sector.VOLUNTARY_COMMUNITY: "Community Project",
    Sector.FAITH: "Church",
    Sector.PROBATION: "Probation Service",
    Sector.FIRE: "Fire and Rescue Service",
    Sector.HOUSING: "Housing Association",
    Sector.CAFCASS: "Cafcass",
    Sector.OTHER: "Trust",
}
# The statutory safeguarding partners: the local authority, the ICB and the police.
STATUTORY = {Sector.LOCAL_AUTHORITY, Sector.POLICE}
PLACES = [
    "Northgate", "Southbank", "Eastwick", "Westfield", "Riverside", "Hillcrest", "Oakwood",
    "Ashford", "Beechgrove", "Cedar Park", "Elmstead", "Fernhill", "Greenway", "Hawthorn",
    "Kingsmead", "Larchmont", "Meadowbank", "Newhaven", "Orchard Vale", "Pinewood",
]  # fmt: skip
FIRST_NAMES = [
    "Amira", "Ben", "Chloe", "Daniel", "Ella", "Farah", "George", "Hannah", "Isaac", "Jade",
    "Kwame", "Laura", "Mohammed", "Nadia", "Oliver", "Priya", "Rosa", "Sam", "Tariq", "Zoe",
]  # fmt: skip
SURNAMES = [
    "Ahmed", "Brown", "Campbell", "Davies", "Evans", "Fernandes", "Green", "Hussain", "Iqbal",
    "Jones", "Khan", "Lewis", "Morris", "Nowak", "Okafor", "Patel", "Roberts", "Smith", "Taylor",
    "Williams",
]  # fmt: skip
THEMES = [
    "Neglect", "Child sexual exploitation", "Child criminal exploitation", "Domestic abuse",
    "Mental health", "Substance misuse", "Online safety", "Radicalisation and Prevent",
    "Female genital mutilation", "Adults at risk", "Contextual safeguarding", "Self-neglect",
]  # fmt: skip
TOPICS = [
    "Safeguarding essentials", "Recognising neglect", "Working together", "Exploitation",
    "Domestic abuse awareness", "Trauma-informed practice", "Online harms", "Prevent",
    "Professional curiosity", "Information sharing", "Making safeguarding personal",
    "Hidden harm", "Escalation and challenge", "Court skills", "Child protection conferences",
    "Harmful sexual behaviour", "Graded Care Profile", "Self-neglect and hoarding",
    "Modern slavery", "Safer recruitment",
]  # fmt: skip
PROVIDERS = ["Safer Futures Training", "Brightside Learning", "Keystone Safeguarding"]
DAY_SLOTS = [(time(9, 30), time(12, 30)), (time(9, 30), time(16, 0)), (time(13, 0), time(16, 0))]
TWILIGHT_SLOTS = [(time(16, 0), time(18, 0)), (time(18, 0), time(20, 0))]
