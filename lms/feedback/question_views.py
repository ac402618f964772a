"""Admin pages for the evaluation question sets: their versions, and editing one as the
next version."""

from flask import Blueprint

bp = Blueprint("questions", __name__, url_prefix="/admin/evaluation")
