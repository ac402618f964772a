"""Flask commands: run-jobs (from cron), seed-demo, seed-scale, report, backup, restore."""

import click
from flask import Flask, current_app

from lms.core.models import utcnow
from lms.extensions import db


def run_jobs() -> dict:
    """Do every piece of due background work once; safe to run again at any time."""
    from lms.accounts.auth import purge_sign_in_records
    from lms.attendance import closeout
    from lms.bookings import jobs as bookings
    from lms.certificates import export_batches
    from lms.certificates import issuing as certificates
    from lms.compliance import notices as compliance
    from lms.core.ratelimit import purge_rate_limit_counters
    from lms.elearning import renewals
    from lms.feedback import follow_ups, requests
    from lms.mail import services as mail
    from lms.privacy import retention

    config = current_app.config
    now = utcnow()
    results = {}
    results["sign-in records purged"] = purge_sign_in_records(now=now)
    results["rate-limit counters purged"] = purge_rate_limit_counters(now=now)
    db.session.commit()
    results.update(account_jobs(now=now))
    results.update(retention.apply(now))
    with current_app.test_request_context(base_url=config.get("BASE_URL") or "http://localhost"):
        results.update(bookings.run(now=now))
        results["sessions closed"] = closeout.close_ended_sessions(now=now)
        results["e-learning renewal reminders sent"] = renewals.send_renewal_reminders(now=now)
        results["compliance due notices sent"] = compliance.send_due_notices(now=now)
        results.update(requests.run(now=now))
        results.update(follow_ups.run(now=now))
        results["certificates issued"] = certificates.issue_due(now=now)
        results.update(export_batches.run(now=now))
    db.session.commit()
    delivered = mail.deliver_due(
        transport=mail.transport_for(config),
        sender=config["MAIL_FROM"],
        now=now,
        backoff_ceiling=config["MAIL_MAX_ATTEMPTS_BACKOFF"],
    )
    results["mail sent"] = delivered["sent"]
    results["mail failed, queued for retry"] = delivered["retry"]
    results["mail that cannot be sent, marked failed"] = delivered["failed"]
    return results


def account_jobs(*, now) -> dict:
    """Send the reset links asked for, and remove accounts never confirmed in time."""
    from lms.accounts.auth import send_requested_resets
    from lms.accounts.emails import remove_unconfirmed
    from lms.core.urls import external_url

    config = current_app.config
    with current_app.test_request_context(base_url=config.get("BASE_URL") or "http://localhost"):
        sent = send_requested_resets(
            now=now,
            valid_for=config["PASSWORD_RESET_VALID_FOR"],
            link_for=lambda token: external_url("accounts.reset_password", token=token),
        )
    db.session.commit()
    removed = remove_unconfirmed(now=now, older_than=config["UNCONFIRMED_ACCOUNTS_KEPT_FOR"])
    db.session.commit()
    return {"password reset links sent": sent, "unconfirmed accounts removed": removed}


def demo_allowed(app: Flask) -> bool:
    """Demonstration accounts, whose password is public, are loaded only in development and in
    the test suite."""
    return app.config["LMS_ENV"] == "development" or app.testing


def register_commands(app: Flask) -> None:
    from lms.certificates import cli as certificates
    from lms.core import backups
    from lms.elearning import cli as elearning
    from lms.reports import cli as reports
    from lms.reports import pack_cli

    reports.register(app)
    pack_cli.register(app)
    elearning.register(app)
    certificates.register(app)
    backups.register(app)

    @app.cli.command("run-jobs")
    def run_jobs_command():
        """Send due mail and do the other background work (run from cron every few minutes)."""
        for name, count in run_jobs().items():
            click.echo(f"{name}: {count}")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing if any account exists already.")
    @click.option(
        "--i-know",
        "i_know",
        is_flag=True,
        help="Load it outside development, knowing every demo account's password is public.",
    )
    def seed_demo_command(if_empty, i_know):
        """Load the demonstration partnership (idempotent). Development only, unless --i-know."""
        from lms.demo import seed_demo

        if not (demo_allowed(current_app) or i_know):
            raise click.ClickException(
                "Refusing to load the demonstration partnership: it creates an administrator "
                "whose password is published in the README. It loads only when "
                "LMS_ENV=development; add --i-know to load it here anyway. Nothing was created."
            )
        summary = seed_demo(if_empty=if_empty)
        db.session.commit()
        click.echo(summary)

    @app.cli.command("seed-scale")
    @click.option("--years", default=10, show_default=True, help="UK financial years of history.")
    @click.option("--scale", default=1.0, show_default=True, help="Multiply every count by this.")
    @click.option("--seed", default=2026, show_default=True, help="Random seed.")
    def seed_scale_command(years, scale, seed):
        """Build a large synthetic partnership history on an empty database."""
        from lms.core.errors import DomainError
        from lms.scale import seed_scale

        try:
            counts = seed_scale(years=years, now=utcnow(), scale=scale, seed=seed)
        except DomainError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        for table, number in counts.items():
            click.echo(f"{table}: {number}")

    @app.cli.command("demo-sign-ins")
    def demo_sign_ins_command():
        """Print the demonstration accounts and their password."""
        from lms.demo import sign_ins_text

        click.echo(sign_ins_text())
