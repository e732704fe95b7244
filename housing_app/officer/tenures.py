"""Officers' tenure pages: find a tenure by name or postcode, and see one tenure in full."""

import math
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask import abort, render_template, request, url_for
from flask_login import login_required
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import Form, StringField, SubmitField
from wtforms.validators import Length, Optional, Regexp

from housing_app.officer import bp
from housing_app.services import tenures as service

PAGE_SIZE = 20


class TenureSearchForm(Form):
    """Search is a GET form: it changes nothing, so it carries no CSRF token (which would
    otherwise end up in URLs, history and logs)."""

    name = StringField(
        "Name",
        description="First name, last name or both, or the start of one, like ‘Jo Blo’",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="Name must be 100 characters or fewer")],
    )
    postcode = StringField(
        "Postcode",
        description="Or the start of one, like ‘E8 1’",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=10, message="Postcode must be 10 characters or fewer"),
            Regexp(r"^[A-Za-z0-9 ]+$", message="Postcode must only include letters, numbers and a space"),
        ],
    )
    submit = SubmitField("Search", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not (self.name.data or "").strip() and not (self.postcode.data or "").strip():
            self.name.errors = [*self.name.errors, "Enter a name or a postcode"]
            return False
        return valid


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def pagination(page: int, pages: int, args: dict) -> dict | None:
    """Parameters for govukPagination: previous / next and numbered links, keeping the search."""
    if pages <= 1:
        return None

    def href(number):
        return url_for("officer.tenure_search", **args, page=number)

    shown = sorted({1, pages, *range(max(1, page - 1), min(pages, page + 1) + 1)})
    items, last = [], 0
    for number in shown:
        if number - last > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page})
        last = number
    params = {"items": items, "landmarkLabel": "Search results pages"}
    if page > 1:
        params["previous"] = {"href": href(page - 1)}
    if page < pages:
        params["next"] = {"href": href(page + 1)}
    return params


@bp.route("/tenures")
@login_required
def tenure_search():
    form = TenureSearchForm(request.args)
    searched = bool(request.args) and form.validate()
    results = page = None
    if searched:
        criteria = {"name": (form.name.data or "").strip() or None, "postcode": form.postcode.data or None}
        number = page_number()
        page = service.search_tenures(**criteria, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        if not page.tenures and page.count:  # a page past the end (an old link): show the last one
            number = math.ceil(page.count / PAGE_SIZE)
            page = service.search_tenures(**criteria, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        args = {k: v for k, v in (("name", form.name.data), ("postcode", form.postcode.data)) if v}
        pages = max(1, math.ceil(page.count / PAGE_SIZE))
        results = {
            "tenures": page.tenures,
            "count": page.count,
            "first": page.offset + 1,
            "last": page.offset + len(page.tenures),
            "pagination": pagination(number, pages, args),
        }
    elif not request.args:
        form = TenureSearchForm()  # a first visit shows no errors
    return render_template("officer/tenure_search.html", form=form, results=results)


@bp.route("/tenures/<uuid:tenure_id>")
@login_required
def tenure(tenure_id: uuid.UUID):
    found = service.get_tenure(tenure_id)
    if found is None:
        abort(404)
    return render_template(
        "officer/tenure.html",
        tenure=found,
        household=service.ordered_household(found),
        charges=found.charges or {},
    )


@bp.app_template_filter("pounds")
def pounds(value) -> str:
    """125.5 -> '£125.50'; negative amounts keep their sign: '-£3.00'."""
    if value is None:
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@bp.app_template_filter("iso_date")
def iso_date(value: str | None) -> date | None:
    """Dates inside JSON columns are kept as 'YYYY-MM-DD' strings."""
    return date.fromisoformat(value) if value else None
