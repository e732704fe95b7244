"""Submitting a process: status submitted (with its activity), the PDF summary stored and the
email with it queued, all in one transaction, so none of them exists without the others."""

import uuid
from dataclasses import dataclass

from flask import current_app, render_template

from housing_app.models import GeneratedDocument, MailDelivery, Process
from housing_app.processes.service import incomplete_sections, refresh_section_status, update_process
from housing_app.processes.summary import build_process_summary
from housing_app.services import mail, pdf
from housing_app.services.summary import ProcessSummary


@dataclass
class SubmissionRecord:
    document: GeneratedDocument
    delivery: MailDelivery


def submission_recipients(summary: ProcessSummary) -> list[str]:
    """The officer who ran the visit and the team mailbox (once each)."""
    recipients = [summary.officer_email, current_app.config.get("MAIL_TEAM_ADDRESS")]
    return list(dict.fromkeys(r for r in recipients if r))


def queue_submission_email(
    process_id: uuid.UUID,
    summary: ProcessSummary,
    document: GeneratedDocument,
    process_url: str | None = None,
) -> MailDelivery:
    context = {"summary": summary, "document": document, "process_url": process_url}
    return mail.queue_email(
        recipients=submission_recipients(summary),
        subject=f"{summary.process_type_name} submitted: {summary.reference}",
        text_body=render_template("email/process_submitted.txt", **context),
        html_body=render_template("email/process_submitted.html", **context),
        attachment_key=document.storage_key,
        attachment_filename=document.filename,
        process_id=process_id,
    )


def record_submission(
    process_id: uuid.UUID, summary: ProcessSummary, process_url: str | None = None
) -> SubmissionRecord:
    """Store the PDF and queue the email (no commit: the caller commits them together with the
    process's status change and activity)."""
    document = pdf.store_process_summary_pdf(process_id, summary)
    delivery = queue_submission_email(process_id, summary, document, process_url)
    return SubmissionRecord(document=document, delivery=delivery)


class NotReadyToSubmit(Exception):
    """The process cannot be submitted; `sections` lists what is still incomplete."""

    def __init__(self, message: str, sections=()):
        super().__init__(message)
        self.sections = list(sections)


def submit_process(process: Process, process_url: str | None = None) -> SubmissionRecord:
    """Mark the process submitted, store its PDF and queue its email. Raises NotReadyToSubmit when
    it is already submitted or a section is incomplete. The caller commits."""
    if process.is_submitted:
        raise NotReadyToSubmit("This visit has already been submitted.")
    missing = incomplete_sections(process)
    if missing:
        # Keep the stored statuses true to the answers, so the task list agrees with the message.
        for section in missing:
            refresh_section_status(process, section)
        titles = ", ".join(section.title for section in missing)
        raise NotReadyToSubmit(f"Complete these sections before submitting: {titles}.", missing)
    update_process(process, status="submitted")
    return record_submission(process.id, build_process_summary(process), process_url)
