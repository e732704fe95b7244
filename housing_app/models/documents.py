"""Files the app generates about a record, e.g. the PDF summary of a submitted process.

The bytes live in the storage module (services.storage); this table records what was made, when,
and a SHA-256 so a download can be checked against what was sent.
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from housing_app.extensions import db
from housing_app.models.base import UTCDateTime, UUIDPrimaryKey, utcnow

DOCUMENT_KINDS = ("process_summary",)


class GeneratedDocument(UUIDPrimaryKey, db.Model):
    __tablename__ = "generated_documents"

    # No ON DELETE: a visit with a PDF cannot be deleted (0011_generated_documents_visit).
    process_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("processes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="process_summary")
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
