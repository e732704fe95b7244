"""Submitting a visit from the review page (and through the API): only when every section is
complete; then read-only, logged, its PDF stored and its email queued in the same transaction."""

import pytest

from housing_app.extensions import db
from housing_app.models import Activity, GeneratedDocument, MailDelivery, Process
from housing_app.processes.loader import load_shipped_definitions
from housing_app.services import mail
from tests.html import parse
from tests.processes.complete import answer_every_question
from tests.processes.conftest import make_tenure, start
from tests.submission.conftest import app_settings
from tests.submission.pdf_text import pdf_text


@pytest.fixture
def thc(officer):
    load_shipped_definitions()
    return start(make_tenure(), officer)


@pytest.fixture
def complete_thc(thc):
    answers = answer_every_question(thc)
    thc.answers_given = answers
    return thc


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def text_answers(process) -> list[str]:
    return [v for v in process.answers_given.values() if isinstance(v, str) and v.startswith("Answer to")]


def test_the_review_page_offers_submit_to_an_unsubmitted_visit(officer_client, thc):
    page = parse(officer_client.get(f"/processes/{thc.id}/review"))
    form = page.select_one(f"form[action='/processes/{thc.id}/submit']")
    assert form is not None
    assert form.select_one("button[data-submit-process]").get_text(strip=True) == "Submit the visit"


def test_an_incomplete_visit_is_refused_with_the_missing_sections_listed(officer_client, thc):
    response = officer_client.post(f"/processes/{thc.id}/submit")

    assert response.status_code == 400
    page = parse(response)
    assert page.title.get_text().startswith("Error: ")
    summary = page.select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert "The visit cannot be submitted yet" in summary
    assert "Present for check" in summary
    db.session.expire_all()
    assert db.session.get(Process, thc.id).status == "in_progress"
    assert count(GeneratedDocument) == 0
    assert count(MailDelivery) == 0


def test_submitting_a_complete_visit_stores_the_pdf_and_queues_the_email(app, officer_client, complete_thc):
    process_id = complete_thc.id
    with app_settings(app, MAIL_TEAM_ADDRESS="tenancy-team@hackney.example"):
        response = officer_client.post(f"/processes/{process_id}/submit")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/processes/{process_id}"
    db.session.expire_all()
    process = db.session.get(Process, process_id)
    assert process.status == "submitted"
    assert process.submitted_at is not None

    [document] = db.session.scalars(db.select(GeneratedDocument)).all()
    assert document.process_id == process_id
    [delivery] = db.session.scalars(db.select(MailDelivery)).all()
    assert delivery.process_id == process_id
    assert delivery.recipients == [officer_client.user.email, "tenancy-team@hackney.example"]
    assert delivery.attachment_key == document.storage_key

    activity = db.session.scalars(
        db.select(Activity).where(Activity.target_id == process_id).order_by(Activity.created_at.desc())
    ).first()
    assert activity.type == "update"
    assert activity.old_data["status"] == "in_progress"
    assert activity.new_data["status"] == "submitted"


def test_the_process_page_shows_the_submission_and_the_pdf_downloads(officer_client, complete_thc):
    officer_client.post(f"/processes/{complete_thc.id}/submit")

    page = parse(officer_client.get(f"/processes/{complete_thc.id}"))
    assert "submitted" in page.select_one(".govuk-notification-banner").get_text().lower()
    submission = page.select_one("[data-submission]")
    assert submission.select_one("[data-delivery-status]") is not None
    link = submission.select_one("a[data-pdf-link]")
    response = officer_client.get(link["href"])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert complete_thc.reference in text
    for answer in text_answers(complete_thc)[:5]:
        assert answer in text


def test_the_pdf_download_needs_a_signed_in_officer(app, officer_client, complete_thc):
    officer_client.post(f"/processes/{complete_thc.id}/submit")
    anonymous = app.test_client()

    response = anonymous.get(f"/processes/{complete_thc.id}/summary.pdf")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_submitted_visit_is_read_only(officer_client, complete_thc):
    officer_client.post(f"/processes/{complete_thc.id}/submit")

    page_key = complete_thc.layout_version.pages[0].key
    assert officer_client.post(f"/processes/{complete_thc.id}/pages/{page_key}", data={}).status_code == 409
    review = parse(officer_client.get(f"/processes/{complete_thc.id}/review"))
    assert review.select("form[action$='/submit']") == []
    assert not [a for a in review.select("a") if a.get_text(strip=True).startswith("Change")]


def test_submitting_twice_makes_one_pdf_and_one_email(officer_client, complete_thc):
    officer_client.post(f"/processes/{complete_thc.id}/submit")
    response = officer_client.post(f"/processes/{complete_thc.id}/submit", follow_redirects=True)

    assert "already submitted" in parse(response).select_one(".govuk-notification-banner").get_text()
    assert count(GeneratedDocument) == 1
    assert count(MailDelivery) == 1


def test_the_submitted_email_reaches_a_real_smtp_server_with_the_answers_in_its_pdf(
    officer_client, complete_thc, smtp_settings
):
    officer_client.post(f"/processes/{complete_thc.id}/submit")

    mail.send_due_deliveries()  # the background worker may already have sent it: then this sends none

    assert smtp_settings.wait_for(1)
    [received] = smtp_settings.messages
    assert complete_thc.reference in received.message["Subject"]
    [(_filename, content_type, data)] = received.attachments()
    assert content_type == "application/pdf"
    text = pdf_text(data)
    for answer in text_answers(complete_thc)[:5]:
        assert answer in text
    db.session.expire_all()
    assert db.session.scalars(db.select(MailDelivery)).one().status == "sent"


def test_the_api_refuses_an_incomplete_visit_naming_each_section(client, api_token, thc):
    response = client.post(f"/api/v1/processes/{thc.id}/submit", headers=api_token("processes:write"))

    assert response.status_code == 422
    messages = [e["developerMessage"] for e in response.get_json()["errors"]]
    assert len(messages) == len(thc.layout_version.sections)
    assert any("Present for check" in m for m in messages)


def test_the_api_submits_a_complete_visit_once(client, api_token, complete_thc):
    headers = api_token("processes:write", "processes:read")

    response = client.post(f"/api/v1/processes/{complete_thc.id}/submit", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "submitted"
    assert body["submittedAt"].endswith("Z")

    assert client.post(f"/api/v1/processes/{complete_thc.id}/submit", headers=headers).status_code == 409
    pdf_response = client.get(f"/api/v1/processes/{complete_thc.id}/pdf", headers=headers)
    assert pdf_response.status_code == 200
    assert complete_thc.reference in pdf_text(pdf_response.data)
