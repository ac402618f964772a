"""How each figure is counted: the text the reports pages, their downloads and the annual
pack's definitions page all show, so they cannot drift apart. A feature's report adds its terms
here, in the order a reader meets them."""

DEFINITIONS: list[tuple[str, str]] = [
    (
        "Period",
        "A session belongs to the period of its first date, in UK time. A financial year runs"
        " from 1 April to 31 March and is written 2025-26; Q1 is April to June, Q2 July to "
        "September, Q3 October to December, Q4 January to March. A session that starts on 30 "
        "March and ends on 2 April counts in the year it started.",
    ),
    (
        "Agency",
        "A booking counts for the agency recorded on it: the person's agency when they "
        "booked, not their agency today. A person who moved from a school to the council "
        "counts for the school on what they booked there.",
    ),
    (
        "Sessions run",
        "Sessions that were not cancelled and whose first date has started. Sessions "
        "cancelled are counted separately, and sessions still to run are not part of any "
        "booking figure.",
    ),
    (
        "Courses run",
        "Different courses with at least one session that ran in the period. A course counts "
        "once in each row it ran in, so when it ran both in the daytime and at twilight the "
        "rows add up to more than the total.",
    ),
    (
        "Places offered",
        "The capacity of the sessions that ran.",
    ),
    (
        "Booked",
        "Bookings for sessions that ran that were confirmed and not cancelled before the "
        "cancellation cutoff: confirmed bookings (including walk-ins) and late cancellations."
        " People waiting for approval or on the waiting list are not booked.",
    ),
    (
        "Fill rate",
        "Booked divided by places offered.",
    ),
    (
        "Attended",
        "Bookings completed: the person attended every date (or left early and an "
        "administrator decided it counts).",
    ),
    (
        "Partial",
        "The person attended some dates but not all, or left early without an administrator's"
        " decision.",
    ),
    (
        "No-show",
        "Confirmed when the session closed and absent on every date.",
    ),
    (
        "Late cancellation",
        "Cancelled after the session's cancellation cutoff.",
    ),
    (
        "Not yet marked",
        "Confirmed bookings of sessions that ran whose register is not finished, so they are "
        "neither attended nor no-shows yet.",
    ),
    (
        "Attendance rate",
        "Attended divided by booked.",
    ),
    (
        "Places wasted",
        "No-shows plus late cancellations.",
    ),
    (
        "Rounding",
        "Rates and averages are shown to one decimal place, and an exact half rounds up, as "
        "published statistics do: 52 attended of 64 booked is 81.25%, shown as 81.3%. "
        "Downloads and the API hold the same rounded figures.",
    ),
    (
        "Charges raised",
        "Non-attendance charges raised on these bookings; the amount charged leaves out "
        "waived charges.",
    ),
    (
        "Agencies and sectors attending",
        "An agency attended a session when at least one of its people attended all or part of it.",
    ),
    (
        "Still waiting when sessions started",
        "Different people whose place on a session's waiting list was still open when the "
        "session started.",
    ),
    (
        "Interest registered",
        "Registrations of interest in a course made during the period; not yet told means no "
        "session has been offered to them since.",
    ),
    (
        "E-learning completions",
        "Completions of e-learning modules still held: from a provider's file, sent live by "
        "the provider, or training a person declared that an administrator or their "
        "coordinator verified. Withdrawn completions (for instance when an import is undone) "
        "are left out, and so are rows that matched nobody's account yet and declarations "
        "still waiting to be checked or rejected. The same person, module and day counts "
        "once.",
    ),
    (
        "Completion date and agency",
        "A completion belongs to the period of the UK date it was completed on, whenever it "
        "was received. It counts for the agency recorded on it: the person's agency on the "
        "day they completed it, not their agency today.",
    ),
    (
        "People (e-learning)",
        "Different people with a completion counted. A person counts once in each row, and "
        "once in the total even if they completed several modules or counted for two "
        "agencies, so the rows can add up to more than the total.",
    ),
    (
        "Declared and verified",
        "Of the completions, those a person declared themselves and that were verified.",
    ),
    (
        "Every session filled",
        "Every session of the course that ran in the period had all its places taken.",
    ),
    (
        "Evaluation period (impact)",
        "An evaluation belongs to the period of the course it is about: the UK date of the "
        "session's first day, or of the e-learning completion, whenever it was answered. It "
        "counts for the agency recorded on the booking or completion, and for the course's "
        "themes and level.",
    ),
    (
        "Which responses count (impact)",
        "Evaluations that were not withdrawn and whose course still counts: before the "
        "course, the booking was not cancelled; straight after, at follow-up and from "
        "managers, the booking is still marked attended or the e-learning completion is still"
        " held. An evaluation of a booking whose attendance was later corrected no longer "
        "counts. Answers given under an earlier version of the questions count the same: the "
        "figures read the measured questions, which keep their scale in every version.",
    ),
    (
        "Invitation",
        "A person (or, for the managers' stage, a line manager) asked to answer one stage of "
        "the evaluation: before the course, straight after it, at follow-up some weeks later,"
        " or the manager's follow-up.",
    ),
    (
        "Responses and response rate",
        "Responses are invitations answered. The response rate is responses divided by "
        "invitations.",
    ),
    (
        "Mean rating",
        "The average overall rating of the course, from 1 (very poor) to 5 (excellent), of "
        "the people who answered straight after; the people column says how many.",
    ),
    (
        "Knowledge and confidence before and after",
        "People rate their knowledge and confidence from 1 to 10 straight after the course, "
        "and as they were before it: from their answer before the course, or, if they gave "
        "none, as they recall it. Only people who gave both figures count, and the people "
        "column is how many that is; the averages before and after are of the same people.",
    ),
    (
        "Mean gain",
        "The average of each person's figure after minus their figure before. Gained, stayed "
        "and fell count the people whose figure rose, stayed the same or fell.",
    ),
    (
        "Changed practice",
        "The share of practitioners answering the follow-up who say their practice has "
        "changed at least a little (2 or more on the five-point scale).",
    ),
    (
        "Managers seeing a change",
        "The share of line managers answering who say they have seen a change in the "
        "practitioner's practice (2 or more on the five-point scale). A manager's answer "
        "counts even when the practitioner did not answer.",
    ),
    (
        "Certificates: period and agency",
        "A certificate's figures count what happened to it in the period, by the UK day it "
        "happened on (a certificate issued at 11:30pm on 31 March counts in that year; at "
        "12:30am on 1 April, in the next). They count for the agency recorded on the "
        "certificate, the person's agency when they completed the training, and for its "
        "course's theme, level, mode and audience.",
    ),
    (
        "Certificates issued",
        "Certificates issued in the period: for a completed course (after the evaluation, "
        "where the partnership asks for one first), e-learning module or verified declared "
        "training, and the new certificate issued when a person's name is corrected. A "
        "certificate revoked or replaced later still counts as issued.",
    ),
    (
        "Certificates revoked",
        "Certificates withdrawn in the period because the training no longer counts as "
        "completed: for instance attendance was corrected or an e-learning completion was "
        "withdrawn.",
    ),
    (
        "Certificates replaced",
        "Certificates replaced in the period by a new one with a new code, after a correction"
        " to the person's name; the new certificate counts as issued.",
    ),
    (
        "Checks on the verify page",
        "Each time someone checked a certificate on the public verify page in the period, by "
        "its code (typed, or from the QR code) or by pasting its Open Badges credential. A "
        "code that matched no certificate is not counted, and nothing about who checked is "
        "kept.",
    ),
    (
        "Certificates checked",
        "Different certificates checked on the verify page at least once in the period. A "
        "certificate checked three times counts three checks and one certificate checked.",
    ),
    (
        "Compliance: the day counted",
        "Compliance is counted as at one UK day: the last day of the period, or today if the "
        "period has not ended yet (the report says which day). People count as they were that"
        " day: their agency and job title from their agency membership covering it, and the "
        "role tags set by then; accounts opened later, and closed accounts, are left out. "
        "Only training done by that day counts. Requirements switched off are not counted.",
    ),
    (
        "Who a requirement applies to",
        "A requirement applies to a person when each kind of condition it names matches one "
        "of its values: their agency's sector, their agency, a word in their job title, a role"
        " tag their coordinator set. A kind it leaves empty does not narrow it. The sector and "
        "agency filters choose people by their agency on the day counted; the course filters "
        "(theme, level, delivery mode, audience) do not apply to compliance and are refused.",
    ),
    (
        "What counts towards a requirement",
        "Courses attended in full (on the session's last day), e-learning completions still "
        "held (on their completion date) and, for a requirement of CPD hours that says so, "
        "verified training declared from outside the partnership. A requirement is met by any "
        "of its courses or modules, or by training at its level or above (on one of its themes"
        ", if it names themes), and lasts for its renewal period after that training (for good"
        " if it is not renewed); a requirement of CPD hours is met while the hours of training"
        " at its level or above within its number of years reach its hours.",
    ),
    (
        "Compliant, due soon, overdue, never done",
        "Compliant: the requirement is met on the day counted. Due soon: met, but it runs out "
        "within the partnership's window (3 months unless changed); people due soon count as "
        "compliant too. Overdue: it was met once and has run out, or (for CPD hours) there is "
        "training that counts but fewer hours than needed within its years. Never done: no "
        "training that counts towards it.",
    ),
    (
        "Compliance rate",
        "Compliant (including due soon) divided by the people the requirement applies to. A "
        "person counts once in each requirement that applies to them, so the total row counts"
        " pairs of a person and a requirement, not different people.",
    ),
    (
        "Too few responses",
        "A share or an average resting on fewer people than the partnership's setting (10 "
        "unless changed) is shown as too few responses, in the page, the downloads and the "
        "command line; the API gives null and lists the column in the row's too_few. A "
        "response rate rests on the people invited, an average or share on the people who "
        "answered it. Counts are always shown. A course with several themes counts under each"
        " theme; the total counts each response once.",
    ),
]
