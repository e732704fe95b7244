"""`flask mail`: run the mail worker and resend failed emails."""

import time

import click
from flask import current_app
from flask.cli import AppGroup

from housing_app.extensions import db
from housing_app.models import MailDelivery
from housing_app.services import mail

mail_cli = AppGroup("mail", help="Send queued emails and resend failed ones.")


def _summary(counts: dict) -> str:
    return f"{counts['sent']} sent, {counts['failed']} failed, {counts['skipped']} skipped"


@mail_cli.command("retry")
def retry_command():
    """Resend every failed email now (whatever its backoff or number of attempts)."""
    counts = mail.retry_failed()
    click.echo(f"Retried failed emails: {_summary(counts)}.")
    if counts["failed"]:
        raise SystemExit(1)


@mail_cli.command("work")
@click.option("--burst", is_flag=True, help="Send everything due now, then exit.")
def work_command(burst):
    """Send queued emails as they fall due (the worker for deployments without the in-process
    thread; safe next to RQ workers and other `mail work` processes)."""
    if burst:
        click.echo(f"Sent due emails: {_summary(mail.send_due_deliveries())}.")
        return
    poll = current_app.config["MAIL_POLL_SECONDS"]
    click.echo(f"Mail worker running; checking every {poll} seconds. Ctrl+C to stop.")
    try:
        while True:
            counts = mail.send_due_deliveries()
            if counts["sent"] or counts["failed"]:
                click.echo(_summary(counts))
            db.session.remove()
            time.sleep(poll)
    except KeyboardInterrupt:
        click.echo("Stopped.")


@mail_cli.command("status")
def status_command():
    """Count emails by status."""
    query = db.select(MailDelivery.status, db.func.count()).group_by(MailDelivery.status)
    rows = db.session.execute(query.order_by(MailDelivery.status)).all()
    for status, count in rows:
        click.echo(f"{status}\t{count}")
    if not rows:
        click.echo("No emails.")
