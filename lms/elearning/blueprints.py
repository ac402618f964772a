"""The e-learning pages and the xAPI endpoint, registered on the app."""

from flask import Flask

from lms.extensions import csrf


def register(app: Flask) -> None:
    from lms.elearning.declared_views import bp as declared_bp
    from lms.elearning.import_views import bp as imports_bp
    from lms.elearning.renewal_views import bp as renewals_bp
    from lms.elearning.unmatched_views import bp as unmatched_bp
    from lms.elearning.xapi_views import admin_bp as xapi_admin_bp
    from lms.elearning.xapi_views import bp as xapi_bp

    app.register_blueprint(imports_bp)
    app.register_blueprint(unmatched_bp)
    app.register_blueprint(declared_bp)
    app.register_blueprint(renewals_bp)
    app.register_blueprint(xapi_admin_bp)
    app.register_blueprint(xapi_bp)
    csrf.exempt(xapi_bp)
