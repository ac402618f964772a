"""(Routes to come in this issue's work.)"""

from flask import Blueprint

bp = Blueprint("renewals", __name__)
