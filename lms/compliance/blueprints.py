"""The compliance pages, registered on the app."""

from flask import Flask


def register(app: Flask) -> None:
    from lms.compliance.admin_views import bp as admin_bp
    from lms.compliance.agency_views import bp as agency_bp

    app.register_blueprint(admin_bp)
    app.register_blueprint(agency_bp)
