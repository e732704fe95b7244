"""The email queued when a process is submitted: to the officer and the team, PDF attached."""

import uuid

from housing_app.extensions import db
from housing_app.models import GeneratedDocument, MailDelivery
from housing_app.services import mail, submission
from tests.submission.conftest import app_settings
from tests.submission.factories import sample_summary, saved_visit_id
from tests.submission.pdf_text import pdf_text


def test_submission_stores_the_pdf_and_emails_it_to_the_officer_and_team(app, smtp_settings):
    process_id = saved_visit_id()
    with app_settings(app, MAIL_TEAM_ADDRESS="tenancy-team@hackney.example"):
        record = submission.record_submission(process_id, sample_summary(), "http://localhost/processes/x")
    db.session.commit()

    assert db.session.get(GeneratedDocument, record.document.id).process_id == process_id
    delivery = db.session.get(MailDelivery, record.delivery.id)
    assert delivery.process_id == process_id
    assert delivery.recipients == ["officer@hackney.example", "tenancy-team@hackney.example"]

    assert mail.send_due_deliveries()["sent"] == 1
    [received] = smtp_settings.messages
    assert received.message["Subject"] == "Tenancy and Household Check submitted: THC-2026-000123"
    text = received.body("plain")
    assert "Address: Flat 12, Mare Street Estate, London E8 1HH" in text
    assert "Submitted: 23 November 2026 at 10:45am" in text
    assert "http://localhost/processes/x" in text
    html = received.body("html")
    assert "<h1" in html and "THC-2026-000123" in html
    [(filename, content_type, data)] = received.attachments()
    assert (filename, content_type) == ("tenancy-and-household-check-THC-2026-000123.pdf", "application/pdf")
    assert "Which rooms need repairs? Kitchen, Bathroom" in pdf_text(data)


def test_the_officer_is_not_emailed_twice_when_they_are_the_team_mailbox(app):
    with app_settings(app, MAIL_TEAM_ADDRESS="officer@hackney.example"):
        assert submission.submission_recipients(sample_summary()) == ["officer@hackney.example"]


def test_nothing_is_queued_when_the_submission_rolls_back(app):
    submission.record_submission(uuid.uuid4(), sample_summary())
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(MailDelivery)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(GeneratedDocument)) == 0
