"""What erasing a person does to each table that holds something about them (see
`lms.privacy.registry.PERSONAL`), in words: the erasure page shows it and a test checks that every
table of the registry has an entry, so a table added later is never forgotten.

Kept apart from the service so the reports can read `CERTIFICATE_REASON` without importing it."""

# Revoking a certificate because its holder was erased is not a revocation of the training: the
# certificate statistics leave these out, so the figures of every period stay the same.
CERTIFICATE_REASON = "The holder's record was erased"

PLACEHOLDER_DOMAIN = "erased.invalid"
UNUSABLE_PASSWORD = "!erased"  # not a hash any password matches


def erased_name(user_id: int) -> str:
    return f"Erased person {user_id}"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{PLACEHOLDER_DOMAIN}"


KEPT = "kept: counted in the statistics, and names the person only by the stand-in's id"
DONE_BY = "kept: something they did to or for someone else; only the stand-in's id is left"

ERASURE: dict[str, str] = {
    "users": (
        "kept as an anonymous stand-in: name 'Erased person <id>', email "
        "'erased-<id>@erased.invalid', no line manager, a password no one can use, every session "
        "ended; the job title becomes the job-title words of the training requirements it "
        "matched (or nothing), so the same requirements apply; still active if they were. "
        "Other people's line manager address, when it was theirs, is removed"
    ),
    "user_roles": KEPT,
    "agency_memberships": (
        "kept (agency histories count them); the job title becomes the requirement words it "
        "matched, as on the account"
    ),
    "agency_move_requests": "kept; the job title becomes the requirement words it matched",
    "agency_requests": (
        "those sent from their address: the requester's name, address and details replaced"
    ),
    "email_tokens": "deleted",
    "password_reset_tokens": "deleted",
    "password_reset_requests": "deleted (those for their address)",
    "sign_in_attempts": "deleted (those for their address)",
    "personal_tokens": "deleted",
    "providers": "a contact address that was theirs becomes the stand-in's",
    "bookings": KEPT + "; a cancellation reason they wrote is removed",
    "place_offers": KEPT,
    "interests": "kept: the unmet demand report counts them",
    "session_trainers": KEPT,
    "attendance_marks": KEPT,
    "non_attendance_charges": KEPT + "; a dispute reason they wrote is removed",
    "import_batches": "their name and address replaced wherever they appear in an upload",
    "elearning_completions": KEPT,
    "elearning_imports": (
        "an applied upload's file is removed; a file not yet applied has their name and address "
        "replaced"
    ),
    "unmatched_completions": "rows with their address: name and address replaced",
    "training_declarations": (
        "kept (hours count towards requirements); the title, provider and evidence file are removed"
    ),
    "xapi_statements": "the address becomes the stand-in's",
    "elearning_import_problems": "their name and address replaced in the value refused",
    "xapi_credentials": DONE_BY,
    "feedback_responses": (
        "kept (the impact figures count them); the respondent address and link are removed"
    ),
    "feedback_answers": (
        "kept; free text they wrote is removed (as when an admin removes a comment)"
    ),
    "feedback_outcomes": KEPT,
    "question_sets": DONE_BY,
    "pack_quotes": "quotes of their answers are taken out of the pack",
    "certificates": "revoked (shown as revoked on the verify page and to badge checkers); the name "
    "on them becomes the stand-in",
    "certificate_checks": KEPT,
    "certificate_batches": DONE_BY,
    "partnership_logos": DONE_BY,
    "person_tags": KEPT,
    "compliance_chases": KEPT + "; the message of the chase is deleted",
    "compliance_due_notices": KEPT,
    "report_snapshots": DONE_BY,
    "outbox_messages": (
        "messages to them are deleted; in other people's messages their name and address "
        "become the stand-in's"
    ),
    "outbox_attachments": "deleted with their messages",
    "audit_events": (
        "every event is kept; where they acted, the actor is shown as the stand-in; their "
        "name and address in the recorded changes and reasons become the stand-in's"
    ),
}
