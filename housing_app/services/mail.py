"""Durable email: an outbox table, sent by a worker with retries, never lost and never sent twice.

    delivery = queue_email(["jo@hackney.gov.uk"], "Subject", text, html, attachment_key=key)
    db.session.commit()   # the delivery is saved with the change that caused it

`queue_email` only adds a row to the caller's transaction. Once that transaction commits, the
delivery is handed to a worker:

- `REDIS_URL` set: an RQ job on the `MAIL_RQ_QUEUE` queue (run `rq worker --with-scheduler`);
- otherwise: an in-process background thread that also polls for anything due.

A worker claims a row with one atomic UPDATE (status -> 'sending') before sending, so two
workers can never both send it. Failures are recorded (attempts, last error) and retried with
exponential backoff until `MAIL_MAX_ATTEMPTS`; `flask mail retry` resends what failed. A row left
'sending' by a worker that died is claimed again after `MAIL_SENDING_TIMEOUT_SECONDS` (the one
case in which a message might go out twice; its Message-ID is stable so mail clients merge it).

Without `MAIL_SERVER` (the `make run` default) messages are written as .eml files under
`MAIL_OUTBOX_FOLDER` instead of being sent.
"""

import logging
import os
import re
import smtplib
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from flask_mail import Connection, Message
from sqlalchemy import and_, event, or_, update
from sqlalchemy.orm import Session

from housing_app.extensions import db
from housing_app.extensions import mail as mail_extension
from housing_app.models import MailDelivery
from housing_app.models.base import utcnow
from housing_app.services.storage import get_storage

logger = logging.getLogger("housing_app.mail")

_PENDING = "housing_app.mail.pending"
_EML_NAME = re.compile(r"^[0-9TZ]{16}-[0-9a-f-]{36}\.eml$")


class MailError(Exception):
    pass


# --- queueing ---------------------------------------------------------------------------------


def queue_email(
    recipients: list[str],
    subject: str,
    text_body: str,
    html_body: str | None = None,
    attachment_key: str | None = None,
    attachment_filename: str | None = None,
    process_id: uuid.UUID | None = None,
) -> MailDelivery:
    """Add a delivery to the caller's transaction (no commit). It is sent after the commit."""
    unique_recipients = list(dict.fromkeys(r.strip() for r in recipients if r and r.strip()))
    if not unique_recipients:
        raise MailError("an email needs at least one recipient")
    if attachment_key and not attachment_filename:
        raise MailError("an attachment needs a filename")
    now = utcnow()
    delivery = MailDelivery(
        id=uuid.uuid4(),
        process_id=process_id,
        recipients=unique_recipients,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        attachment_key=attachment_key,
        attachment_filename=attachment_filename,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(delivery)
    db.session.info.setdefault(_PENDING, []).append((current_app._get_current_object(), delivery.id))
    return delivery


@event.listens_for(Session, "after_commit")
def _hand_over_after_commit(session):
    for app, delivery_id in session.info.pop(_PENDING, []):
        dispatch(app, delivery_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def dispatch(app: Flask, delivery_id: uuid.UUID) -> None:
    """Tell a worker about a committed delivery. If this fails the row is still queued, and the
    background worker or `flask mail work` picks it up: nothing is lost."""
    if app.config.get("REDIS_URL"):
        try:
            enqueue_rq(app, delivery_id)
        except Exception:
            logger.warning("could not enqueue mail job", extra={"fields": {"deliveryId": str(delivery_id)}})
    elif app.config.get("MAIL_BACKGROUND_WORKER"):
        background_worker(app).wake()


# --- sending ----------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_SECONDS"]))


def _claimable(now, force: bool):
    stale = now - timedelta(seconds=current_app.config["MAIL_SENDING_TIMEOUT_SECONDS"])
    waiting = MailDelivery.status.in_(("queued", "failed"))
    if not force:
        waiting = and_(waiting, MailDelivery.next_attempt_at <= now)
    return or_(waiting, and_(MailDelivery.status == "sending", MailDelivery.claimed_at < stale))


def claim(delivery_id: uuid.UUID, force: bool = False) -> bool:
    """Atomically mark a delivery as being sent by this worker; False if another worker has it,
    it was already sent, or it is not due."""
    now = utcnow()
    result = db.session.execute(
        update(MailDelivery)
        .where(MailDelivery.id == delivery_id, _claimable(now, force))
        .values(status="sending", claimed_at=now, attempts=MailDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def send_delivery(delivery_id: uuid.UUID, force: bool = False) -> str:
    """Try to send one delivery. Returns 'sent', 'failed' or 'skipped' (not claimable).
    `force` ignores the backoff and the attempt limit (for `flask mail retry`)."""
    if not claim(delivery_id, force):
        return "skipped"
    delivery = db.session.get(MailDelivery, delivery_id, populate_existing=True)
    try:
        eml_filename = transmit(build_message(delivery), delivery)
    except Exception as exc:
        _record_failure(delivery, exc)
        return "failed"
    delivery.status = "sent"
    delivery.sent_at = utcnow()
    delivery.next_attempt_at = None
    delivery.claimed_at = None
    delivery.eml_filename = eml_filename
    db.session.commit()
    fields = {"deliveryId": str(delivery.id), "attempts": delivery.attempts, "file": bool(eml_filename)}
    logger.info("mail sent", extra={"fields": fields})
    return "sent"


def _record_failure(delivery: MailDelivery, exc: Exception) -> None:
    db.session.rollback()
    delivery = db.session.get(MailDelivery, delivery.id, populate_existing=True)
    delivery.status = "failed"
    delivery.claimed_at = None
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if delivery.attempts < current_app.config["MAIL_MAX_ATTEMPTS"]:
        delivery.next_attempt_at = utcnow() + retry_delay(delivery.attempts)
    else:
        delivery.next_attempt_at = None  # gave up; `flask mail retry` can still resend it
    db.session.commit()
    logger.warning(
        "mail delivery failed",
        extra={
            "fields": {
                "deliveryId": str(delivery.id),
                "attempts": delivery.attempts,
                "error": type(exc).__name__,
                "retrying": delivery.next_attempt_at is not None,
            }
        },
    )


def build_message(delivery: MailDelivery) -> Message:
    message = Message(
        subject=delivery.subject,
        recipients=list(delivery.recipients),
        body=delivery.text_body,
        html=delivery.html_body,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"X-Delivery-Id": str(delivery.id)},
    )
    # The same Message-ID on every attempt, so a rare resend is recognisably the same email.
    message.msgId = f"<{delivery.id}@manage-a-tenancy.hackney>"
    message.date = time.time()
    if delivery.attachment_key:
        data = get_storage().read(delivery.attachment_key)
        message.attach(delivery.attachment_filename, "application/pdf", data)
    return message


class _TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so a silent server cannot hang a worker."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT_SECONDS"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def transmit(message: Message, delivery: MailDelivery) -> str | None:
    """Send through SMTP, or write an .eml file when no mail server is configured (returns its
    name). Settings are read now, not at start-up, so they can change without a restart."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return write_eml(message, delivery)
    state = mail_extension.init_mail(config, debug=False, testing=False)
    with _TimeoutConnection(state) as connection:
        connection.send(message)
    return None


def outbox_folder() -> Path:
    return Path(current_app.config["MAIL_OUTBOX_FOLDER"])


def write_eml(message: Message, delivery: MailDelivery) -> str:
    folder = outbox_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{delivery.created_at:%Y%m%dT%H%M%SZ}-{delivery.id}.eml"
    temporary = folder / f".{name}.part"
    temporary.write_bytes(message.as_bytes())
    os.replace(temporary, folder / name)  # the same name on a resend: never two files
    return name


def eml_files() -> list[Path]:
    folder = outbox_folder()
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if _EML_NAME.match(p.name)), reverse=True)


def eml_path(name: str) -> Path | None:
    """The .eml file called `name` in the outbox folder, or None (never a path outside it)."""
    if not _EML_NAME.match(name or ""):
        return None
    path = outbox_folder() / name
    return path if path.is_file() else None


# --- workers ----------------------------------------------------------------------------------


def due_delivery_ids(limit: int = 100) -> list[uuid.UUID]:
    return list(
        db.session.scalars(
            db.select(MailDelivery.id)
            .where(_claimable(utcnow(), force=False))
            .order_by(MailDelivery.next_attempt_at)
            .limit(limit)
        )
    )


def send_due_deliveries(limit: int = 100) -> dict[str, int]:
    """Send everything due now, one claim at a time. Returns counts by outcome."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for delivery_id in due_delivery_ids(limit):
        counts[send_delivery(delivery_id)] += 1
    return counts


def retry_failed() -> dict[str, int]:
    """Resend every failed delivery now, whatever its backoff or attempt count."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    failed = db.session.scalars(db.select(MailDelivery.id).where(MailDelivery.status == "failed")).all()
    for delivery_id in failed:
        counts[send_delivery(delivery_id, force=True)] += 1
    return counts


class BackgroundWorker:
    """A daemon thread sending due deliveries: woken after each commit that queued mail, and
    polling every MAIL_POLL_SECONDS for retries and anything left over from a restart."""

    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self.thread is not None and self.thread.is_alive():
                return
            self._stop.clear()
            self.thread = threading.Thread(target=self._run, name="mail-worker", daemon=True)
            self.thread.start()

    def wake(self) -> None:
        self.start()
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            with self.app.app_context():
                try:
                    send_due_deliveries()
                except Exception:
                    logger.exception("mail worker pass failed; trying again later")
                finally:
                    db.session.remove()
            self._wake.wait(self.app.config["MAIL_POLL_SECONDS"])


_worker_lock = threading.Lock()


def background_worker(app: Flask) -> BackgroundWorker:
    with _worker_lock:
        worker = app.extensions.get("mail_worker")
        if worker is None:
            worker = app.extensions["mail_worker"] = BackgroundWorker(app)
        return worker


# --- RQ ---------------------------------------------------------------------------------------


def rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    return Queue(app.config["MAIL_RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))


def enqueue_rq(app: Flask, delivery_id: uuid.UUID, delay: timedelta | None = None) -> None:
    queue = rq_queue(app)
    if delay:
        queue.enqueue_in(delay, deliver_job, str(delivery_id))
    else:
        queue.enqueue(deliver_job, str(delivery_id))


_job_app: Flask | None = None


def deliver_job(delivery_id: str) -> str:
    """The RQ job: one attempt; on failure the retry is scheduled with the backoff delay."""
    if has_app_context():
        return _deliver_and_reschedule(uuid.UUID(delivery_id))
    global _job_app
    if _job_app is None:
        from housing_app import create_app

        _job_app = create_app()
    with _job_app.app_context():
        try:
            return _deliver_and_reschedule(uuid.UUID(delivery_id))
        finally:
            db.session.remove()


def _deliver_and_reschedule(delivery_id: uuid.UUID) -> str:
    outcome = send_delivery(delivery_id)
    if outcome == "failed":
        delivery = db.session.get(MailDelivery, delivery_id)
        if delivery.next_attempt_at is not None:
            enqueue_rq(current_app._get_current_object(), delivery_id, delivery.next_attempt_at - utcnow())
    return outcome


def init_app(app: Flask) -> None:
    """Start the in-process worker with the first request (not for CLI commands such as
    `flask db upgrade`, which run before the tables exist)."""
    if app.config.get("REDIS_URL") or not app.config.get("MAIL_BACKGROUND_WORKER"):
        return

    @app.before_request
    def start_mail_worker():
        running = app.extensions.get("mail_worker")
        if running is not None and running.thread is not None:
            return  # every request after the first: no lock to take
        worker = background_worker(app)
        if worker.thread is None:
            worker.start()
