"""Admins' pages for training requirements and role tags."""

from flask import Blueprint

bp = Blueprint("compliance_admin", __name__)
