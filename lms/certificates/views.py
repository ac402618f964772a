"""A certificate as a PDF, and the logo printed on certificates (admin)."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
