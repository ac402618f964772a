"""(Routes to come in this issue's work.)"""

from flask import Blueprint

bp = Blueprint("elearning_imports", __name__)
