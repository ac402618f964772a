"""(Routes to come in this issue's work.)"""

from flask import Blueprint

bp = Blueprint("xapi", __name__)
admin_bp = Blueprint("xapi_credentials", __name__)
