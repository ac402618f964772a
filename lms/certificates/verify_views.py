"""The public verify page: a certificate checked by its code."""

from flask import Blueprint

bp = Blueprint("verify", __name__)
