"""The signed-in evaluation pages: before the course and straight after it."""

from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
