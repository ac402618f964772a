"""Evaluation comments without the respondent's identity, redaction, and the bank of
quotes given with consent."""

from flask import Blueprint

bp = Blueprint("comments", __name__, url_prefix="/evaluation")
