"""Training management for a multi-agency safeguarding partnership."""

from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import config as app_settings
from lms.extensions import csrf, db, limiter, login_manager

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides settings read from the environment."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder="static",
        static_url_path="/assets",
    )
    app.config.from_object(app_settings.Defaults)
    overrides = config or {}
    instance = Path(overrides.get("INSTANCE_PATH", app.instance_path))
    app.config.update(app_settings.from_environment(instance))
    app.config.update(overrides)
    _refuse_weak_secret(app)
    if not app.testing:
        from lms.core import logs

        logs.configure()
    if app.config.get("JINJA_BYTECODE_CACHE") is not None:
        # Shared by many apps in one process (the test suite) so templates compile once.
        app.jinja_options = {
            **app.jinja_options,
            "bytecode_cache": app.config["JINJA_BYTECODE_CACHE"],
        }

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1, x_host=1
        )

    from lms.core import inputs

    # Before any route exists, so every <int:...> in every blueprint is bounded.
    app.url_map.converters["int"] = inputs.IdConverter
    app.request_class = inputs.AppRequest
    app.before_request(inputs.refuse_nul_bytes)

    db.init_app(app)
    from lms.core import migrations

    migrations.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    import lms.core.ratelimit  # noqa: F401 - registers the database:// rate-limit storage

    limiter.init_app(app)
    _import_models()

    from lms.core import database

    database.configure_sqlite(app)
    from lms.core import cache

    cache.init_app(app)

    from lms.accounts.admin import bp as admin_bp
    from lms.accounts.staff import bp as staff_bp
    from lms.accounts.views import bp as accounts_bp
    from lms.attendance.charge_views import bp as charges_bp
    from lms.attendance.views import bp as attendance_bp
    from lms.bookings.manage import bp as manage_bp
    from lms.bookings.views import bp as bookings_bp
    from lms.catalogue.admin import bp as catalogue_admin_bp
    from lms.catalogue.api import bp as api_bp
    from lms.catalogue.feeds import bp as feeds_bp
    from lms.catalogue.reference import bp as reference_bp
    from lms.catalogue.views import bp as catalogue_bp
    from lms.core.views import bp as pages_bp
    from lms.reports.api import bp as reports_api_bp
    from lms.reports.views import bp as reports_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(catalogue_admin_bp)
    app.register_blueprint(reference_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(bookings_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(charges_bp)
    app.register_blueprint(reports_api_bp)
    csrf.exempt(api_bp)
    csrf.exempt(reports_api_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(reports_bp)

    from lms.elearning.blueprints import register as register_elearning

    register_elearning(app)

    from lms.feedback.blueprints import register as register_feedback

    register_feedback(app)

    from lms.certificates.blueprints import register as register_certificates

    register_certificates(app)

    from lms.compliance.blueprints import register as register_compliance
    from lms.privacy.blueprints import register as register_privacy
    from lms.reports.pack_files import bp as annual_pack_files_bp
    from lms.reports.pack_views import bp as annual_pack_bp

    register_compliance(app)
    register_privacy(app)
    app.register_blueprint(annual_pack_bp)
    app.register_blueprint(annual_pack_files_bp)

    from lms.core import web

    web.init_app(app)

    from lms.attendance.charges import register_hooks as register_charge_hooks
    from lms.bookings.jobs import register_hooks
    from lms.feedback.requests import register_hooks as register_feedback_hooks

    register_hooks()
    register_charge_hooks()
    register_feedback_hooks()
    from lms.certificates.issuing import register_hooks as register_certificate_hooks

    register_certificate_hooks()

    from lms.cli import register_commands

    register_commands(app)
    return app


def _import_models() -> None:
    """Import every model module so the metadata is complete (for Alembic and create_all)."""
    import lms.accounts.models  # noqa: F401
    import lms.attendance.models  # noqa: F401
    import lms.audit.models  # noqa: F401
    import lms.bookings.models  # noqa: F401
    import lms.catalogue.models  # noqa: F401
    import lms.certificates.models  # noqa: F401
    import lms.compliance.models  # noqa: F401
    import lms.core.versions  # noqa: F401
    import lms.elearning.models  # noqa: F401
    import lms.feedback.models  # noqa: F401
    import lms.mail.models  # noqa: F401
    import lms.reports.models  # noqa: F401
    import lms.settings.models  # noqa: F401


def _refuse_weak_secret(app: Flask) -> None:
    key = app.config.get("SECRET_KEY") or ""
    if app.config["LMS_ENV"] == "development" or app.testing:
        if not key:
            raise RuntimeError("SECRET_KEY is empty")
        return
    if key.lower() in app_settings.WEAK_SECRET_KEYS or len(key) < 32:
        raise RuntimeError(
            "Refusing to start: set SECRET_KEY to a random value of 32 characters or more "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
