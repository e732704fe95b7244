"""Durable mail delivery against a real SMTP server on loopback, real Redis/RQ and real files."""

import email
import email.policy
import threading
import time
import uuid
from datetime import timedelta

import pytest
from rq import SimpleWorker

from housing_app.extensions import db
from housing_app.models import MailDelivery
from housing_app.models.base import utcnow
from housing_app.services import mail
from housing_app.services.storage import get_storage
from tests.submission.conftest import app_settings
from tests.submission.smtp import free_port


def queue_and_commit(**overrides) -> uuid.UUID:
    fields = {
        "recipients": ["officer@hackney.example", "team@hackney.example"],
        "subject": "Tenancy and Household Check submitted: THC-1",
        "text_body": "Plain text body",
        "html_body": "<p>HTML body</p>",
    } | overrides
    delivery = mail.queue_email(**fields)
    db.session.commit()
    return delivery.id


def reload(delivery_id) -> MailDelivery:
    db.session.expire_all()
    return db.session.get(MailDelivery, delivery_id)


def make_due(delivery_id) -> None:
    db.session.get(MailDelivery, delivery_id).next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_queue_email_joins_the_callers_transaction():
    mail.queue_email(["a@hackney.example"], "Rolled back", "text")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(MailDelivery)) == 0

    delivery_id = queue_and_commit()
    delivery = reload(delivery_id)
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("queued", 0, None)
    assert delivery.recipients == ["officer@hackney.example", "team@hackney.example"]


def test_queue_email_needs_a_recipient_and_dedupes_them():
    with pytest.raises(mail.MailError):
        mail.queue_email(["", "  "], "No one", "text")
    delivery = mail.queue_email(["a@hackney.example", "a@hackney.example", "b@hackney.example"], "S", "t")
    assert delivery.recipients == ["a@hackney.example", "b@hackney.example"]


def test_delivered_over_smtp_with_text_html_and_the_pdf_attached(smtp_settings):
    pdf = b"%PDF-1.7 pretend summary"
    stored = get_storage().save(pdf, "pdfs", "pdf")
    delivery_id = queue_and_commit(attachment_key=stored.key, attachment_filename="summary.pdf")

    assert mail.send_due_deliveries() == {"sent": 1, "failed": 0, "skipped": 0}

    [received] = smtp_settings.messages
    assert sorted(received.rcpt_tos) == ["officer@hackney.example", "team@hackney.example"]
    assert received.mail_from == "manage-a-tenancy@hackney.example"
    assert received.message["Subject"] == "Tenancy and Household Check submitted: THC-1"
    assert received.message["Message-ID"] == f"<{delivery_id}@manage-a-tenancy.hackney>"
    assert received.body("plain").strip() == "Plain text body"
    assert received.body("html").strip() == "<p>HTML body</p>"
    assert received.attachments() == [("summary.pdf", "application/pdf", pdf)]

    delivery = reload(delivery_id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("sent", 1, None)
    assert delivery.sent_at is not None and delivery.last_error is None


def test_smtp_down_then_up_is_retried_with_backoff_and_delivered_exactly_once(app, smtp_settings):
    smtp_settings.stop()
    delivery_id = queue_and_commit()

    assert mail.send_due_deliveries()["failed"] == 1
    delivery = reload(delivery_id)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "ConnectionRefusedError" in delivery.last_error
    assert timedelta(seconds=25) < delivery.next_attempt_at - utcnow() <= timedelta(seconds=30)

    # Not due yet: nothing is attempted.
    assert mail.send_due_deliveries() == {"sent": 0, "failed": 0, "skipped": 0}
    make_due(delivery_id)
    assert mail.send_due_deliveries()["failed"] == 1
    delivery = reload(delivery_id)
    assert delivery.attempts == 2
    assert timedelta(seconds=55) < delivery.next_attempt_at - utcnow() <= timedelta(seconds=60)

    smtp_settings.start()
    make_due(delivery_id)
    assert mail.send_due_deliveries()["sent"] == 1
    # Whatever runs afterwards, a sent delivery is never sent again.
    assert mail.send_due_deliveries()["sent"] == 0
    assert mail.send_delivery(delivery_id) == "skipped"
    assert mail.send_delivery(delivery_id, force=True) == "skipped"
    assert mail.retry_failed()["sent"] == 0

    assert len(smtp_settings.messages) == 1
    delivery = reload(delivery_id)
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert "ConnectionRefusedError" in delivery.last_error  # the history of what went wrong stays


def test_gives_up_after_max_attempts_and_mail_retry_resends(app, runner, smtp_settings):
    smtp_settings.stop()
    with app_settings(app, MAIL_MAX_ATTEMPTS=2, MAIL_RETRY_BASE_SECONDS=0):
        delivery_id = queue_and_commit()
        mail.send_due_deliveries()
        mail.send_due_deliveries()
        delivery = reload(delivery_id)
        assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
        assert delivery.gave_up
        assert mail.send_due_deliveries() == {"sent": 0, "failed": 0, "skipped": 0}

        result = runner.invoke(args=["mail", "retry"])
        assert result.exit_code == 1
        assert "0 sent, 1 failed" in result.output

        smtp_settings.start()
        result = runner.invoke(args=["mail", "retry"])
        assert result.exit_code == 0, result.output
        assert "1 sent, 0 failed" in result.output
    assert len(smtp_settings.messages) == 1
    assert reload(delivery_id).status == "sent"


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (5, 480), (8, 3600), (20, 3600)]
)
def test_backoff_doubles_up_to_the_cap(attempts, seconds):
    assert mail.retry_delay(attempts) == timedelta(seconds=seconds)


def test_concurrent_workers_send_a_delivery_once(app, smtp_settings):
    delivery_id = queue_and_commit()
    barrier = threading.Barrier(4)
    outcomes = []

    def worker():
        with app.app_context():
            barrier.wait()
            outcomes.append(mail.send_delivery(delivery_id))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(smtp_settings.messages) == 1
    assert reload(delivery_id).attempts == 1


def test_a_delivery_left_sending_by_a_dead_worker_is_claimed_again_after_the_timeout(smtp_settings):
    delivery_id = queue_and_commit()
    delivery = db.session.get(MailDelivery, delivery_id)
    delivery.status, delivery.attempts, delivery.claimed_at = "sending", 1, utcnow() - timedelta(seconds=30)
    db.session.commit()
    assert mail.send_due_deliveries()["sent"] == 0  # another worker may still be sending it

    delivery = db.session.get(MailDelivery, delivery_id)
    delivery.claimed_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    assert mail.send_due_deliveries()["sent"] == 1
    assert len(smtp_settings.messages) == 1
    assert reload(delivery_id).attempts == 2


def test_without_a_mail_server_messages_are_written_as_eml_files(app):
    assert not app.config.get("MAIL_SERVER")
    stored = get_storage().save(b"%PDF-1.7 eml test", "pdfs", "pdf")
    delivery_id = queue_and_commit(attachment_key=stored.key, attachment_filename="summary.pdf")

    assert mail.send_due_deliveries()["sent"] == 1

    delivery = reload(delivery_id)
    [path] = mail.eml_files()
    assert path.name == delivery.eml_filename and str(delivery_id) in path.name
    assert mail.eml_path(path.name) == path
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert sorted(message["To"].split(", ")) == ["officer@hackney.example", "team@hackney.example"]
    assert message.get_body(("plain",)).get_content().strip() == "Plain text body"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "summary.pdf"
    assert attachment.get_payload(decode=True) == b"%PDF-1.7 eml test"


@pytest.mark.parametrize("name", ["../secret_key", "x.eml", "", "20261123T100000Z-../../a.eml"])
def test_eml_names_cannot_escape_the_outbox(name):
    assert mail.eml_path(name) is None


def test_the_background_worker_sends_after_commit_and_polls_for_retries(app, smtp_settings):
    with app_settings(app, MAIL_BACKGROUND_WORKER=True, MAIL_POLL_SECONDS=0.2, MAIL_RETRY_BASE_SECONDS=0):
        worker = mail.background_worker(app)
        try:
            smtp_settings.stop()
            delivery_id = queue_and_commit()  # the commit wakes the worker
            assert wait_for(lambda: reload(delivery_id).last_error is not None)
            assert "ConnectionRefusedError" in reload(delivery_id).last_error

            smtp_settings.start()  # the worker's next poll delivers it
            assert wait_for(lambda: reload(delivery_id).status == "sent")
        finally:
            worker.stop()
            app.extensions.pop("mail_worker", None)
    assert worker.thread is not None and not worker.thread.is_alive()
    assert len(smtp_settings.messages) == 1


def test_a_rollback_hands_nothing_to_the_worker(app, redis_url):
    queue_name = f"test-mail-{uuid.uuid4().hex}"
    with app_settings(app, REDIS_URL=redis_url, MAIL_RQ_QUEUE=queue_name):
        queue = mail.rq_queue(app)
        try:
            mail.queue_email(["a@hackney.example"], "Rolled back", "text")
            db.session.rollback()
            db.session.commit()
            assert queue.count == 0
        finally:
            queue.delete(delete_jobs=True)


def test_with_redis_a_committed_delivery_becomes_an_rq_job_that_sends_it(app, redis_url, smtp_settings):
    queue_name = f"test-mail-{uuid.uuid4().hex}"
    with app_settings(app, REDIS_URL=redis_url, MAIL_RQ_QUEUE=queue_name):
        queue = mail.rq_queue(app)
        try:
            delivery_id = queue_and_commit()
            assert queue.count == 1
            assert queue.jobs[0].args == (str(delivery_id),)

            SimpleWorker([queue], connection=queue.connection).work(burst=True)

            assert reload(delivery_id).status == "sent"
            assert len(smtp_settings.messages) == 1
            assert queue.count == 0
        finally:
            queue.delete(delete_jobs=True)


def test_with_redis_a_failed_send_is_recorded_and_rescheduled(app, redis_url, smtp_settings):
    smtp_settings.stop()
    queue_name = f"test-mail-{uuid.uuid4().hex}"
    with app_settings(app, REDIS_URL=redis_url, MAIL_RQ_QUEUE=queue_name):
        queue = mail.rq_queue(app)
        try:
            delivery_id = queue_and_commit()
            SimpleWorker([queue], connection=queue.connection).work(burst=True)

            delivery = reload(delivery_id)
            assert (delivery.status, delivery.attempts) == ("failed", 1)
            assert "ConnectionRefusedError" in delivery.last_error
            assert queue.scheduled_job_registry.count == 1
        finally:
            registry = queue.scheduled_job_registry
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
            queue.delete(delete_jobs=True)


def test_an_unreachable_redis_leaves_the_delivery_queued(app, smtp_settings):
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    with app_settings(app, REDIS_URL=dead_redis):
        delivery_id = queue_and_commit()
    assert reload(delivery_id).status == "queued"
    assert mail.send_due_deliveries()["sent"] == 1  # `flask mail work` picks it up
    assert len(smtp_settings.messages) == 1


def test_mail_work_burst_and_status_commands(runner, smtp_settings):
    queue_and_commit()
    queue_and_commit()
    result = runner.invoke(args=["mail", "work", "--burst"])
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 failed" in result.output
    assert len(smtp_settings.messages) == 2
    result = runner.invoke(args=["mail", "status"])
    assert result.output.strip() == "sent\t2"
