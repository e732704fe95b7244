"""What a finished visit says, independent of how it is shown: the review page, the PDF and the
email all read a ProcessSummary built from a process's answers (see processes.review)."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SummaryAnswer:
    question: str
    answer: str  # already formatted for people: "Yes", "19 March 2024", "Kitchen, Bathroom"
    photo_keys: list[str] = field(default_factory=list)  # storage keys (services.storage)


@dataclass
class SummarySection:
    title: str
    answers: list[SummaryAnswer]


@dataclass
class SummaryGroup:
    """Answers about one household member (contact_id set) or the whole household (None)."""

    heading: str
    contact_id: str | None
    sections: list[SummarySection]


@dataclass
class HouseholdMemberSummary:
    name: str
    role: str  # e.g. "Tenant (responsible)", "Household member"
    date_of_birth: str | None = None


@dataclass
class ProcessSummary:
    reference: str
    process_type_name: str
    tenure_address: str
    payment_reference: str | None
    tenure_type: str | None
    household: list[HouseholdMemberSummary]
    officer_name: str
    officer_email: str
    started_at: datetime
    submitted_at: datetime | None
    groups: list[SummaryGroup]  # the whole household first, then each member
