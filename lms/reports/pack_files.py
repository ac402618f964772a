"""The annual pack's files: a snapshot's PDF and workbook, internal or publication version."""

from flask import Blueprint

bp = Blueprint("annual_pack_files", __name__, url_prefix="/reports/annual-pack")
