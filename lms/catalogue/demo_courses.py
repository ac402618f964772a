"""The demonstration catalogue's courses: plain literals, built into rows by
`lms.catalogue.demo`."""

from dataclasses import dataclass

from lms.catalogue.models import Audience, CourseStatus, DeliveryMode


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
