"""The demonstration catalogue's themes, commissioned providers and partner venues, and the
wording and times its sessions are given: plain literals, built into rows by
`lms.catalogue.demo`."""

from datetime import time

from lms.catalogue.models import Platform

THEMES = [
    (
        "Neglect",
        "Recognising and acting early on the persistent failure to meet a child's basic needs.",
    ),
    (
        "Child sexual exploitation",
        "Spotting grooming and sexual exploitation of children, online and offline, and "
        "disrupting it together.",
    ),
    (
        "Child criminal exploitation and county lines",
        "Children coerced into drug running, carrying weapons or other crime, and how agencies "
        "protect them as victims.",
    ),
    (
        "Domestic abuse",
        "Coercive control, violence and abuse between adults, and children as victims in their "
        "own right under the Domestic Abuse Act 2021.",
    ),
    (
        "Mental health",
        "The mental health of children, young people and their parents, and its effect on "
        "safety and wellbeing.",
    ),
    (
        "Contextual safeguarding and extra-familial harm",
        "Harm young people face outside the home: in peer groups, schools, parks, estates and "
        "online spaces.",
    ),
    (
        "Radicalisation and extremism (Prevent)",
        "Meeting the Prevent duty: recognising vulnerability to radicalisation and making a "
        "proportionate referral.",
    ),
    (
        "Safeguarding across faiths and cultures",
        "Working respectfully with the borough's faith and cultural communities without letting "
        "culture excuse harm.",
    ),
    (
        "Children with disabilities",
        "The greater risks disabled children face and how to hear and act on their communication.",
    ),
    (
        "Early help",
        "Offering the right support as soon as a need emerges, before problems escalate.",
    ),
    (
        "Safer recruitment and allegations",
        "Keeping unsuitable people out of the workforce and managing allegations against staff "
        "and volunteers with the LADO.",
    ),
    (
        "Trauma-informed practice",
        "Understanding the impact of trauma and adverse childhood experiences and working in "
        "ways that do not retraumatise.",
    ),
    (
        "Online safety",
        "Helping children stay safe online and responding to online abuse, sextortion and "
        "image sharing.",
    ),
    (
        "Pre-birth and infants",
        "Protecting unborn babies and infants, the most vulnerable group in serious case reviews.",
    ),
    (
        "Adult safeguarding (Think Family)",
        "Seeing the whole family: adults at risk, parents' own needs and the links between "
        "adult and child safeguarding.",
    ),
]

# key, name, contact email, contract starts (days from now), ends (days from now), active
PROVIDERS = [
    (
        "team",
        "Riverside Safeguarding Partnership Training Team",
        "training@riverside-scp.example",
        -600,
        500,
        True,
    ),
    (
        "womensaid",
        "Riverside Women's Aid – Training and Consultancy",
        "training@womensaid-riverside.example",
        -420,
        310,
        True,
    ),
    (
        "trauma",
        "Beacon Trauma-Informed Training Ltd",
        "bookings@beacon-trauma.example",
        -300,
        430,
        True,
    ),
    (
        "mentalhealth",
        "East Riverside Mental Health NHS Foundation Trust – Learning and Development",
        "learning@erm.nhs.example",
        -540,
        190,
        True,
    ),
    (
        "associates",
        "Northgate Safeguarding Associates",
        "office@northgate-safeguarding.example",
        -900,
        -120,
        False,
    ),
]

# name, address, postcode, capacity, owning agency, accessibility notes
VENUES = [
    (
        "Riverside Town Hall – Training Suite",
        "Town Hall, 1 Market Square, London",
        "E14 9RT",
        40,
        "Riverside Council – Children's Services",
        "Step-free entrance on Market Square and a lift to the second-floor training suite. "
        "Hearing loop in both rooms; accessible toilets on every floor. No public parking: two "
        "Blue Badge bays on Market Square. Nearest station: Riverside DLR, 4 minutes' walk.",
    ),
    (
        "Riverside Civic Centre – Council Chamber Rooms",
        "Civic Centre, 120 Thames Road, London",
        "E16 2QU",
        60,
        "Riverside Council – Education",
        "Step-free throughout with two lifts; hearing loop and a quiet room. Pay-and-display "
        "car park behind the building (Blue Badge bays free). Nearest station: Canning Town "
        "(Jubilee line, DLR), 8 minutes' walk; buses 115 and 147 stop outside.",
    ),
    (
        "St Bride's Hospital Education Centre",
        "Education Centre, St Bride's Hospital, Wharf Lane, London",
        "SE18 4QH",
        30,
        "St Bride's Hospital NHS Foundation Trust",
        "Step-free via the main hospital entrance; follow signs to the Education Centre "
        "(Level 1, lift B). Hearing loop in the lecture theatre only. Hospital car park is "
        "expensive and often full. Nearest station: Woolwich Arsenal (DLR, Elizabeth line), "
        "10 minutes' walk.",
    ),
    (
        "Riverside Police Station – Training Room",
        "Riverside Police Station, 56 High Street, London",
        "E15 3BP",
        20,
        "Metropolitan Police – Riverside Borough Command Unit",
        "Bring photo ID and sign in at the front counter; you will be escorted. Step-free "
        "access via the side entrance on Station Road (ring the bell). No hearing loop; no "
        "visitor parking. Nearest station: Stratford (Central, Jubilee, Elizabeth lines), "
        "6 minutes' walk.",
    ),
    (
        "Alder Road Children's Centre",
        "Alder Road, London",
        "E13 8LS",
        16,
        "Riverside Children's Centres",
        "Ground floor, step-free, with an accessible toilet and baby-change. Portable hearing "
        "loop on request. Free on-street parking in the afternoon only. Nearest station: "
        "Plaistow (District and Hammersmith & City lines), 7 minutes' walk.",
    ),
    (
        "Riverside Mosque and Education Centre – Community Hall",
        "42 Canal Street, London",
        "E1 4PQ",
        50,
        "Riverside Mosque and Education Centre",
        "Community hall on the ground floor with step-free access from the car park entrance; "
        "separate prayer rooms available. Hearing loop fitted. Small free car park (12 spaces). "
        "Nearest station: Whitechapel (Elizabeth line, District line, Overground), "
        "5 minutes' walk.",
    ),
    (
        "Riverside Central Library – Learning Room",
        "Library Square, 10 Dock Street, London",
        "SE16 7HR",
        24,
        None,
        "First-floor learning room reached by lift; step-free from Library Square. Hearing "
        "loop at the front desk and in the learning room. No parking; cycle stands outside. "
        "Nearest station: Canada Water (Jubilee line, Overground), 3 minutes' walk.",
    ),
    (
        "Riverside Youth Hub – Studio",
        "Riverside Youth Hub, 7 Creek Road, London",
        "SE8 3DZ",
        25,
        "Riverside Youth Trust",
        "Step-free studio on the ground floor; accessible toilet. No hearing loop. Limited "
        "parking in the yard by arrangement. Nearest station: Deptford Bridge (DLR), "
        "5 minutes' walk.",
    ),
]

# UK wall-clock (start, end) per kind of session date
DAY_SLOTS = [(time(9, 30), time(16, 30))]
HALF_DAY_SLOTS = [(time(9, 30), time(12, 30)), (time(13, 30), time(16, 30))]
TWILIGHT_SLOTS = [(time(16, 0), time(18, 0)), (time(16, 30), time(18, 30))]

CANCELLATION_REASONS = [
    "The trainer is unwell. Everyone booked has been offered a place on the next date.",
    "The venue is unavailable because of building works.",
    "Too few bookings: the session has been merged with the next date.",
    "The co-trainer from the police is unavailable because of operational demands.",
]

VIRTUAL_INSTRUCTIONS = {
    Platform.TEAMS: (
        "Join on Microsoft Teams 10 minutes early using the link in your confirmation. Use a "
        "computer with a camera and microphone, in a private space where you cannot be "
        "overheard: we discuss case material. Please keep your camera on."
    ),
    Platform.ZOOM: (
        "Join on Zoom 10 minutes early using the link in your confirmation; the passcode is in "
        "the link. Use your full name and agency as your display name so the trainer can take "
        "the register. Join from a private space with your camera on."
    ),
}
CLASSROOM_INSTRUCTIONS = (
    "Please arrive 15 minutes early to sign in. Tea and coffee are provided; please bring your "
    "own lunch for full-day sessions. Tell us about any access needs when you book."
)
