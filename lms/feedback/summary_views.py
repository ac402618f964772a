"""The evaluation summary of a trainer's or a provider's sessions (never who said what)."""

from flask import Blueprint

bp = Blueprint("evaluation_summaries", __name__, url_prefix="/evaluation/summaries")
