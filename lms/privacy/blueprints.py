"""The privacy pages, registered on the app."""

from flask import Flask


def register(app: Flask) -> None:
    from lms.privacy.access_views import bp as access_bp
    from lms.privacy.erasure_views import bp as erasure_bp

    app.register_blueprint(access_bp)
    app.register_blueprint(erasure_bp)
