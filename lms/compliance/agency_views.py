"""A coordinator's compliance table for their agency: filter, download, chase."""

from flask import Blueprint

bp = Blueprint("compliance", __name__)
