"""Demonstration evaluations for the demo history, so every evaluation page and report shows
real figures.

Every completed booking and every e-learning completion of the last few months is asked
straight after; most answered within a week, the newest are still open. A few courses ask a
baseline before the day too. Weeks later (the follow-up setting) the people who attended a
course are asked what changed, and for some their line manager is asked as well: each answers
on their own, so some practitioners answered one stage only and some managers answered when
the practitioner did not. Knowledge and confidence rise plausibly (about 4 or 5 before, 7 or 8
after, most gaining, a few staying the same or falling), ratings are mostly 4 and 5, about half
consent to be quoted. The "straight after" set has a second version (a reworded comments
question): the oldest answers answered the first. One comment was removed by the demo admin.

Responses are made as `responses.invite` makes them, and their answers (Answer and OutcomeAnswer
rows) and the figures copied from them are written in bulk, the same values in both, as `submit`
would: through the services one at a time the demo's thousands of requests took ten times longer.
Deterministic (one seeded random generator); a second run adds nothing once any response exists.
"""

import dataclasses
import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import SimpleNamespace as Row  # a response's columns, before it is inserted

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.audit import services as audit
from lms.bookings.models import Booking
from lms.catalogue.models import Course, CourseSession
from lms.core.timefmt import london_to_utc
from lms.elearning.models import Completion
from lms.extensions import db
from lms.feedback import measures, questions, responses
from lms.feedback.models import Answer, OutcomeAnswer, OutcomeMet, QuestionSet, Response, Stage
from lms.feedback.questions import QuestionSpec
from lms.settings import services as settings

SEED = 1207
DEMO_ADMIN_EMAIL = "admin@riverside-council.example"
# The demo practitioner has not yet answered the evaluation of their latest course.
DEMO_PRACTITIONER_EMAIL = "practitioner@alderroad.sch.example"
BEFORE_COURSES = ("SCP-NEG2", "SCP-DA2", "SCP-WT2")  # ask a baseline before the day
ELEARNING_DAYS = 120  # e-learning completed this recently is asked about
OLD_VERSION_ANSWERS = 4  # the oldest answers straight after answered version 1
ANSWERED = {Stage.BEFORE: 0.7, Stage.AFTER: 0.8, Stage.FOLLOW_UP: 0.55, Stage.MANAGER: 0.6}
OPEN_SHARE = 0.5  # of the requests still open that are not answered yet
MANAGER_ASKED = 0.4  # of the follow-ups, a line manager is asked too
CONSENT = 0.5

WILL_CHANGE = [
    "I will use the Graded Care Profile at my next home visit where I am worried about neglect.",
    "Record the child's own words, and what I saw, rather than my interpretation.",
    "Check the threshold guidance before deciding not to refer, and write down why.",
    "Ask directly about domestic abuse when I am alone with the parent.",
    "Escalate sooner when I disagree with another agency's decision, using the escalation policy.",
    "Speak to the designated safeguarding lead the same day rather than waiting for supervision.",
    "Look at the whole family's history, not just the incident in front of me.",
    "Be more curious when a family's explanation does not fit what I am seeing.",
    "Share information with health colleagues earlier, using the consent flowchart.",
    "Think about the lived experience of the child when I write my assessments.",
    "Use the chronology template for every open case on my list.",
    "Ask about online contacts and gaming when young people go missing.",
]
COMMENTS = [
    "Really well paced, and the case studies made it feel relevant to my role.",
    "The trainer was knowledgeable and created a safe space to ask questions.",
    "More time for the group discussion would have helped.",
    "The room was cold and the projector was hard to see from the back.",
    "Excellent: the best safeguarding training I have been on in years.",
    "Breakout rooms worked well online; sound dropped out a couple of times.",
    "Would welcome a follow-up session on writing referrals.",
    "Useful handouts; it would help to have them sent before the day.",
    "Hearing from a range of agencies was the most valuable part.",
]
EXAMPLES = [
    "I used the Graded Care Profile on two cases and it made my referral far clearer.",
    "I now ask about who else lives in the home at every first contact.",
    "I challenged a decision to close a case and it was reopened after a strategy discussion.",
    "Our team now starts every case discussion with the child's voice.",
    "I spotted signs of exploitation earlier and referred to the MASH the same day.",
    "I have changed how I record concerns: facts first, then my analysis.",
    "I shared the escalation policy with my team and we use it in supervision.",
]
BARRIERS = [
    "Caseload pressure has left little time to put it into practice.",
    "Other agencies are not always aware of the same guidance.",
    "Staff shortages meant supervision was cancelled for several weeks.",
    "Nothing has got in the way.",
    "Getting hold of the right person in children's services can take days.",
]
MANAGER_EXAMPLES = [
    "Referrals from this practitioner are now clearer and better evidenced.",
    "They bring the child's lived experience to supervision without prompting.",
    "They have shared the learning at our team meeting.",
    "More confident challenging other professionals when concerned.",
]
NULL_COLUMNS = (
    "token_hash",
    "reminded_at",
    "withdrawn_at",
    "answered_at",
    "question_set_id",
    *(m.column for m in measures.MEASURES if m.column and m.column != "quote_consent"),
)
REWORDED = "Is there anything else you would like to tell us about the course?"
REDACTED_REASON = "Named a colleague"


@dataclass
class _Made:
    counts: dict = field(default_factory=lambda: {stage: [0, 0] for stage in Stage})
    responses: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)


def seed(*, now: datetime) -> str:
    """Ask and answer the demo history's evaluations, unless any response exists."""
    if db.session.scalar(sa.select(Response.id).limit(1)) is not None:
        return "0 evaluation responses added (responses exist already)"
    rng = random.Random(SEED)
    rules = settings.current()
    for course in db.session.scalars(sa.select(Course).where(Course.code.in_(BEFORE_COURSES))):
        course.evaluation_before = True
    sets = {stage: questions.current_set(stage) for stage in Stage}
    first_after = sets[Stage.AFTER]
    sets[Stage.AFTER] = _second_version(first_after)
    made = _Made()
    subjects = _subjects(now)
    theirs = [
        (done_at, subject.booking.id)
        for subject, done_at in subjects
        if subject.booking is not None and subject.booking.user.email == DEMO_PRACTITIONER_EMAIL
    ]
    left_open = max(theirs)[1] if theirs else None
    # ... and has not yet answered the latest follow-up sent to them.
    due_by = now - timedelta(weeks=rules.follow_up_weeks)
    followed_up = [pair for pair in theirs if pair[0] < due_by]
    follow_up_open = max(followed_up)[1] if followed_up else None
    afters = []
    with db.session.no_autoflush:  # flushed once, below
        for subject, done_at in subjects:
            before = None
            if subject.booking is not None and subject.course.evaluation_before:
                before = _before(subject, sets[Stage.BEFORE], rng, made, now=now)
            # Asked straight after; open until the follow-up is due.
            weeks = rules.follow_up_weeks * 7
            after = _ask(sets[Stage.AFTER], subject, done_at, weeks, rng, made, now=now)
            if after.booking_id is not None and after.booking_id == left_open:
                _leave_open(after, made)
            if after.answered_at is not None:
                afters.append((after, before))
            if subject.booking is not None:
                due = done_at + timedelta(weeks=rules.follow_up_weeks)
                if due < now:
                    open_one = subject.booking.id == follow_up_open
                    _follow_ups(
                        subject,
                        due,
                        sets,
                        rules.feedback_link_days,
                        rng,
                        made,
                        now=now,
                        leave_open=open_one,
                    )
        afters.sort(key=lambda pair: pair[0].answered_at)
        for number, (after, before) in enumerate(afters):
            chosen = first_after if number < OLD_VERSION_ANSWERS else sets[Stage.AFTER]
            _answer_after(after, before, chosen, rng, made)
    if afters:
        _date_versions(sets, first_after, afters, subjects)
    _insert(made)
    _redact_one(now)
    db.session.flush()
    asked = sum(count[0] for count in made.counts.values())
    parts = ", ".join(
        f"{made.counts[stage][1]:,} of {made.counts[stage][0]:,} {name}"
        for stage, name in (
            (Stage.BEFORE, "before"),
            (Stage.AFTER, "after"),
            (Stage.FOLLOW_UP, "follow-up"),
            (Stage.MANAGER, "manager"),
        )
    )
    return f"{asked:,} evaluation requests added ({parts} answered)"


def _insert(made: _Made) -> None:
    """The responses, their answers and outcomes, each in one batch (the responses are made
    unsaved and their ids read back by subject, as they are unique per stage and subject)."""
    db.session.flush()
    table = Response.__table__
    columns = [column.key for column in table.columns if column.key != "id"]
    db.session.execute(
        sa.insert(table), [{key: getattr(r, key) for key in columns} for r in made.responses]
    )
    ids = {
        (row.stage, row.booking_id, row.completion_id): row.id
        for row in db.session.execute(
            sa.select(Response.id, Response.stage, Response.booking_id, Response.completion_id)
        )
    }

    def id_of(response: Row) -> int:
        return ids[(response.stage, response.booking_id, response.completion_id)]

    if made.answers:
        db.session.execute(
            sa.insert(Answer.__table__),
            [
                {"response_id": id_of(r), "question_id": q, "number": number, "text": text}
                for r, q, number, text in made.answers
            ],
        )
    if made.outcomes:
        db.session.execute(
            sa.insert(OutcomeAnswer.__table__),
            [
                {"response_id": id_of(r), "position": position, "outcome": outcome, "met": met}
                for r, position, outcome, met in made.outcomes
            ],
        )


def _second_version(first: QuestionSet) -> QuestionSet:
    specs = [QuestionSpec.of(question) for question in first.questions]
    reworded = [
        dataclasses.replace(spec, text=REWORDED) if spec.measure == "comments" else spec
        for spec in specs
    ]
    return questions.save_version(Stage.AFTER, reworded, by=None)


def _date_versions(sets, first_after, afters, subjects) -> None:
    """The sets were saved before the first request, the second version of the "straight
    after" set just before the first answer to it."""
    earliest = min(done_at for _, done_at in subjects) - timedelta(days=30)
    for question_set in (*sets.values(), first_after):
        question_set.created_at = min(question_set.created_at, earliest)
    switch = afters[min(OLD_VERSION_ANSWERS, len(afters) - 1)][0].answered_at
    sets[Stage.AFTER].created_at = switch - timedelta(hours=1)


def _subjects(now: datetime) -> list[tuple[responses.Subject, datetime]]:
    """The completed bookings and recent e-learning completions, each with when it was done."""
    bookings = db.session.scalars(
        sa.select(Booking)
        .join(Booking.session)
        .where(Booking.completed_at.is_not(None), CourseSession.starts_at < now)
        .options(
            joinedload(Booking.session).joinedload(CourseSession.course), joinedload(Booking.user)
        )
        .order_by(Booking.id)
    ).all()
    found = [(responses.Subject(booking=b), b.completed_at) for b in bookings]
    since = (now - timedelta(days=ELEARNING_DAYS)).date()
    done = db.session.scalars(
        sa.select(Completion)
        .where(Completion.withdrawn_at.is_(None), Completion.completed_on >= since)
        .options(joinedload(Completion.course))
        .order_by(Completion.id)
    ).all()
    for completion in done:
        at = london_to_utc(completion.completed_on, time(17))
        if at < now:
            found.append((responses.Subject(completion=completion), at))
    return found


def _leave_open(response: Row, made: _Made) -> None:
    if response.answered_at is not None:
        response.answered_at = response.question_set_id = None
        made.counts[response.stage][1] -= 1


def _ask(question_set, subject, invited_at, link_days, rng, made, *, now, email=None) -> Row:
    """Ask a stage; answered (a few days later) or not, and reminded when it was due."""
    stage = question_set.stage
    expires_at = invited_at + timedelta(days=link_days)
    link = stage in (Stage.FOLLOW_UP, Stage.MANAGER)
    # The columns `responses.invite` fills in, without its look-up first: the demo adds
    # responses only when there are none, and inserts them all at once (`_insert`).
    response = Row(
        stage=stage,
        booking_id=subject.booking.id if subject.booking is not None else None,
        completion_id=subject.completion.id if subject.completion is not None else None,
        user_id=subject.user_id,
        course_id=subject.course.id,
        course=subject.course,
        agency_id=subject.agency_id,
        course_on=subject.course_on,
        respondent_email=email,
        invited_at=invited_at,
        expires_at=expires_at,
        before_recalled=False,
        quote_consent=False,
        **dict.fromkeys(NULL_COLUMNS),
    )
    made.responses.append(response)
    if link:
        response.token_hash = hashlib.sha256(f"demo-{rng.getrandbits(128)}".encode()).hexdigest()
    made.counts[stage][0] += 1
    answered_at = invited_at + timedelta(hours=rng.randint(2, 24 * 9))
    still_open = expires_at > now
    if answered_at >= now or (still_open and rng.random() < OPEN_SHARE):
        answered = False
    else:
        answered = rng.random() < ANSWERED[stage]
    if invited_at + timedelta(days=7) < min(now, answered_at if answered else now):
        response.reminded_at = invited_at + timedelta(days=7)
    if answered:
        response.question_set_id = question_set.id
        response.answered_at = answered_at
        made.counts[stage][1] += 1
    return response


def _numbers(response: Row, question_set: QuestionSet, values: dict, made: _Made) -> None:
    """Answer rows for the measured questions given, and the figures copied from them."""
    response.question_set_id = question_set.id
    by_measure = {question.measure: question for question in question_set.questions}
    for code, value in values.items():
        if value is None:
            continue
        question = by_measure[code]
        text = isinstance(value, str)
        made.answers.append(
            (response, question.id, None if text else int(value), value if text else None)
        )
        fixed = measures.measure(response.stage, code)
        if fixed.column is not None:
            setattr(response, fixed.column, bool(value) if code == "quote_consent" else value)


def _before(subject, question_set, rng, made, *, now) -> Row | None:
    session = subject.booking.session
    invited_at = min(subject.booking.confirmed_at or session.starts_at, session.starts_at)
    invited_at = max(invited_at, session.starts_at - timedelta(days=21))
    link_days = max(1, (session.starts_at - invited_at).days)
    response = _ask(question_set, subject, invited_at, link_days, rng, made, now=now)
    if response.answered_at is None:
        return None
    latest = session.starts_at - timedelta(hours=1)
    if response.answered_at > latest:
        response.answered_at = max(latest, invited_at + timedelta(minutes=30))
    knowledge = rng.choice((3, 4, 4, 5, 5, 6))
    confidence = max(1, min(10, knowledge + rng.choice((-1, 0, 0, 1))))
    _numbers(response, question_set, {"knowledge": knowledge, "confidence": confidence}, made)
    return response


def _gain(rng) -> int:
    draw = rng.random()
    if draw < 0.08:
        return -1
    if draw < 0.2:
        return 0
    return rng.choice((2, 3, 3, 4, 4, 5))


def _rating(rng) -> int:
    return rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 7, 40, 50))[0]


def _answer_after(response, before, question_set, rng, made) -> None:
    if before is not None:
        knowledge_before, confidence_before = before.knowledge, before.confidence
    else:
        knowledge_before = rng.choice((3, 4, 4, 5, 5, 6))
        confidence_before = max(1, min(10, knowledge_before + rng.choice((-1, 0, 0, 1))))
    consent = rng.random() < CONSENT
    values = {
        "rating": _rating(rng),
        "trainer": _rating(rng),
        "venue": _rating(rng),
        "knowledge": max(1, min(10, knowledge_before + _gain(rng))),
        "confidence": max(1, min(10, confidence_before + _gain(rng))),
        "will_change": rng.choice(WILL_CHANGE),
        "comments": rng.choice(COMMENTS) if rng.random() < 0.45 else None,
        "quote_consent": 1 if consent else 0,
    }
    if before is None:
        values |= {"knowledge_before": knowledge_before, "confidence_before": confidence_before}
        response.before_recalled = True
    else:
        response.knowledge_before, response.confidence_before = knowledge_before, confidence_before
    _numbers(response, question_set, values, made)
    for position, outcome in enumerate(response.course.outcomes, start=1):
        met = rng.choices(list(OutcomeMet), weights=(80, 17, 3))[0]
        made.outcomes.append((response, position, outcome[:500], met))


def _change(rng) -> int:
    return rng.choices((1, 2, 3, 4, 5), weights=(12, 20, 30, 25, 13))[0]


def _follow_ups(subject, due, sets, link_days, rng, made, *, now, leave_open=False) -> None:
    follow_up = _ask(sets[Stage.FOLLOW_UP], subject, due, link_days, rng, made, now=now)
    if leave_open:
        _leave_open(follow_up, made)
    if follow_up.answered_at is not None:
        values = {
            "practice_changed": _change(rng),
            "example": rng.choice(EXAMPLES) if rng.random() < 0.7 else None,
            "barriers": rng.choice(BARRIERS) if rng.random() < 0.4 else None,
            "quote_consent": 1 if rng.random() < CONSENT else 0,
        }
        _numbers(follow_up, sets[Stage.FOLLOW_UP], values, made)
    if rng.random() >= MANAGER_ASKED:
        return
    domain = subject.booking.user.email.rsplit("@", 1)[-1]
    email = f"line.manager.{subject.booking.user_id}@{domain}"
    manager = _ask(sets[Stage.MANAGER], subject, due, link_days, rng, made, now=now, email=email)
    if manager.answered_at is not None:
        values = {
            "change_seen": _change(rng),
            "example": rng.choice(MANAGER_EXAMPLES) if rng.random() < 0.6 else None,
        }
        _numbers(manager, sets[Stage.MANAGER], values, made)


def _redact_one(now: datetime) -> None:
    """The demo admin removed one comment (it named a colleague): its text is gone. The latest
    one, so it heads the list of comments whatever the day the demo is loaded."""
    admin = db.session.scalar(sa.select(User).where(User.email == DEMO_ADMIN_EMAIL))
    answer = db.session.scalar(
        sa.select(Answer)
        .join(Answer.response)
        .where(Answer.text.is_not(None), Answer.text != "")
        .order_by(Response.answered_at.desc(), Answer.id.desc())
        .options(selectinload(Answer.response))
        .limit(1)
    )
    if answer is None or admin is None:
        return
    answer.text = None
    answer.redacted_at = min(answer.response.answered_at + timedelta(days=1), now)
    answer.redacted_by_id = admin.id
    audit.record(
        "feedback.comment_redacted",
        answer,
        actor=admin,
        after={"answer_id": answer.id, "response_id": answer.response_id},
        reason=REDACTED_REASON,
    )
