"""Manage a Tenancy processes: layouts kept as data, and the visits officers carry out with them.

A process type (e.g. Tenancy and Household Check) has numbered layout versions; each version has
sections, and each section pages whose `layout` is a JSON document of ordered elements (see
docs/process-layouts.md). A process records the version it started on and always uses it.
Answers are key/value rows: one per process, question key and household member (contact).
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from housing_app.extensions import db
from housing_app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow

PROCESS_STATUSES = ("in_progress", "submitted")
SECTION_STATUSES = ("complete", "incomplete")


class ProcessType(UUIDPrimaryKey, db.Model):
    __tablename__ = "process_types"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    reference_prefix: Mapped[str] = mapped_column(String(10))

    versions: Mapped[list["LayoutVersion"]] = relationship(
        back_populates="process_type", order_by="LayoutVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest_version(self) -> "LayoutVersion | None":
        return self.versions[-1] if self.versions else None


class LayoutVersion(UUIDPrimaryKey, db.Model):
    """One immutable set of sections and pages for a process type."""

    __tablename__ = "layout_versions"
    __table_args__ = (UniqueConstraint("process_type_id", "number"),)

    process_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_types.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the canonical definition JSON: loading an unchanged definition makes no version.
    checksum: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    process_type: Mapped[ProcessType] = relationship(back_populates="versions")
    sections: Mapped[list["Section"]] = relationship(
        back_populates="layout_version", order_by="Section.position", cascade="all, delete-orphan"
    )

    @property
    def pages(self) -> list["Page"]:
        return [page for section in self.sections for page in section.pages]


class Section(UUIDPrimaryKey, db.Model):
    __tablename__ = "process_sections"
    __table_args__ = (UniqueConstraint("layout_version_id", "key"),)

    layout_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("layout_versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)

    layout_version: Mapped[LayoutVersion] = relationship(back_populates="sections")
    pages: Mapped[list["Page"]] = relationship(
        back_populates="section", order_by="Page.position", cascade="all, delete-orphan"
    )


class Page(UUIDPrimaryKey, db.Model):
    """One screen of a process. `layout` is {"title", "elements": [...]}."""

    __tablename__ = "process_pages"
    __table_args__ = (UniqueConstraint("layout_version_id", "key"),)

    layout_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("layout_versions.id", ondelete="CASCADE"))
    section_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_sections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    layout: Mapped[dict] = mapped_column(JSON)

    section: Mapped[Section] = relationship(back_populates="pages")
    layout_version: Mapped[LayoutVersion] = relationship()

    @property
    def elements(self) -> list[dict]:
        return self.layout.get("elements", [])

    @property
    def questions(self) -> list[dict]:
        from housing_app.processes.layouts import QUESTION_TYPES

        return [e for e in self.elements if e["type"] in QUESTION_TYPES]


class Process(UUIDPrimaryKey, Timestamps, db.Model):
    """One visit: a process type's layout version applied to a tenure by an officer."""

    __tablename__ = "processes"
    __table_args__ = (Index("ix_processes_officer_updated", "officer_id", "updated_at"),)

    number: Mapped[int] = mapped_column(Integer, unique=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    process_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_types.id"))
    layout_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("layout_versions.id"))
    tenure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenures.id"), index=True)
    crm_interaction_guid: Mapped[uuid.UUID | None]
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    # The tenure and household as they were when the visit started (see processes.service).
    tenure_snapshot: Mapped[dict] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    process_type: Mapped[ProcessType] = relationship()
    layout_version: Mapped[LayoutVersion] = relationship()
    tenure = relationship("Tenure")
    officer = relationship("User")
    answers: Mapped[list["Answer"]] = relationship(back_populates="process", cascade="all, delete-orphan")
    section_statuses: Mapped[list["SectionStatus"]] = relationship(
        back_populates="process", cascade="all, delete-orphan"
    )

    @property
    def is_submitted(self) -> bool:
        return self.status == "submitted"

    @property
    def household_members(self) -> list[dict]:
        """People in the household at the start (snapshot), responsible tenants first."""
        return [
            m for m in self.tenure_snapshot.get("householdMembers", []) if m.get("type", "person") == "person"
        ]

    @property
    def address(self) -> str:
        return self.tenure_snapshot.get("address") or ""


class Answer(UUIDPrimaryKey, db.Model):
    """One answer: a question key on a page, about the household (contact_id None) or one member."""

    __tablename__ = "process_answers"
    # One answer per question about the household, and per question and member (migration 0009).
    __table_args__ = (
        Index("ix_process_answers_process_key", "process_id", "key"),
        Index(
            "ux_process_answers_household_question",
            "process_id",
            "key",
            unique=True,
            sqlite_where=text("contact_id IS NULL"),
            postgresql_where=text("contact_id IS NULL"),
        ),
        Index(
            "ux_process_answers_member_question",
            "process_id",
            "key",
            "contact_id",
            unique=True,
            sqlite_where=text("contact_id IS NOT NULL"),
            postgresql_where=text("contact_id IS NOT NULL"),
        ),
    )

    process_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    page_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_pages.id"))
    key: Mapped[str] = mapped_column(String(100))
    contact_id: Mapped[uuid.UUID | None]
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    process: Mapped[Process] = relationship(back_populates="answers")


class SectionStatus(db.Model):
    __tablename__ = "process_section_statuses"

    process_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_sections.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="incomplete")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    process: Mapped[Process] = relationship(back_populates="section_statuses")
    section: Mapped[Section] = relationship()


class ProcessPhoto(UUIDPrimaryKey, db.Model):
    """A photo (or drawn signature) uploaded during a process; answers refer to it by id."""

    __tablename__ = "process_photos"

    process_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
