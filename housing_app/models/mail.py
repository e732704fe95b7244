"""Emails waiting to be sent, being sent, sent or failed: the durable outbox.

A delivery row is written in the same transaction as the change that causes the email, so an
email is never lost when the request succeeds, and never sent for a change that rolled back.
Workers (services.mail) claim a row atomically before sending it, so it is sent once.
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from housing_app.extensions import db
from housing_app.models.base import UTCDateTime, UUIDPrimaryKey, utcnow

MAIL_STATUSES = ("queued", "sending", "sent", "failed")


class MailDelivery(UUIDPrimaryKey, db.Model):
    __tablename__ = "mail_deliveries"
    __table_args__ = (Index("ix_mail_deliveries_status_next_attempt", "status", "next_attempt_at"),)

    # What the email is about (a process id for submitted visits); not a foreign key so the
    # outbox can carry any kind of email.
    process_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    recipients: Mapped[list] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    attachment_key: Mapped[str | None] = mapped_column(String(200))
    attachment_filename: Mapped[str | None] = mapped_column(String(200))

    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the next attempt is due; None once sent or when retries are used up.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the file backend wrote the message (no mail server configured).
    eml_filename: Mapped[str | None] = mapped_column(String(200))

    @property
    def gave_up(self) -> bool:
        return self.status == "failed" and self.next_attempt_at is None
