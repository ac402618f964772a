"""Erasure of a person, after a confirmation."""

from flask import Blueprint

bp = Blueprint("erasure", __name__)
