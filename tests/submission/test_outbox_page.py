"""The admin outbox page: every email with its status, and the .eml files."""

import pytest

from housing_app.extensions import db
from housing_app.models import MailDelivery
from housing_app.services import mail
from tests.conftest import make_user, sign_in
from tests.html import csrf_token, parse


@pytest.fixture
def admin_client(app):
    client = app.test_client()
    assert sign_in(client, make_user("admin", name="Ada Admin")).status_code == 302
    return client


def queue(subject="Visit submitted: THC-1", recipients=("officer@hackney.example",)):
    delivery = mail.queue_email(list(recipients), subject, "text")
    db.session.commit()
    return delivery.id


def test_admin_sees_each_email_with_its_status_and_the_eml_files(admin_client):
    sent_id = queue("Sent one")
    mail.send_due_deliveries()  # no mail server: written as an .eml file
    failed_id = queue("Failing one")
    failed = db.session.get(MailDelivery, failed_id)
    failed.status, failed.attempts, failed.last_error = "failed", 3, "SMTPServerDisconnected: gone"
    db.session.commit()

    page = parse(admin_client.get("/admin/outbox"))

    rows = {row["data-delivery-id"]: row for row in page.select("tr[data-delivery-id]")}
    assert rows[str(sent_id)].select_one("[data-status]")["data-status"] == "sent"
    assert "Sent one" in rows[str(sent_id)].text
    failed_row = rows[str(failed_id)]
    assert failed_row.select_one("[data-status]")["data-status"] == "failed"
    assert "SMTPServerDisconnected: gone" in failed_row.text
    assert "officer@hackney.example" in failed_row.text
    [link] = page.select("[data-eml-files] a")
    assert str(sent_id) in link.text

    download = admin_client.get(link["href"])
    assert download.status_code == 200
    assert download.mimetype == "message/rfc822"
    assert b"Subject: Sent one" in download.data


def test_admin_can_resend_failed_emails_from_the_page(app, admin_client, csrf_enabled):
    failed_id = queue("Failing one")
    failed = db.session.get(MailDelivery, failed_id)
    failed.status, failed.attempts, failed.next_attempt_at = "failed", 8, None
    db.session.commit()
    page = parse(admin_client.get("/admin/outbox"))

    assert admin_client.post("/admin/outbox/retry", data={}).status_code == 400  # no CSRF token
    response = admin_client.post("/admin/outbox/retry", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MailDelivery, failed_id).status == "sent"


@pytest.mark.parametrize("name", ["..%2Fsecret_key", "nothing.eml", "20261123T100000Z-" + "0" * 36 + ".eml"])
def test_unknown_or_unsafe_file_names_are_not_found(admin_client, name):
    assert admin_client.get(f"/admin/outbox/files/{name}").status_code == 404


def test_officers_may_not_see_the_outbox(officer_client):
    assert officer_client.get("/admin/outbox").status_code == 403
    assert officer_client.post("/admin/outbox/retry").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/outbox")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_empty_outbox(admin_client):
    page = parse(admin_client.get("/admin/outbox"))
    assert page.select_one("[data-empty-state]").text == "No emails yet."
