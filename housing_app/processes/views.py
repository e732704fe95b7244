"""Officer pages for processes: start one from a tenure, the task list, any page by its key
(one route, one template), the review page, and photos."""

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from sqlalchemy.orm import joinedload
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from housing_app.extensions import db
from housing_app.models import Process, ProcessPhoto, ProcessType, Tenure
from housing_app.processes import bp
from housing_app.processes.forms import build_page_form, read_submission
from housing_app.processes.page_skeletons import (
    PAGE_TEMPLATE,
    render_page,
    render_page_questions,
    render_stored_page,
)
from housing_app.processes.photos import max_photo_bytes
from housing_app.processes.reading import ProcessView, read_process_view, read_visit_alongside_officer
from housing_app.processes.service import (
    ProcessError,
    can_access,
    find_page,
    load_visit_for_save,
    page_layout,
    parse_crm_guid,
    process_types,
    save_page_answers,
    section_statuses,
    start_process,
    visible_processes_query,
)
from housing_app.processes.summary import build_process_summary, member_role
from housing_app.services.storage import StorageError, get_storage


class StartProcessForm(FlaskForm):
    process_type = RadioField(
        "Which visit are you starting?",
        validators=[InputRequired(message="Select the visit you are starting")],
        validate_choice=False,
        widget=GovRadioInput(),
    )
    crm_interaction_guid = StringField(
        widget=GovTextInput(),
        label="CRM interaction GUID (optional)",
        description="If you logged this contact in CRM, copy the interaction GUID, "
        "for example 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.process_type.choices = [SelectChoice(t.code, t.name) for t in process_types()]


def tenure_processes(tenure) -> list[Process]:
    """The signed-in officer's view of a tenure's processes (for the tenure page partial)."""
    query = visible_processes_query(current_user).where(Process.tenure_id == tenure.id)
    return list(db.session.scalars(query))


@bp.app_context_processor
def inject_process_helpers():
    return {
        "tenure_processes": tenure_processes,
        "start_process_form": StartProcessForm,
        "member_role": member_role,
        "max_photo_mb": max_photo_bytes() // (1024 * 1024),
        "max_upload_mb": (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
    }


# Built once, not for every page: a loader option is immutable.
_WITH_PROCESS_TYPE = (joinedload(Process.process_type),)


def load_process(process_id: uuid.UUID, for_update: bool = False) -> Process:
    """The process, if the signed-in officer may see it; 404 otherwise (no hint it exists).
    `for_update`: locked until the commit, for a save (service.load_visit_for_save)."""
    if for_update:
        process = load_visit_for_save(process_id, options=_WITH_PROCESS_TYPE)
    else:
        process = db.session.get(Process, process_id, options=_WITH_PROCESS_TYPE)
    if process is None or not can_access(current_user, process):
        abort(404)
    return process


def load_process_view(process_id: uuid.UUID, with_answers: bool = False) -> ProcessView:
    """load_process for a page that only reads: the visit as a ProcessView (reading.py), with
    its answers read alongside when the page will show them."""
    process = read_process_view(process_id, with_answers)
    if process is None or not can_access(current_user._get_current_object(), process):
        abort(404)
    return process


@bp.get("/tenures/<uuid:tenure_id>/processes/new")
@login_required
def new_process(tenure_id):
    tenure = db.get_or_404(Tenure, tenure_id)
    return render_template("processes/start.html", tenure=tenure, form=StartProcessForm())


@bp.post("/tenures/<uuid:tenure_id>/processes")
@login_required
def create_process(tenure_id):
    tenure = db.get_or_404(Tenure, tenure_id)
    form = StartProcessForm()
    form.validate_on_submit()  # CSRF and "choose a visit"; the type and GUID are checked below
    query = db.select(ProcessType).where(ProcessType.code == (form.process_type.data or ""))
    process_type = db.session.scalar(query)
    if process_type is None and not form.process_type.errors:
        form.process_type.errors = ["Select the visit you are starting"]
    try:
        crm_guid = parse_crm_guid(form.crm_interaction_guid.data)
    except ProcessError as exc:
        form.crm_interaction_guid.errors = [str(exc)]
    if form.errors:
        return render_template("processes/start.html", tenure=tenure, form=form), 400
    process = start_process(tenure, process_type, current_user, crm_guid)
    db.session.commit()
    flash(f"{process_type.name} {process.reference} started.", "success")
    return redirect(url_for("processes.task_list", process_id=process.id))


@bp.get("/processes/<uuid:process_id>")
@login_required
def task_list(process_id):
    process = load_process(process_id)
    statuses = section_statuses(process)
    return render_template("processes/task_list.html", process=process, statuses=statuses)


@bp.route("/processes/<uuid:process_id>/pages/<page_key>", methods=["GET", "POST"])
@login_required
def page(process_id, page_key):
    # Showing a page reads the visit and needs only its layout (kept once read); saving one
    # changes the visit and needs the page's row.
    if request.method != "POST":
        process = load_process_view(process_id, with_answers=True)
        page = page_layout(process, page_key) or abort(404)
        if process.is_submitted:
            return render_template(PAGE_TEMPLATE, process=process, page=page, form=None, read_only=True)
        return render_stored_page(process, page)
    return save_page(process_id, page_key)


def save_page(process_id: uuid.UUID, page_key: str):
    """Save the page's answers (what is valid of them) and go on, or show the page's errors."""
    process = load_process(process_id, for_update=True)
    page = find_page(process, page_key) or abort(404)
    if process.is_submitted:
        abort(409)
    form = build_page_form(process, page, submitted=True)
    if not form.validate_on_submit():  # CSRF only: the layout does the rest
        abort(400)
    continuing = request.form.get("action") != "later"
    result = read_submission(process, form, enforce_required=continuing)
    save_page_answers(process, page, result.values)
    if result.errors:
        db.session.commit()  # what was valid is saved; the page shows the rest again
        return render_page(process, page, form, render_page_questions(process, page, form))
    # Where to go next is worked out before the commit, which expires what the session read.
    after = next_url(process, page) if continuing else url_for(".task_list", process_id=process_id)
    db.session.commit()
    return redirect(after)


# Showing a page reads its visit (with its answers) in the officer's own statement.
read_visit_alongside_officer("processes.page", with_answers=True)


def next_url(process: Process, page) -> str:
    pages = process.layout_version.pages
    index = next(i for i, p in enumerate(pages) if p.id == page.id)
    if index + 1 < len(pages):
        return url_for(".page", process_id=process.id, page_key=pages[index + 1].key)
    return url_for(".review", process_id=process.id)


@bp.get("/processes/<uuid:process_id>/review")
@login_required
def review(process_id):
    return render_review(load_process(process_id))


def render_review(process: Process, submit_form=None, submit_error: str | None = None):
    """The review page; the submission feature passes its form and any reason it refused."""
    from housing_app.submission.forms import SubmitProcessForm

    summary = build_process_summary(process)
    statuses = section_statuses(process)
    incomplete = [s for s in process.layout_version.sections if statuses[s.id] != "complete"]
    return render_template(
        "processes/review.html",
        process=process,
        summary=summary,
        incomplete=incomplete,
        submit_form=submit_form or SubmitProcessForm(),
        submit_error=submit_error,
    )


@bp.get("/processes/<uuid:process_id>/photos/<uuid:photo_id>")
@login_required
def photo(process_id, photo_id):
    process = load_process(process_id)
    photo = db.session.get(ProcessPhoto, photo_id)
    if photo is None or photo.process_id != process.id:
        abort(404)
    key = photo.thumbnail_key if request.args.get("size") == "thumbnail" else photo.storage_key
    try:
        path = get_storage().local_path(key)
    except StorageError:
        abort(404)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=photo.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
