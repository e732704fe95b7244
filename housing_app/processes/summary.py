"""Build the ProcessSummary (services.summary) of a process: the review page, the PDF and the
email all read it. Groups come household first, then one per household member (contact id),
each split by section in layout order; only questions that apply (showWhen) are included."""

from dataclasses import dataclass, field

from housing_app.extensions import db
from housing_app.models import Process, ProcessPhoto
from housing_app.processes.layouts import format_answer
from housing_app.processes.service import answer_values, page_slots, slot_visible
from housing_app.services.summary import (
    HouseholdMemberSummary,
    ProcessSummary,
    SummaryAnswer,
    SummaryGroup,
    SummarySection,
)

HOUSEHOLD_HEADING = "Household and home"


@dataclass
class ReviewAnswer(SummaryAnswer):
    """A SummaryAnswer that also knows where it came from, for "Change" links and the API."""

    key: str = ""
    page_key: str = ""
    contact_id: str | None = None
    value: object = None
    photo_ids: list[str] = field(default_factory=list)


@dataclass
class ReviewSection(SummarySection):
    key: str = ""
    first_page_key: str = ""


def member_role(member: dict) -> str:
    kind = member.get("personTenureType") or "Household member"
    kind = "Household member" if kind == "HouseholdMember" else kind
    return f"{kind} (responsible)" if member.get("isResponsible") else kind


def build_process_summary(process: Process) -> ProcessSummary:
    values = answer_values(process)
    photos = {
        str(photo.id): photo
        for photo in db.session.scalars(db.select(ProcessPhoto).where(ProcessPhoto.process_id == process.id))
    }
    members = process.household_members
    groups = [SummaryGroup(heading=HOUSEHOLD_HEADING, contact_id=None, sections=[])]
    groups += [SummaryGroup(heading=m["fullName"], contact_id=m["id"], sections=[]) for m in members]
    by_contact = {group.contact_id: group for group in groups}

    def answer_for(key, contact_id):
        return values.get((key, contact_id))

    for section in process.layout_version.sections:
        section_answers: dict[str | None, list[ReviewAnswer]] = {}
        for page in section.pages:
            for slot in page_slots(process, page):
                if not slot_visible(slot, answer_for):
                    continue
                value = values.get((slot.key, slot.contact_id))
                photo_ids = _photo_ids(slot.element, value)
                section_answers.setdefault(slot.contact_id, []).append(
                    ReviewAnswer(
                        question=slot.element["label"],
                        answer=format_answer(slot.element, value),
                        photo_keys=[photos[i].storage_key for i in photo_ids if i in photos],
                        key=slot.key,
                        page_key=page.key,
                        contact_id=slot.contact_id,
                        value=value,
                        photo_ids=[i for i in photo_ids if i in photos],
                    )
                )
        for contact_id, answers in section_answers.items():
            by_contact[contact_id].sections.append(
                ReviewSection(
                    title=section.title, answers=answers, key=section.key, first_page_key=answers[0].page_key
                )
            )

    snapshot = process.tenure_snapshot
    tenure_type = (snapshot.get("tenureType") or {}).get("description")
    return ProcessSummary(
        reference=process.reference,
        process_type_name=process.process_type.name,
        tenure_address=process.address,
        payment_reference=snapshot.get("paymentReference"),
        tenure_type=tenure_type,
        household=[
            HouseholdMemberSummary(
                name=m["fullName"],
                role=member_role(m),
                date_of_birth=format_answer({"type": "date"}, m["dateOfBirth"])
                if m.get("dateOfBirth")
                else None,
            )
            for m in members
        ],
        officer_name=process.officer.name,
        officer_email=process.officer.email,
        started_at=process.created_at,
        submitted_at=process.submitted_at,
        groups=[group for group in groups if group.sections],
    )


def _photo_ids(element: dict, value) -> list[str]:
    if element["type"] == "photo" and isinstance(value, list):
        return [str(v) for v in value]
    if element["type"] == "signature" and isinstance(value, str):
        return [value]
    return []
