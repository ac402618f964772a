"""Flask commands: run-jobs (from cron), seed-demo, seed-scale, report."""

import click
from flask import Flask, current_app

from lms.core.models import utcnow
from lms.extensions import db


def run_jobs() -> dict:
    """Do every piece of due background work once; safe to run again at any time."""
    from lms.accounts.auth import purge_sign_in_records
    from lms.attendance import closeout
    from lms.bookings import jobs as bookings
    from lms.mail import services as mail

    config = current_app.config
    now = utcnow()
    results = {}
    results["sign-in records purged"] = purge_sign_in_records(now=now)
    db.session.commit()
    with current_app.test_request_context(base_url=config.get("BASE_URL") or "http://localhost"):
        results.update(bookings.run(now=now))
        results["sessions closed"] = closeout.close_ended_sessions(now=now)
    db.session.commit()
    delivered = mail.deliver_due(
        transport=mail.transport_for(config),
        sender=config["MAIL_FROM"],
        now=now,
        backoff_ceiling=config["MAIL_MAX_ATTEMPTS_BACKOFF"],
    )
    results["mail sent"] = delivered["sent"]
    results["mail failed, queued for retry"] = delivered["failed"]
    return results


def register_commands(app: Flask) -> None:
    from lms.reports import cli as reports

    reports.register(app)

    @app.cli.command("run-jobs")
    def run_jobs_command():
        """Send due mail and do the other background work (run from cron every few minutes)."""
        for name, count in run_jobs().items():
            click.echo(f"{name}: {count}")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing if any account exists already.")
    def seed_demo_command(if_empty):
        """Load the demonstration partnership (idempotent)."""
        from lms.demo import seed_demo

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
