"""The annual report pack: take a snapshot, download its PDF and workbook, see what changed."""

from flask import Blueprint

bp = Blueprint("annual_pack", __name__, url_prefix="/reports/annual-pack")
