"""Subject access: a person's copy of everything held about them."""

from flask import Blueprint

bp = Blueprint("subject_access", __name__)
