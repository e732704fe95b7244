"""Manage a Tenancy processes: layouts as data, officers' pages, and the process engine."""

from flask import Blueprint

bp = Blueprint("processes", __name__)

from housing_app.processes import views  # noqa: E402,F401
