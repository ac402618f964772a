"""The certificate pages, registered on the app."""

from flask import Flask


def register(app: Flask) -> None:
    from lms.certificates.badge_views import bp as badges_bp
    from lms.certificates.bulk_views import bp as bulk_bp
    from lms.certificates.record_views import bp as records_bp
    from lms.certificates.verify_views import bp as verify_bp
    from lms.certificates.views import bp as certificates_bp

    app.register_blueprint(certificates_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(bulk_bp)
