"""Starting processes, storing answers, section status and who may see what.

Every change is logged as an activity (target type "process") in the same transaction; callers
commit once.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from housing_app.extensions import db
from housing_app.lru import LRUCache
from housing_app.models import (
    Answer,
    Page,
    Process,
    ProcessPhoto,
    ProcessType,
    Section,
    SectionStatus,
    Tenure,
    User,
)
from housing_app.models.base import utcnow
from housing_app.processes.layouts import check_answer, is_question, is_visible
from housing_app.processes.reading import ProcessView
from housing_app.services import activity_log


class ProcessError(ValueError):
    """A request the process engine refuses, with a message for people."""


# --- starting ------------------------------------------------------------------------------


def tenure_snapshot(tenure: Tenure) -> dict:
    """The tenure and household at the start of a visit, JSON-ready (camelCase like the API)."""
    return {
        "id": str(tenure.id),
        "paymentReference": tenure.payment_reference,
        "address": tenure.asset_full_address,
        "postcode": tenure.asset_postcode,
        "uprn": tenure.asset_uprn,
        "tenureType": {"code": tenure.tenure_type_code, "description": tenure.tenure_type_description},
        "startOfTenureDate": tenure.start_of_tenure_date.isoformat() if tenure.start_of_tenure_date else None,
        "isActive": tenure.is_active,
        "householdMembers": [
            {
                "id": str(member.id),
                "type": member.type,
                "fullName": member.full_name,
                "isResponsible": member.is_responsible,
                "dateOfBirth": member.date_of_birth.isoformat() if member.date_of_birth else None,
                "personTenureType": member.person_tenure_type,
            }
            for member in tenure.household_members
        ],
    }


def process_record(process: Process) -> dict:
    """What the activity log keeps about a process record (not its answers)."""
    return {
        "reference": process.reference,
        "processType": process.process_type.code,
        "layoutVersion": process.layout_version.number,
        "tenureId": str(process.tenure_id),
        "crmInteractionGuid": str(process.crm_interaction_guid) if process.crm_interaction_guid else None,
        "officerId": str(process.officer_id),
        "status": process.status,
    }


def parse_crm_guid(value: str | None) -> uuid.UUID | None:
    """An optional CRM interaction GUID; ProcessError when given but not a GUID."""
    value = (value or "").strip().strip("{}")
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ProcessError(
            "Enter the CRM interaction GUID in the format 12345678-1234-1234-1234-123456789abc"
        ) from None


def start_process(
    tenure: Tenure, process_type: ProcessType, officer: User, crm_interaction_guid: uuid.UUID | None = None
) -> Process:
    """Create a process on the latest layout version; the caller commits."""
    version = process_type.latest_version
    if version is None:
        raise ProcessError(f"{process_type.name} has no layout loaded.")
    for _attempt in range(5):
        number = (db.session.scalar(db.select(db.func.max(Process.number))) or 0) + 1
        process = Process(
            number=number,
            reference=f"{process_type.reference_prefix}-{number:06d}",
            process_type=process_type,
            layout_version=version,
            tenure_id=tenure.id,
            crm_interaction_guid=crm_interaction_guid,
            officer_id=officer.id,
            status="in_progress",
            tenure_snapshot=tenure_snapshot(tenure),
        )
        savepoint = db.session.begin_nested()
        db.session.add(process)
        try:
            db.session.flush()
        except IntegrityError:  # another visit took the number first: take the next one
            savepoint.rollback()
            continue
        savepoint.commit()
        break
    else:
        raise ProcessError("Could not number the new visit; try again.")
    for section in version.sections:
        db.session.add(SectionStatus(process_id=process.id, section_id=section.id, status="incomplete"))
    activity_log.record("create", "process", process.id, None, process_record(process))
    return process


def update_process(process: Process, **changes) -> None:
    """Change record fields (crm_interaction_guid, officer_id, status) with an activity."""
    before = process_record(process)
    for name, value in changes.items():
        setattr(process, name, value)
    if changes.get("status") == "submitted" and process.submitted_at is None:
        process.submitted_at = utcnow()
    process.updated_at = utcnow()
    db.session.flush()
    activity_log.record("update", "process", process.id, before, process_record(process))


# --- pages and answers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One place an answer goes: a question, for the household or for one member."""

    element: dict
    member: dict | None

    @property
    def key(self) -> str:
        return self.element["key"]

    @property
    def contact_id(self) -> str | None:
        return self.member["id"] if self.member else None

    @property
    def field_name(self) -> str:
        return f"{self.key}__{self.member['id'].replace('-', '')}" if self.member else self.key


def page_slots(process: Process, page: Page) -> Iterator[Slot]:
    """Every question instance on a page, in order (per-member questions once per member)."""
    return slots_for(page, process.household_members)


def slots_for(page: Page, members: list[dict]) -> Iterator[Slot]:
    """page_slots for a household given as its members."""
    for element in page.elements:
        if not is_question(element):
            continue
        if element.get("perMember"):
            for member in members:
                yield Slot(element, member)
        else:
            yield Slot(element, None)


def slot_visible(slot: Slot, answer_for: Callable[[str, str | None], object]) -> bool:
    """Apply showWhen: a per-member condition reads the same member's answer."""

    def lookup(key):
        value = answer_for(key, slot.contact_id)
        if value is None and slot.contact_id is not None:
            value = answer_for(key, None)
        return value

    return is_visible(slot.element, lookup)


def stored_answers(process: Process) -> dict[tuple[str, str | None], Answer]:
    return {(a.key, str(a.contact_id) if a.contact_id else None): a for a in process.answers}


def answer_values(process: Process) -> dict[tuple[str, str | None], object]:
    """{(key, contact_id): value} of the process's answers. Read as plain rows when its answers
    are not loaded (a page GET needs the values, not an object per answer); from the loaded
    answers otherwise, which may hold changes not yet flushed. A ProcessView reads its own."""
    if isinstance(process, ProcessView):
        return process.answer_values()
    if "answers" in sa.inspect(process).unloaded:
        rows = db.session.execute(
            db.select(Answer.key, Answer.contact_id, Answer.value).where(Answer.process_id == process.id)
        )
        return {(key, str(contact_id) if contact_id else None): value for key, contact_id, value in rows}
    return {slot: answer.value for slot, answer in stored_answers(process).items()}


def photo_checker(process: Process) -> Callable[[str], bool]:
    """Whether the visit has a photo with this id. Its photos' ids are read when first asked:
    most pages have no photo question, and a save checks every answer on its page."""
    ids: set[str] | None = None

    def photo_exists(photo_id: str) -> bool:
        nonlocal ids
        if ids is None:
            query = db.select(ProcessPhoto.id).where(ProcessPhoto.process_id == process.id)
            ids = {str(i) for i in db.session.scalars(query)}
        return photo_id in ids

    return photo_exists


def find_page(process: Process, page_key: str) -> Page | None:
    """The page of the process's layout version with this key (one query: not every page of
    the version, nor its whole definition)."""
    query = (
        db.select(Page)
        .where(Page.layout_version_id == process.layout_version_id, Page.key == page_key)
        .options(joinedload(Page.section))  # its title heads the page
    )
    return db.session.scalar(query)


@dataclass(frozen=True)
class SectionTitle:
    id: uuid.UUID
    title: str


@dataclass(frozen=True)
class PageLayout:
    """What showing a page needs of its row (id, key, title, elements, its section's title),
    kept once read: a page row never changes (a changed layout is a new version with new pages),
    and reading it (its elements are the page's whole layout, as JSON) cost a process page's
    GET as much as rendering its questions. Nothing here is a resident's."""

    id: uuid.UUID
    key: str
    title: str
    elements: list[dict]
    section: SectionTitle


_page_layouts = LRUCache(512)


def page_layout(process: Process, page_key: str) -> PageLayout | None:
    """find_page's page as a PageLayout, read from the database once per worker."""
    cache_key = (process.layout_version_id, page_key)
    layout = _page_layouts.get(cache_key)
    if layout is None:
        page = find_page(process, page_key)
        if page is None:
            return None
        section = SectionTitle(page.section.id, page.section.title)
        layout = PageLayout(page.id, page.key, page.title, page.elements, section)
        _page_layouts.put(cache_key, layout)
    return layout


def save_page_answers(process: Process, page: Page, values: dict[tuple[str, str | None], object]) -> bool:
    """Store answers for `page` given as {(key, contact_id): value}; empty values delete the
    answer. Logs one activity with the changed answers. Returns whether anything changed."""
    if process.is_submitted:
        raise ProcessError("This visit has been submitted and can no longer be changed.")
    existing = stored_answers(process)
    before, after = {}, {}
    for (key, contact_id), value in values.items():
        label = f"{key}:{contact_id}" if contact_id else key
        answer = existing.get((key, contact_id))
        old = answer.value if answer else None
        if old == value or (old is None and value in ("", [], None)):
            continue
        before[label], after[label] = old, value
        if value in ("", [], None):
            if answer is not None:
                process.answers.remove(answer)
        elif answer is None:
            process.answers.append(
                Answer(
                    page_id=page.id,
                    key=key,
                    contact_id=uuid.UUID(contact_id) if contact_id else None,
                    value=value,
                )
            )
        else:
            answer.value = value
            answer.page_id = page.id
    if not after:
        return False
    process.updated_at = utcnow()
    db.session.flush()
    refresh_section_status(process, page.section)
    activity_log.record("update", "process", process.id, {"answers": before}, {"answers": after})
    return True


def load_visit_for_save(process_id: uuid.UUID, options=()) -> Process | None:
    """The visit, locked until the commit, for a save that reads what it changes: two saves of
    one visit at once (a double click on "Save and continue", the API and a browser) take
    turns, and the second reads what the first saved. Without it both read the answers before
    either wrote and both added the ones they did not find (the one-answer-per-question indexes
    of migration 0009 now refuse the second).

    PostgreSQL: its row, FOR NO KEY UPDATE (rows that refer to it, a photo say, can still be
    added). SQLite has no row locks: a write to the visit's row, changing nothing (updated_at
    set to itself, so its onupdate is not applied), takes the database's write lock first
    (other saves wait for it, up to the connection's timeout)."""
    if db.session.get_bind().dialect.name == "sqlite":
        table = Process.__table__
        unchanged = table.c.updated_at
        db.session.execute(sa.update(table).where(table.c.id == process_id).values(updated_at=unchanged))
    lock = {"of": Process, "key_share": True}
    return db.session.get(Process, process_id, options=options, with_for_update=lock)


# --- section status --------------------------------------------------------------------------


def section_problems(process: Process, section: Section, values=None, photo_exists=None) -> list[str]:
    """Why a section is not complete: the errors of its visible questions' stored answers."""
    values = answer_values(process) if values is None else values
    photo_exists = photo_exists or photo_checker(process)

    def answer_for(key, contact_id):
        return values.get((key, contact_id))

    problems = []
    for page in section.pages:
        for slot in page_slots(process, page):
            if not slot_visible(slot, answer_for):
                continue
            error = check_answer(slot.element, values.get((slot.key, slot.contact_id)), photo_exists)
            if error:
                who = f" ({slot.member['fullName']})" if slot.member else ""
                problems.append(f"{page.title}: {error}{who}")
    return problems


def refresh_section_status(process: Process, section: Section) -> str:
    status = "incomplete" if section_problems(process, section) else "complete"
    row = db.session.get(SectionStatus, (process.id, section.id))
    if row is None:
        row = SectionStatus(process_id=process.id, section_id=section.id)
        db.session.add(row)
    row.status = status
    return status


def section_statuses(process: Process) -> dict[uuid.UUID, str]:
    rows = {row.section_id: row.status for row in process.section_statuses}
    return {section.id: rows.get(section.id, "incomplete") for section in process.layout_version.sections}


def incomplete_sections(process: Process) -> list[Section]:
    """Sections whose required answers are missing or invalid (checked afresh, not cached)."""
    values, photo_exists = answer_values(process), photo_checker(process)
    return [
        section
        for section in process.layout_version.sections
        if section_problems(process, section, values, photo_exists)
    ]


def all_sections_complete(process: Process) -> bool:
    return not incomplete_sections(process)


# --- access ----------------------------------------------------------------------------------


def can_access(user: User, process: Process) -> bool:
    """Officers see their own visits; managers their team's; admins all."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_admin or process.officer_id == user.id:
        return True
    return bool(user.is_manager and user.team and process.officer and process.officer.team == user.team)


def visible_processes_query(user: User):
    query = db.select(Process).order_by(Process.updated_at.desc(), Process.id)
    if user.is_admin:
        return query
    if user.is_manager and user.team:
        team = db.select(User.id).where(User.team == user.team)
        return query.where(db.or_(Process.officer_id == user.id, Process.officer_id.in_(team)))
    return query.where(Process.officer_id == user.id)


def process_types() -> list[ProcessType]:
    """Process types that have a layout loaded, by name."""
    types = db.session.scalars(db.select(ProcessType).order_by(ProcessType.name)).all()
    return [t for t in types if t.versions]
