"""Jinja filters and helpers for officers' pages: dates and times as GOV.UK style writes them,
and parts of the page that are the same on every request."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, render_template, request
from markupsafe import Markup

LONDON = ZoneInfo("Europe/London")


def govuk_date(value: date | datetime | None) -> str:
    """19 March 2024."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date() if value.tzinfo else value.date()
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime | None) -> str:
    """19 March 2024 at 4:34pm (UK time)."""
    if value is None:
        return ""
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{govuk_date(local)} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


STATIC_PARTS = "housing_app.static_parts"  # in app.extensions


def static_part(template: str) -> Markup:
    """`template` rendered once per app and script root, for a part of every page that holds
    nothing about the request or the officer (the footer: its GOV.UK macro was about a sixth of
    a page's rendering). Rendered afresh while templates reload (development)."""
    app = current_app._get_current_object()
    if app.jinja_env.auto_reload:
        return Markup(render_template(template))  # noqa: S704 - autoescaped template output
    parts = app.extensions.setdefault(STATIC_PARTS, {})
    key = (template, request.script_root)
    html = parts.get(key)
    if html is None:
        html = parts[key] = Markup(render_template(template))  # noqa: S704 - as above
    return html


def init_template_filters(app: Flask) -> None:
    app.jinja_env.filters["govuk_date"] = govuk_date
    app.jinja_env.filters["govuk_datetime"] = govuk_datetime
    app.jinja_env.globals["static_part"] = static_part
