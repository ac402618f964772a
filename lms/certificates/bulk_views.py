"""A coordinator's (or an admin's) download of an agency's certificates for a period, as one ZIP."""

from flask import Blueprint

bp = Blueprint("bulk", __name__)
