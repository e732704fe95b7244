"""The activity history: one log of every change to any entity."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from housing_app.extensions import db
from housing_app.models.base import UTCDateTime, UUIDPrimaryKey

ACTIVITY_TYPES = ("create", "update", "delete", "migrate")
TARGET_TYPES = (
    "tenure",
    "person",
    "contract",
    "process",
    "asset",
    "user",
    "contactDetails",
    "equalityInformation",
    "note",
    "repair",
)


def precise_utcnow() -> datetime:
    """Now in UTC to the microsecond: orders records made within one second as they were made
    (the API still shows whole seconds)."""
    return datetime.now(UTC)


class Activity(UUIDPrimaryKey, db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        # Newest-first history of one target, paged by (created_at, id).
        Index("ix_activities_target_created", "target_id", "created_at", "id"),
    )

    type: Mapped[str] = mapped_column(String(20))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=precise_utcnow)
    old_data: Mapped[dict | None] = mapped_column(JSON)
    new_data: Mapped[dict | None] = mapped_column(JSON)
    author_id: Mapped[uuid.UUID | None]
    author_full_name: Mapped[str | None] = mapped_column(String(200))
    author_email: Mapped[str | None] = mapped_column(String(254))

    @property
    def author_details(self) -> dict:
        return {"id": self.author_id, "full_name": self.author_full_name, "email": self.author_email}
