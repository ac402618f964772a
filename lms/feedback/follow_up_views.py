"""The follow-up pages reached by a single-use link without signing in: the
practitioner's and their line manager's."""

from flask import Blueprint

bp = Blueprint("follow_up", __name__, url_prefix="/follow-up")
