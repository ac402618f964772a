"""Demonstration programme for a London borough's multi-agency safeguarding training.

Themes, commissioned providers, partner venues, about thirty courses and their sessions from some
fifteen months ago to six months ahead of `now`, so the demo always has a history to report on and
a timetable to book from. Deterministic (one seeded random generator) and idempotent by natural
keys: themes, providers and venues by name, courses by code, sessions by (course, first start).

Sessions are built with the model constructors and `set_dates`, not the scheduling service, which
rightly refuses dates in the past. Email addresses and join links use reserved .example domains.
"""

import random
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from lms.accounts.models import Agency, User
from lms.catalogue.models import (
    Audience,
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    Platform,
    Provider,
    SessionDate,
    SessionStatus,
    Theme,
    Venue,
    session_trainers,
)
from lms.catalogue.services import slugify
from lms.catalogue.sessions import DEFAULT_CANCELLATION_NOTICE, set_dates
from lms.core.timefmt import london_to_utc
from lms.extensions import db

SEED = 2026
DEMO_TRAINER_EMAIL = "trainer@riverside-council.example"
PAST_DAYS = 456  # about fifteen months back
FUTURE_DAYS = 183  # about six months ahead

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


@dataclass(frozen=True)
class CourseSpec:
    code: str
    title: str
    level: int
    mode: DeliveryMode
    cpd_hours: str
    provider: str
    themes: tuple[str, ...]
    summary: str
    outcomes: tuple[str, ...]
    audience: Audience = Audience.CHILDREN
    approval_required: bool = False
    prerequisite: str | None = None
    validity_months: int | None = 36
    status: CourseStatus = CourseStatus.PUBLISHED
    days: int = 1  # dates per session, a week apart
    monthly: bool = False  # a rolling programme: one future session in each coming month


CLASSROOM, VIRTUAL, BLENDED, ELEARNING = (
    DeliveryMode.CLASSROOM,
    DeliveryMode.VIRTUAL,
    DeliveryMode.BLENDED,
    DeliveryMode.ELEARNING,
)

COURSES = [
    CourseSpec(
        "SCP-NEG1",
        "Neglect: spotting the signs (twilight briefing)",
        1,
        CLASSROOM,
        "2",
        "team",
        ("Neglect",),
        "A two-hour after-work briefing for anyone new to working with children, or anyone who "
        "wants a refresher. It covers what neglect looks like at each age, how it builds up over "
        "time, and what to do when you are worried.",
        (
            "Recognise the signs of neglect in babies, children and teenagers",
            "Understand how neglect builds up and why it is easy to miss",
            "Know who to talk to and how to refer in the borough",
        ),
        monthly=True,
    ),
    CourseSpec(
        "SCP-WT2",
        "Working together: multi-agency safeguarding",
        2,
        CLASSROOM,
        "6",
        "team",
        ("Early help", "Neglect"),
        "The partnership's core Level 2 course for anyone who works with children and families. "
        "It follows a family's story from first concern through early help, referral to the "
        "front door and a child protection conference, showing what each agency contributes.",
        (
            "Explain the roles of the three statutory partners and relevant agencies",
            "Describe the thresholds for early help, child in need and child protection",
            "Make a clear, evidenced referral to the front door",
            "Share information lawfully and confidently",
            "Contribute to strategy meetings, conferences and core groups",
        ),
        audience=Audience.BOTH,
    ),
    CourseSpec(
        "SCP-MGR3",
        "Safeguarding essentials for managers",
        3,
        BLENDED,
        "6",
        "team",
        ("Safer recruitment and allegations", "Early help"),
        "For team leaders and managers who oversee safeguarding in their service. Covers "
        "decision-making, supervision of safeguarding cases, allegations against staff and "
        "the escalation of professional disagreements.",
        (
            "Lead a safeguarding culture in a team",
            "Oversee safeguarding decisions and record management oversight",
            "Respond to an allegation against a member of staff and consult the LADO",
            "Use the partnership's escalation policy",
        ),
        audience=Audience.BOTH,
        approval_required=True,
        prerequisite="SCP-WT2",
    ),
    CourseSpec(
        "SCP-ACE3",
        "Childhood trauma and adverse childhood experiences",
        3,
        BLENDED,
        "6",
        "trauma",
        ("Trauma-informed practice", "Mental health"),
        "Explores how trauma and adverse childhood experiences affect brain development, "
        "behaviour and relationships. Practitioners leave with practical ways of working that "
        "build safety and trust rather than retraumatise.",
        (
            "Describe the impact of developmental trauma on children and adults",
            "Recognise trauma responses behind behaviour that challenges",
            "Apply the principles of trauma-informed practice in their role",
            "Look after their own wellbeing when working with trauma",
        ),
        approval_required=True,
        days=2,
    ),
    CourseSpec(
        "SCP-PLD3",
        "Parental learning disability",
        3,
        VIRTUAL,
        "3",
        "team",
        (
            "Children with disabilities",
            "Adult safeguarding (Think Family)",
            "Pre-birth and infants",
        ),
        "How a parent's learning disability can affect parenting and how to assess and support "
        "fairly. Draws on the good practice guidance for working with parents with a learning "
        "disability and the Care Act 2014.",
        (
            "Recognise when a parent may have a learning disability",
            "Adapt communication and written information for parents",
            "Plan assessments that are fair and supported",
            "Coordinate adult and children's services around the family",
        ),
        audience=Audience.BOTH,
    ),
    CourseSpec(
        "SCP-NRPF2",
        "No recourse to public funds",
        2,
        VIRTUAL,
        "2",
        "team",
        ("Early help", "Adult safeguarding (Think Family)"),
        "A short briefing on families whose immigration status means they cannot claim most "
        "benefits. Covers destitution, support under section 17 of the Children Act 1989 and "
        "where to get specialist advice.",
        (
            "Explain what no recourse to public funds means for a family",
            "Identify the safeguarding risks of destitution",
            "Refer a family for a section 17 assessment and specialist advice",
        ),
        audience=Audience.BOTH,
    ),
    CourseSpec(
        "SCP-PRV2",
        "Radicalisation and extremism (Prevent)",
        2,
        CLASSROOM,
        "3",
        "team",
        ("Radicalisation and extremism (Prevent)", "Online safety"),
        "Builds on the Level 1 Prevent e-learning with local case studies. Practitioners learn "
        "to recognise vulnerability to radicalisation, how the Channel panel works and how to "
        "make a proportionate Prevent referral.",
        (
            "Describe the Prevent duty and how it applies to their organisation",
            "Recognise vulnerability to radicalisation, including online",
            "Make a proportionate Prevent referral",
            "Explain the role of the Channel panel",
        ),
        audience=Audience.BOTH,
    ),
    CourseSpec(
        "SCP-FAC2",
        "Safeguarding across faiths and cultures",
        2,
        CLASSROOM,
        "3",
        "team",
        ("Safeguarding across faiths and cultures",),
        "Co-delivered with the Riverside Interfaith Forum in a community venue. Explores how "
        "faith and culture shape family life and how to work respectfully while keeping the "
        "child's welfare paramount, including abuse linked to faith or belief.",
        (
            "Reflect on their own assumptions about faith and culture",
            "Recognise abuse linked to faith or belief, including spirit possession",
            "Engage faith leaders and communities as safeguarding partners",
            "Avoid letting cultural sensitivity delay action",
        ),
    ),
    CourseSpec(
        "SCP-RS4",
        "Reflective supervision",
        4,
        CLASSROOM,
        "6",
        "trauma",
        ("Trauma-informed practice",),
        "For supervisors of practitioners in safeguarding roles. Uses the 4x4x4 model of "
        "supervision and live practice to help supervisors create space for reflection, "
        "challenge and emotional support.",
        (
            "Apply the 4x4x4 model in supervision",
            "Use reflective questions to test analysis and decisions",
            "Recognise and respond to secondary trauma in supervisees",
            "Record supervision that evidences management oversight",
        ),
        audience=Audience.BOTH,
        approval_required=True,
        validity_months=None,
    ),
    CourseSpec(
        "SCP-PB3",
        "Pre-birth safeguarding",
        3,
        CLASSROOM,
        "6",
        "team",
        ("Pre-birth and infants", "Domestic abuse"),
        "Working with unborn babies and their parents where there are safeguarding concerns. "
        "Covers early pre-birth assessment, the London unborn baby protocol, safe sleep and "
        "planning for discharge from hospital.",
        (
            "Identify risk factors in pregnancy early",
            "Follow the London unborn baby protocol and timescales",
            "Contribute to a pre-birth assessment and birth plan",
            "Give consistent safe sleep and coping-with-crying messages",
        ),
        approval_required=True,
    ),
    CourseSpec(
        "SCP-SR3",
        "Safer recruitment",
        3,
        VIRTUAL,
        "6",
        "associates",
        ("Safer recruitment and allegations",),
        "For anyone who sits on an interview panel for roles with children. Two half-day "
        "sessions cover the recruitment process end to end, from advert to induction, in line "
        "with Keeping Children Safe in Education.",
        (
            "Design a recruitment process that deters unsuitable applicants",
            "Scrutinise applications and references for gaps and concerns",
            "Ask values-based interview questions",
            "Complete pre-appointment checks including an enhanced DBS check",
        ),
        audience=Audience.BOTH,
        approval_required=True,
        days=2,
    ),
    CourseSpec(
        "SCP-CH3",
        "Contextual harm",
        3,
        CLASSROOM,
        "6",
        "team",
        (
            "Contextual safeguarding and extra-familial harm",
            "Child criminal exploitation and county lines",
        ),
        "Applies contextual safeguarding to the harm young people face beyond their families. "
        "Practitioners map peer groups and places, and plan interventions with partners who "
        "own those spaces.",
        (
            "Explain the contextual safeguarding framework",
            "Map a young person's peer groups, places and spaces",
            "Plan interventions that target contexts, not only individuals",
            "Use the partnership's extra-familial harm panel",
        ),
        approval_required=True,
    ),
    CourseSpec(
        "SCP-NEG2",
        "Neglect and the Graded Care Profile 2",
        3,
        CLASSROOM,
        "6",
        "team",
        ("Neglect", "Early help"),
        "Neglect is the most common reason for a child protection plan in the borough. This "
        "licensed course trains practitioners to use the NSPCC Graded Care Profile 2 to "
        "measure the quality of care and to work with parents on change.",
        (
            "Recognise the signs and cumulative impact of neglect",
            "Complete a Graded Care Profile 2 assessment with a family",
            "Use the assessment to agree and review a plan",
            "Avoid drift and start-again syndrome",
        ),
    ),
    CourseSpec(
        "SCP-CSE2",
        "Child sexual exploitation",
        2,
        VIRTUAL,
        "3",
        "team",
        ("Child sexual exploitation", "Online safety"),
        "How children are groomed and sexually exploited, including online, and what the "
        "partnership does to protect them and disrupt abusers. Uses case studies from local "
        "reviews.",
        (
            "Recognise indicators of grooming and sexual exploitation",
            "Use language that does not blame children",
            "Share intelligence with the police to disrupt exploitation",
            "Refer to the exploitation panel",
        ),
    ),
    CourseSpec(
        "SCP-CCE2",
        "Child criminal exploitation and county lines",
        2,
        CLASSROOM,
        "3",
        "team",
        (
            "Child criminal exploitation and county lines",
            "Contextual safeguarding and extra-familial harm",
        ),
        "Co-delivered with the Metropolitan Police. Covers how county lines operate, the signs "
        "that a child is being exploited, going missing, and the National Referral Mechanism.",
        (
            "Describe how county lines and criminal exploitation operate",
            "Recognise the signs, including going missing and unexplained money",
            "Make a referral to the National Referral Mechanism",
            "Respond to a child as a victim, not an offender",
        ),
    ),
    CourseSpec(
        "SCP-DA2",
        "Domestic abuse and coercive control",
        2,
        VIRTUAL,
        "3",
        "womensaid",
        ("Domestic abuse",),
        "Understanding domestic abuse, including coercive and controlling behaviour, and its "
        "impact on adults and children. Covers the DASH risk checklist, MARAC and local "
        "specialist services.",
        (
            "Recognise coercive and controlling behaviour",
            "Complete a DASH risk assessment",
            "Refer to MARAC and specialist domestic abuse services",
            "Plan safely with a victim",
        ),
        audience=Audience.BOTH,
    ),
    CourseSpec(
        "SCP-DAV3",
        "Domestic abuse: the child's voice",
        3,
        CLASSROOM,
        "6",
        "womensaid",
        ("Domestic abuse", "Trauma-informed practice"),
        "Children are victims of domestic abuse in their own right. This course helps "
        "practitioners talk with children about what is happening at home and make their "
        "experience central to assessment and planning.",
        (
            "Explain the impact of domestic abuse on children at each age",
            "Use direct work tools to hear children's experiences",
            "Reflect the child's voice in assessments and plans",
            "Work with the non-abusing parent to support the child",
        ),
        prerequisite="SCP-DA2",
    ),
    CourseSpec(
        "SCP-PMH2",
        "Parental mental health",
        2,
        VIRTUAL,
        "3",
        "mentalhealth",
        ("Mental health", "Adult safeguarding (Think Family)"),
        "How a parent's mental illness can affect children and how adult mental health and "
        "children's services work together. Includes perinatal mental health and young "
        "carers.",
        (
            "Describe how parental mental illness can affect parenting",
            "Recognise when children are at risk or are young carers",
            "Use Think Family approaches across adult and children's services",
        ),
        audience=Audience.BOTH,
    ),
    CourseSpec(
        "SCP-AMH3",
        "Adolescent mental health and self-harm",
        3,
        CLASSROOM,
        "6",
        "mentalhealth",
        ("Mental health",),
        "Delivered by the mental health trust's CAMHS clinicians. Covers anxiety, depression, "
        "self-harm and suicidal thoughts in young people, how to talk about them and when to "
        "refer.",
        (
            "Recognise signs of emotional distress and self-harm in adolescents",
            "Ask directly and safely about suicidal thoughts",
            "Agree a safety plan with a young person",
            "Refer to CAMHS and other support",
        ),
    ),
    CourseSpec(
        "SCP-HSB3",
        "Harmful sexual behaviour",
        3,
        CLASSROOM,
        "6",
        "team",
        ("Child sexual exploitation", "Online safety"),
        "Distinguishing healthy, problematic and harmful sexual behaviour in children and "
        "young people, using the Brook traffic light tool and the AIM approach. Two half days "
        "a week apart.",
        (
            "Distinguish healthy from problematic and harmful sexual behaviour",
            "Use the Brook traffic light tool",
            "Respond proportionately and safety plan in school and the community",
            "Support both the child harmed and the child who harmed",
        ),
        approval_required=True,
        days=2,
    ),
    CourseSpec(
        "SCP-FGM2",
        "Female genital mutilation and honour-based abuse",
        2,
        VIRTUAL,
        "2",
        "womensaid",
        ("Safeguarding across faiths and cultures", "Domestic abuse"),
        "Female genital mutilation, forced marriage and so-called honour-based abuse: the law, "
        "the warning signs and the mandatory reporting duty for teachers, health and social "
        "care professionals.",
        (
            "Recognise the risk indicators of FGM, forced marriage and honour-based abuse",
            "Fulfil the FGM mandatory reporting duty",
            "Know why you should never attempt mediation with the family",
        ),
        audience=Audience.BOTH,
    ),
    CourseSpec(
        "SCP-PF2",
        "Private fostering",
        2,
        VIRTUAL,
        "2",
        "team",
        ("Safeguarding across faiths and cultures", "Early help"),
        "A twilight briefing on children living with someone who is not a close relative for 28 "
        "days or more, why these children can be invisible and the duty to notify the council.",
        (
            "Define private fostering",
            "Recognise a private fostering arrangement",
            "Notify the council and support the family",
        ),
    ),
    CourseSpec(
        "SCP-CME2",
        "Children missing education",
        2,
        VIRTUAL,
        "2",
        "team",
        ("Contextual safeguarding and extra-familial harm", "Early help"),
        "Why children missing education are at greater risk of harm, including exploitation, "
        "and what schools and partners must do, including for electively home-educated "
        "children.",
        (
            "Explain the statutory duties on children missing education",
            "Recognise the links with exploitation and going missing",
            "Refer to the children missing education team",
        ),
    ),
    CourseSpec(
        "SCP-OS2",
        "Online safety",
        2,
        VIRTUAL,
        "2",
        "team",
        ("Online safety", "Child sexual exploitation"),
        "Current online risks for children and young people, from sextortion to nude image "
        "sharing and harmful content, and how to respond when something goes wrong.",
        (
            "Describe current online risks for children",
            "Respond to nude image sharing in line with national guidance",
            "Help parents and carers talk with children about online life",
        ),
    ),
    CourseSpec(
        "SCP-DIS2",
        "Disabled children",
        2,
        CLASSROOM,
        "3",
        "team",
        ("Children with disabilities",),
        "Disabled children are more likely to be abused and less likely to be protected. "
        "Covers barriers to recognition, communication with children who do not use speech and "
        "safeguarding in residential and short-break settings.",
        (
            "Explain why disabled children are at greater risk",
            "Avoid attributing indicators of abuse to a child's impairment",
            "Use communication aids to hear a disabled child's views",
        ),
    ),
    CourseSpec(
        "SCP-HH2",
        "Substance misuse and parenting (hidden harm)",
        2,
        BLENDED,
        "3",
        "team",
        ("Neglect", "Adult safeguarding (Think Family)"),
        "The impact of parental drug and alcohol use on children and how adult treatment and "
        "children's services can work together to reduce hidden harm.",
        (
            "Describe the impact of parental substance misuse on children",
            "Ask parents about their drug and alcohol use",
            "Work jointly with adult treatment services",
        ),
    ),
    CourseSpec(
        "SCP-PC3",
        "Professional curiosity and challenge (escalation)",
        3,
        VIRTUAL,
        "3",
        "team",
        ("Neglect", "Early help"),
        "Lessons from local and national child safeguarding practice reviews on professional "
        "curiosity. Practitioners practise respectful uncertainty and use the escalation "
        "policy when they disagree with another agency.",
        (
            "Explain why professional curiosity matters, using review findings",
            "Test what they are told against what they see",
            "Use the partnership's escalation policy to resolve disagreements",
        ),
    ),
    CourseSpec(
        "SCP-L1C",
        "Level 1 safeguarding children e-learning",
        1,
        ELEARNING,
        "1.5",
        "team",
        ("Early help", "Neglect"),
        "The partnership's introduction to safeguarding children for every member of the "
        "workforce and volunteers. Take it at your own pace; it takes about 90 minutes.",
        (
            "Recognise the main categories and signs of abuse and neglect",
            "Know what to do if a child tells you something",
            "Know who to tell in your organisation and how to refer",
        ),
    ),
    CourseSpec(
        "SCP-L1P",
        "Level 1 Prevent e-learning",
        1,
        ELEARNING,
        "1.5",
        "team",
        ("Radicalisation and extremism (Prevent)",),
        "The national Prevent awareness e-learning, recorded here so it counts in your training "
        "record. Takes about an hour.",
        (
            "Describe the Prevent duty",
            "Recognise vulnerability to radicalisation",
            "Know how to share a concern",
        ),
        audience=Audience.BOTH,
        validity_months=24,
    ),
    CourseSpec(
        "SCP-L1A",
        "Level 1 adult safeguarding e-learning",
        1,
        ELEARNING,
        "2",
        "team",
        ("Adult safeguarding (Think Family)",),
        "An introduction to safeguarding adults at risk under the Care Act 2014, for staff and "
        "volunteers in every agency, including those who mainly work with children.",
        (
            "Recognise the types of abuse of adults at risk",
            "Apply Making Safeguarding Personal",
            "Raise a safeguarding adults concern",
        ),
        audience=Audience.ADULTS,
    ),
    CourseSpec(
        "SCP-ICON2",
        "Infant crying and abusive head trauma (ICON)",
        2,
        VIRTUAL,
        "1.5",
        "team",
        ("Pre-birth and infants",),
        "A short session for practitioners in contact with new parents, on the ICON programme: "
        "infant crying is normal, comforting methods can help, it's OK to walk away, never "
        "shake a baby.",
        (
            "Explain the ICON messages",
            "Deliver the messages to parents at key contacts",
        ),
        status=CourseStatus.DRAFT,
    ),
    CourseSpec(
        "SCP-LADO3",
        "Managing allegations against staff and volunteers",
        3,
        VIRTUAL,
        "3",
        "team",
        ("Safer recruitment and allegations",),
        "For designated safeguarding leads and managers. The role of the Local Authority "
        "Designated Officer, thresholds for allegations and low-level concerns, and "
        "running an investigation fairly.",
        (
            "Apply the harm test for allegations",
            "Consult the LADO within one working day",
            "Manage low-level concerns",
        ),
        audience=Audience.BOTH,
        approval_required=True,
        status=CourseStatus.DRAFT,
    ),
    CourseSpec(
        "SCP-MASH2",
        "Understanding the MASH and referral pathways",
        2,
        CLASSROOM,
        "3",
        "associates",
        ("Early help",),
        "Replaced by Working together: multi-agency safeguarding. How the multi-agency "
        "safeguarding hub receives and decides on referrals.",
        (
            "Describe how the MASH works",
            "Make a referral with the information the MASH needs",
        ),
        status=CourseStatus.ARCHIVED,
    ),
]

# UK wall-clock (start, end) per kind of session date
DAY_SLOTS = [(time(9, 30), time(16, 30))]
HALF_DAY_SLOTS = [(time(9, 30), time(12, 30)), (time(13, 30), time(16, 30))]
TWILIGHT_SLOTS = [(time(16, 0), time(18, 0)), (time(16, 30), time(18, 30))]

CANCEL_EVERY = 9  # one future session in nine is cancelled
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


@dataclass
class _Counts:
    themes: int = 0
    providers: int = 0
    venues: int = 0
    courses: int = 0
    sessions: int = 0

    def summary(self) -> str:
        return (
            f"{self.themes} themes, {self.providers} providers, {self.venues} venues, "
            f"{self.courses} courses, {self.sessions} sessions added"
        )


def seed(*, now: datetime) -> str:
    """Create whatever demo catalogue is missing; a second run adds nothing.

    A course that already has sessions gets no new ones: the timetable is relative to `now`,
    so a run on a later day would otherwise add a second timetable beside the first.
    """
    counts = _Counts()
    themes = _seed_themes(counts)
    providers = _seed_providers(counts, now=now)
    venues = _seed_venues(counts)
    courses = _seed_courses(counts, themes, providers)
    _seed_sessions(counts, courses, venues, now=now)
    db.session.flush()
    return counts.summary()


def _seed_themes(counts: _Counts) -> dict[str, Theme]:
    existing = {theme.name: theme for theme in db.session.scalars(sa.select(Theme))}
    for name, description in THEMES:
        if name not in existing:
            existing[name] = Theme(name=name, slug=slugify(name), description=description)
            db.session.add(existing[name])
            counts.themes += 1
    return existing


def _seed_providers(counts: _Counts, *, now: datetime) -> dict[str, Provider]:
    existing = {provider.name: provider for provider in db.session.scalars(sa.select(Provider))}
    today = now.date()
    by_key = {}
    for key, name, email, starts, ends, active in PROVIDERS:
        if name not in existing:
            existing[name] = Provider(
                name=name,
                contact_email=email,
                contract_starts_on=today + timedelta(days=starts),
                contract_ends_on=today + timedelta(days=ends),
                is_active=active,
            )
            db.session.add(existing[name])
            counts.providers += 1
        by_key[key] = existing[name]
    return by_key


def _seed_venues(counts: _Counts) -> list[Venue]:
    existing = {venue.name: venue for venue in db.session.scalars(sa.select(Venue))}
    agencies = {agency.name: agency for agency in db.session.scalars(sa.select(Agency))}
    venues = []
    for name, address, postcode, capacity, agency_name, notes in VENUES:
        if name not in existing:
            existing[name] = Venue(
                name=name,
                address=address,
                postcode=postcode,
                capacity=capacity,
                accessibility_notes=notes,
                agency=agencies.get(agency_name),
            )
            db.session.add(existing[name])
            counts.venues += 1
        venues.append(existing[name])
    return venues


def _seed_courses(
    counts: _Counts, themes: dict[str, Theme], providers: dict[str, Provider]
) -> dict[str, Course]:
    existing = {course.code: course for course in db.session.scalars(sa.select(Course))}
    added = []
    for spec in COURSES:
        if spec.code in existing:
            continue
        course = Course(
            code=spec.code,
            title=spec.title,
            summary=spec.summary,
            learning_outcomes="\n".join(spec.outcomes),
            level=spec.level,
            delivery_mode=spec.mode,
            audience=spec.audience,
            cpd_hours=Decimal(spec.cpd_hours),
            provider=providers[spec.provider],
            approval_required=spec.approval_required,
            certificate_validity_months=spec.validity_months,
            status=spec.status,
        )
        course.themes = [themes[name] for name in spec.themes]
        db.session.add(course)
        existing[spec.code] = course
        added.append(spec)
        counts.courses += 1
    for spec in added:
        if spec.prerequisite:
            existing[spec.code].prerequisite = existing.get(spec.prerequisite)
    db.session.flush()
    return existing


# Sessions -----------------------------------------------------------------------------------


@dataclass
class _Plan:
    dates: list[tuple[datetime, datetime]]
    virtual: bool
    platform: Platform | None
    join_link: str | None
    venue_index: int
    capacity: int
    agency_cap: int | None
    wants_trainer: bool


def _weekday(day: date) -> date:
    """The day itself, or the Monday after a weekend; skips the Christmas shutdown."""
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
        day += timedelta(days=16)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _slots(spec: CourseSpec) -> list[tuple[time, time]]:
    hours_per_date = float(spec.cpd_hours) / spec.days
    if hours_per_date >= 5:
        return DAY_SLOTS
    if hours_per_date >= 2.5:
        return HALF_DAY_SLOTS
    return TWILIGHT_SLOTS


def _token(rng: random.Random, length: int, alphabet: str = string.ascii_letters + string.digits):
    return "".join(rng.choice(alphabet) for _ in range(length))


def _plan_sessions(spec: CourseSpec, rng: random.Random, *, now: datetime) -> list[_Plan]:
    """Three to six sessions of a course, mostly past; published courses get future ones."""
    total = rng.randint(3, 6)
    future = 0 if spec.status is CourseStatus.ARCHIVED else rng.randint(1, 2)
    today = now.date()
    if spec.monthly:
        return _plan_monthly(spec, rng, now=now)
    # (first day, last day) windows of the past and future parts of the timetable
    windows = [(-PAST_DAYS, -21, total - future), (5, FUTURE_DAYS - 7 * spec.days, future)]
    slots = _slots(spec)
    plans = []
    for first, last, number in windows:
        span = (last - first) / max(number, 1)
        for index in range(number):
            offset = first + int(span * (index + rng.random()))
            day = _weekday(today + timedelta(days=offset))
            clock = rng.choice(slots)
            days = [day + timedelta(weeks=week) for week in range(spec.days)]
            dates = [(london_to_utc(d, clock[0]), london_to_utc(d, clock[1])) for d in days]
            if dates[0][0] <= now < dates[-1][1]:  # never straddle now
                dates = [
                    (start + timedelta(weeks=3), end + timedelta(weeks=3)) for start, end in dates
                ]
            plans.append(_plan_place(spec, dates, rng, now=now))
    return plans


MONTHLY_CODES = {spec.code for spec in COURSES if spec.monthly}


def _plan_monthly(spec: CourseSpec, rng: random.Random, *, now: datetime) -> list[_Plan]:
    """A rolling briefing: the second Tuesday of each month, from three months back to six ahead."""
    plans = []
    first = date(now.year, now.month, 1)
    for step in range(-3, 7):
        year, month = divmod(first.month - 1 + step, 12)
        day = date(first.year + year, month + 1, 8)
        day += timedelta(days=(1 - day.weekday()) % 7)
        clock = TWILIGHT_SLOTS[step % len(TWILIGHT_SLOTS)]
        dates = [(london_to_utc(day, clock[0]), london_to_utc(day, clock[1]))]
        if dates[0][0] <= now < dates[0][1]:
            continue
        plans.append(_plan_place(spec, dates, rng, now=now))
    return plans


def _plan_place(spec: CourseSpec, dates, rng: random.Random, *, now: datetime) -> _Plan:
    virtual = spec.mode is DeliveryMode.VIRTUAL or (
        spec.mode is DeliveryMode.BLENDED and rng.random() < 0.5
    )
    platform = rng.choice([Platform.TEAMS, Platform.TEAMS, Platform.ZOOM])
    if platform is Platform.TEAMS:
        link = f"https://teams.example/l/meetup-join/{_token(rng, 24)}"
    else:
        link = f"https://zoom.example/j/{_token(rng, 11, string.digits)}?pwd={_token(rng, 16)}"
    capacity = rng.randint(12, 40)
    agency_cap = rng.choice([2, 3, 4]) if rng.random() < 0.25 else None
    return _Plan(
        dates=dates,
        virtual=virtual,
        platform=platform if virtual else None,
        join_link=link if virtual else None,
        venue_index=rng.randrange(len(VENUES)),
        capacity=capacity,
        agency_cap=agency_cap,
        wants_trainer=spec.provider == "team" and rng.random() < 0.6,
    )


def _overlaps(dates, booked: list[tuple[datetime, datetime]]) -> bool:
    return any(start < end2 and end > start2 for start, end in dates for start2, end2 in booked)


def _choose_venue(plan: _Plan, venues: list[Venue], venue_times: dict) -> Venue:
    """The planned venue, or the next one along that is free at those times."""
    for step in range(len(venues)):
        venue = venues[(plan.venue_index + step) % len(venues)]
        if not _overlaps(plan.dates, venue_times.setdefault(venue.name, [])):
            return venue
    return venues[plan.venue_index]


def _seed_sessions(
    counts: _Counts, courses: dict[str, Course], venues: list[Venue], *, now: datetime
) -> None:
    rng = random.Random(SEED)
    scheduled = set(db.session.scalars(sa.select(CourseSession.course_id).distinct()))
    trainer = db.session.scalar(sa.select(User).where(User.email == DEMO_TRAINER_EMAIL))
    trainer_times = _trainer_times(trainer)
    venue_times: dict[str, list] = {}
    upcoming = 0
    for start, end, venue_name in db.session.execute(
        sa.select(SessionDate.starts_at, SessionDate.ends_at, Venue.name)
        .join(CourseSession, CourseSession.id == SessionDate.session_id)
        .join(Venue, Venue.id == CourseSession.venue_id)
    ):
        venue_times.setdefault(venue_name, []).append((start, end))

    for spec in COURSES:
        if spec.mode is DeliveryMode.ELEARNING or spec.status is CourseStatus.DRAFT:
            continue
        plans = _plan_sessions(spec, rng, now=now)  # always drawn, so output stays the same
        course = courses[spec.code]
        if course.id in scheduled or course.status is CourseStatus.DRAFT:
            continue
        for plan in plans:
            cancel_reason = None
            if plan.dates[0][0] > now:
                upcoming += 1
                if upcoming % CANCEL_EVERY == CANCEL_EVERY // 2 and not spec.monthly:
                    cancel_reason = CANCELLATION_REASONS[upcoming % len(CANCELLATION_REASONS)]
            session = _build_session(
                plan, course, venues, venue_times, now=now, cancel_reason=cancel_reason
            )
            free = not _overlaps(plan.dates, trainer_times)
            if trainer is not None and plan.wants_trainer and free:
                session.trainers = [trainer]
                trainer_times.extend(plan.dates)
            db.session.add(session)
            counts.sessions += 1


def _trainer_times(trainer: User | None) -> list[tuple[datetime, datetime]]:
    if trainer is None:
        return []
    rows = db.session.execute(
        sa.select(SessionDate.starts_at, SessionDate.ends_at)
        .join(session_trainers, session_trainers.c.session_id == SessionDate.session_id)
        .where(session_trainers.c.user_id == trainer.id)
    )
    return [(starts_at, ends_at) for starts_at, ends_at in rows]


def _build_session(
    plan: _Plan,
    course: Course,
    venues: list[Venue],
    venue_times: dict,
    *,
    now: datetime,
    cancel_reason: str | None,
) -> CourseSession:
    if plan.virtual:
        venue, capacity = None, plan.capacity
        instructions = VIRTUAL_INSTRUCTIONS[plan.platform]
    else:
        venue = _choose_venue(plan, venues, venue_times)
        venue_times[venue.name].extend(plan.dates)
        capacity = min(plan.capacity, venue.capacity)
        instructions = CLASSROOM_INSTRUCTIONS
    session = CourseSession(
        course=course,
        venue=venue,
        platform=plan.platform,
        join_link=plan.join_link,
        joining_instructions=instructions,
        capacity=capacity,
        agency_cap=plan.agency_cap if plan.agency_cap and plan.agency_cap <= capacity else None,
        sequence=0,
        places_taken=0,
    )
    set_dates(session, plan.dates)
    session.booking_closes_at = session.starts_at
    session.cancellation_cutoff_at = session.starts_at - DEFAULT_CANCELLATION_NOTICE
    if session.starts_at <= now:
        session.status = SessionStatus.COMPLETED
    elif cancel_reason:
        session.status = SessionStatus.CANCELLED
        session.cancellation_reason = cancel_reason
        session.cancelled_at = now - timedelta(days=2)
    else:
        session.status = SessionStatus.SCHEDULED
    return session
