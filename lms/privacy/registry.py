"""Where the product holds personal data: every table, and how each of its rows comes to be about
a person. The subject access export and erasure walk this map, and a test checks it against the
models, so a table added later that refers to a person cannot be missed.

A row is about a person when one of its columns names them:

- `subject`: a column holding their user id, the row being about them (their booking);
- `actor`: a column holding their user id, the row being something they did to or for someone
  else (a booking they made for a colleague, a register they marked);
- `email`: a column holding an email address, compared with theirs (and, on `users`, the line
  manager's address on other people's accounts);
- `via`: a foreign key to a row already about them (the marks on their booking).

On a row reached only as an actor or by another person's `email` column, the columns in `others`
(and any user id or address that is not theirs) name someone else and are left out. Columns in
`withheld` are never exported, with the reason.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Personal:
    subject: tuple[str, ...] = ()
    actor: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    withheld: dict[str, str] = field(default_factory=dict)


SECRET = "a secret (a hash of a password, token or key), which is never given out"
OTHERS_FILE = "an uploaded file holding other people's details"

PERSONAL: dict[str, Personal] = {
    # Accounts and agencies
    "users": Personal(
        subject=("id",),
        email=("email", "line_manager_email"),
        others=("email", "name", "job_title", "agency_id", "provider_id", "last_signed_in_at"),
        withheld={"password_hash": SECRET, "session_token": SECRET},
    ),
    "user_roles": Personal(subject=("user_id",)),
    "agency_memberships": Personal(subject=("user_id",)),
    "agency_move_requests": Personal(subject=("user_id",), actor=("decided_by_id",)),
    "agency_requests": Personal(
        email=("email",),
        actor=("decided_by_id",),
        others=("requester_name", "email", "details"),
    ),
    "email_tokens": Personal(
        subject=("user_id",), email=("email",), withheld={"token_hash": SECRET}
    ),
    "password_reset_tokens": Personal(subject=("user_id",), withheld={"token_hash": SECRET}),
    "password_reset_requests": Personal(email=("email",)),
    "sign_in_attempts": Personal(email=("email",)),
    "personal_tokens": Personal(subject=("user_id",), withheld={"token_hash": SECRET}),
    "providers": Personal(email=("contact_email",)),
    # Bookings and attendance
    "bookings": Personal(
        subject=("user_id",),
        actor=("booked_by_id", "decided_by_id", "cancelled_by_id"),
        others=("substitute_for_id", "decision_reason", "cancellation_reason", "outcome"),
    ),
    "place_offers": Personal(via=("booking_id",)),
    "interests": Personal(subject=("user_id",)),
    "session_trainers": Personal(subject=("user_id",)),
    "attendance_marks": Personal(via=("booking_id",), actor=("marked_by_id",)),
    "non_attendance_charges": Personal(
        via=("booking_id",),
        actor=("disputed_by_id", "decided_by_id"),
        others=("dispute_reason", "decision_reason"),
    ),
    "import_batches": Personal(
        actor=("uploaded_by_id",),
        withheld={"proposal": OTHERS_FILE, "errors": OTHERS_FILE},
    ),
    # E-learning
    "elearning_completions": Personal(
        subject=("user_id",), actor=("withdrawn_by_id",), via=("declaration_id",)
    ),
    "elearning_imports": Personal(
        actor=("uploaded_by_id", "undone_by_id"), withheld={"content": OTHERS_FILE}
    ),
    "unmatched_completions": Personal(
        email=("email",),
        actor=("decided_by_id",),
        via=("completion_id",),
        others=("email", "name", "agency_text", "statement_id"),
    ),
    "training_declarations": Personal(
        subject=("user_id",),
        actor=("decided_by_id",),
        others=("title", "provider_name", "evidence", "evidence_type", "evidence_name", "reason"),
    ),
    "xapi_statements": Personal(email=("actor_email",)),
    # A row of an uploaded file that could not be read keeps the value refused, maybe an address.
    "elearning_import_problems": Personal(email=("value",)),
    "xapi_credentials": Personal(actor=("created_by_id",), withheld={"secret_hash": SECRET}),
    # Evaluation
    "feedback_responses": Personal(
        subject=("user_id",),
        email=("respondent_email",),
        via=("booking_id", "completion_id"),
        withheld={"token_hash": SECRET},
    ),
    "feedback_answers": Personal(via=("response_id",), actor=("redacted_by_id",), others=("text",)),
    "feedback_outcomes": Personal(via=("response_id",)),
    "question_sets": Personal(actor=("created_by_id",)),
    "pack_quotes": Personal(via=("answer_id",), actor=("chosen_by_id",)),
    # Certificates
    "certificates": Personal(
        subject=("user_id",), via=("booking_id", "completion_id", "replaced_by_id")
    ),
    "certificate_checks": Personal(via=("certificate_id",)),
    "certificate_batches": Personal(actor=("requested_by_id",)),
    "partnership_logos": Personal(
        actor=("uploaded_by_id",), withheld={"content": "the partnership's logo image"}
    ),
    # Compliance and the annual pack
    "person_tags": Personal(subject=("user_id",), actor=("set_by_id",)),
    "compliance_chases": Personal(
        subject=("user_id",), actor=("chased_by_id",), via=("message_id",)
    ),
    "compliance_due_notices": Personal(subject=("user_id",)),
    "report_snapshots": Personal(
        actor=("taken_by_id",),
        withheld={"figures": "figures for the whole partnership, which name nobody"},
    ),
    # Messages and the audit trail
    # A message sent to them about someone else (a line manager asked about a colleague's
    # training) names that person in its text.
    "outbox_messages": Personal(
        subject=("user_id",),
        email=("recipient",),
        others=("subject", "body_text", "body_html", "last_error"),
    ),
    "outbox_attachments": Personal(
        via=("message_id",),
        withheld={"content": "the file itself: certificates and calendar entries are listed"},
    ),
    # Events on a person (object_type 'user') are found by object_id as well: see AUDIT_OBJECT.
    "audit_events": Personal(actor=("actor_id",), others=("before", "after", "reason")),
}

# The audit trail names the person acted on by object type and id, not by a foreign key.
AUDIT_OBJECT = ("audit_events", "object_type", "User", "object_id")

# Tables that hold nothing about any one person, and why.
NOT_PERSONAL: dict[str, str] = {
    "agencies": "the partnership's agencies",
    "agency_email_domains": "agencies' email domains",
    "courses": "the course catalogue",
    "course_themes": "the course catalogue",
    "course_sessions": "scheduled sessions (who trains them is in session_trainers)",
    "session_dates": "scheduled sessions",
    "themes": "the course catalogue",
    "venues": "venues",
    "questions": "evaluation questions",
    "partnership_settings": "the partnership's settings",
    "cache_versions": "the catalogue's version number, for exact caching",
    "rate_limit_counters": "counts per network address, kept for minutes",
    "signing_keys": "the partnership's public keys",
    "role_tags": "role tags",
    "training_requirements": "training requirements",
    "requirement_agencies": "training requirements",
    "requirement_courses": "training requirements",
    "requirement_sectors": "training requirements",
    "requirement_tags": "training requirements",
    "requirement_themes": "training requirements",
}
