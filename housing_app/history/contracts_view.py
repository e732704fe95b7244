"""A property's contracts as officers see them on the tenure page."""

import uuid

from markupsafe import Markup, escape

from housing_app.extensions import db
from housing_app.history.timeline import NOT_SET, format_money
from housing_app.models import Contract
from housing_app.template_filters import govuk_date

MAX_CONTRACTS_SHOWN = 20


def contracts_for_asset(asset_id: uuid.UUID | None, limit: int = MAX_CONTRACTS_SHOWN) -> list[Contract]:
    """The asset's contracts, active ones first, then oldest first."""
    if asset_id is None:
        return []
    statement = (
        db.select(Contract)
        .where(Contract.target_id == asset_id)
        .order_by(Contract.is_active.desc(), Contract.created_at, Contract.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def _lines(lines: list[str]) -> dict:
    if not lines:
        return {"text": NOT_SET}
    return {"html": Markup("<br>").join(escape(line) for line in lines)}


def _text(value) -> dict:
    return {"text": NOT_SET if value in (None, "") else str(value)}


def charge_line(charge) -> str:
    kind = " ".join(part for part in (charge.type, charge.sub_type) if part) or "Charge"
    return f"{kind}: {format_money(charge.amount)} {charge.frequency.lower()}"


def person_line(person) -> str:
    role = f" ({person.sub_type})" if person.sub_type else ""
    contact = ", ".join(part for part in (person.email, person.phone) if part)
    responsible = ", responsible" if person.is_responsible else ""
    return f"{person.name or 'Unnamed'}{role}{responsible}{' – ' + contact if contact else ''}"


def contract_rows(contract: Contract) -> list[dict]:
    """GOV.UK summary list rows for one contract."""
    rows = [
        ("Status", _text("Active" if contract.is_active else "Not active")),
        ("Start date", _text(govuk_date(contract.start_date))),
        ("End date", _text(govuk_date(contract.end_date))),
        ("Renewal date", _text(govuk_date(contract.renewal_date))),
        ("Approval date", _text(govuk_date(contract.approval_date))),
        ("Stage", _text(contract.stage)),
        ("Charges", _lines([charge_line(charge) for charge in contract.charges])),
        ("Related people", _lines([person_line(person) for person in contract.related_people])),
        ("Funding source", _text(contract.funding_source)),
        ("Cost centre", _text(contract.cost_centre)),
        ("LHA area", _text(contract.lha_area)),
        ("LHA rate", _text(format_money(contract.lha_rate) if contract.lha_rate is not None else None)),
        ("VAT registered", _text("Yes" if contract.is_vat_registered else "No")),
    ]
    return [{"key": {"text": key}, "value": value} for key, value in rows]
