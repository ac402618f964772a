"""A person's training record: a page, a PDF and a CSV."""

from flask import Blueprint

bp = Blueprint("records", __name__)
