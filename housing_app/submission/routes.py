from functools import wraps

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from housing_app.extensions import db
from housing_app.models import MailDelivery
from housing_app.processes.views import load_process, render_review
from housing_app.services import mail, pdf
from housing_app.services.storage import StorageError, get_storage
from housing_app.services.submission import NotReadyToSubmit, submit_process
from housing_app.submission import bp
from housing_app.submission.forms import RetryFailedEmailsForm, SubmitProcessForm

OUTBOX_PAGE_SIZE = 100


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.post("/processes/<uuid:process_id>/submit")
@login_required
def submit(process_id):
    process = load_process(process_id)
    form = SubmitProcessForm()
    if not form.validate_on_submit():
        abort(400)
    if process.is_submitted:
        flash(f"{process.reference} was already submitted.", "success")
        return redirect(url_for("processes.task_list", process_id=process.id))
    try:
        submit_process(process, url_for("processes.task_list", process_id=process.id, _external=True))
    except NotReadyToSubmit as exc:
        db.session.rollback()
        return render_review(load_process(process_id), submit_error=str(exc)), 400
    db.session.commit()
    flash(
        f"{process.process_type.name} {process.reference} submitted. The summary is being emailed.", "success"
    )
    return redirect(url_for("processes.task_list", process_id=process.id))


@bp.get("/processes/<uuid:process_id>/summary.pdf")
@login_required
def summary_pdf(process_id):
    process = load_process(process_id)
    document = pdf.latest_process_summary(process.id)
    if document is None:
        abort(404)
    try:
        path = get_storage().local_path(document.storage_key)
    except StorageError:
        abort(404)
    if not path.exists():
        abort(404)
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=document.filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_context_processor
def inject_submission_helpers():
    def process_deliveries(process):
        query = (
            db.select(MailDelivery)
            .where(MailDelivery.process_id == process.id)
            .order_by(MailDelivery.created_at.desc())
        )
        return list(db.session.scalars(query))

    return {"process_deliveries": process_deliveries, "latest_process_pdf": pdf.latest_process_summary}


@bp.get("/admin/outbox")
@admin_required
def outbox():
    deliveries = db.session.scalars(
        db.select(MailDelivery).order_by(MailDelivery.created_at.desc()).limit(OUTBOX_PAGE_SIZE)
    ).all()
    return render_template(
        "admin/outbox.html",
        deliveries=deliveries,
        eml_files=mail.eml_files()[:OUTBOX_PAGE_SIZE],
        mail_server=bool(current_app.config.get("MAIL_SERVER")),
        retry_form=RetryFailedEmailsForm(),
    )


@bp.post("/admin/outbox/retry")
@admin_required
def retry_failed_emails():
    form = RetryFailedEmailsForm()
    if not form.validate_on_submit():
        abort(400)
    counts = mail.retry_failed()
    flash(f"Resent failed emails: {counts['sent']} sent, {counts['failed']} still failing.", "success")
    return redirect(url_for("submission.outbox"))


@bp.get("/admin/outbox/files/<name>")
@admin_required
def outbox_file(name):
    path = mail.eml_path(name)
    if path is None:
        abort(404)
    return send_file(path, mimetype="message/rfc822", as_attachment=True, download_name=name)
