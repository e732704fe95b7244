"""Officers' view of contracts and of the activity history: the tenure page's contracts and
timeline partials (templates/officer/tenure/_contracts.html, _activity.html) and the full history
page /history/<target id>."""

import uuid

from flask import Blueprint, Flask, abort, render_template, request, url_for
from flask_login import login_required

from housing_app.api.cursor_paging import keyset_page
from housing_app.api.errors import ApiError
from housing_app.extensions import db
from housing_app.history.contracts_view import contract_rows, contracts_for_asset
from housing_app.history.timeline import activity_timeline, describe, timeline_statement
from housing_app.models import Activity, Contract, Process, Tenure

bp = Blueprint("history", __name__)

HISTORY_PAGE_SIZE = 20
TIMELINE_ON_TENURE_PAGE = 10


def tenure_history_targets(tenure: Tenure) -> list[uuid.UUID]:
    """Everything whose changes belong in a tenure's history: the tenure (its household changes
    among them), its members (as other services record them), its property, the property's
    contracts and the tenure's visits."""
    contract_ids = db.session.scalars(db.select(Contract.id).where(Contract.target_id == tenure.asset_id))
    visit_ids = db.session.scalars(db.select(Process.id).where(Process.tenure_id == tenure.id))
    members = [member.id for member in tenure.household_members]
    return [tenure.id, *members, *([tenure.asset_id] if tenure.asset_id else []), *contract_ids, *visit_ids]


def history_targets(target_id: uuid.UUID) -> tuple[list[uuid.UUID], str | None]:
    """(ids whose activities make up this history, a caption naming the record)."""
    tenure = db.session.get(Tenure, target_id)
    if tenure is not None:
        return tenure_history_targets(tenure), tenure.asset_full_address or "Tenure"
    contract = db.session.get(Contract, target_id)
    if contract is not None:
        return [contract.id], f"Contract: {contract.contract_type or 'contract'}"
    return [target_id], None


@bp.route("/history/<uuid:target_id>")
@login_required
def history_page(target_id):
    """The whole history of a tenure (with its people and contracts), a contract, or any other
    record with activities, newest first, 20 entries a page."""
    targets, caption = history_targets(target_id)
    token = request.args.get("page")
    try:
        activities, next_token = keyset_page(
            timeline_statement(targets),
            Activity,
            list_name="history-page",
            scope=str(target_id),
            page_size=HISTORY_PAGE_SIZE,
            token=token,
            newest_first=True,
        )
    except ApiError:
        abort(400, "This page of history does not exist. Go back to the newest entries.")
    if caption is None and not activities and not token:
        abort(404)
    older_url = url_for("history.history_page", target_id=target_id, page=next_token) if next_token else None
    return render_template(
        "history/history.html",
        page_heading="Activity history",
        caption=caption,
        entries=[describe(activity) for activity in activities],
        older_url=older_url,
        newest_url=url_for("history.history_page", target_id=target_id) if token else None,
    )


def init_history(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(contracts_for_asset)
    app.add_template_global(contract_rows)
    app.add_template_global(activity_timeline)
    app.add_template_global(tenure_history_targets)
    app.jinja_env.globals["TIMELINE_ON_TENURE_PAGE"] = TIMELINE_ON_TENURE_PAGE
