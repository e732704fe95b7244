"""Summaries and photos for the submission tests, built directly from the ProcessSummary
dataclasses (the process engine builds the same shape from a process's answers)."""

import io
import uuid
from datetime import UTC, datetime

from PIL import Image

from housing_app.processes.loader import load_shipped_definitions
from housing_app.services.summary import (
    HouseholdMemberSummary,
    ProcessSummary,
    SummaryAnswer,
    SummaryGroup,
    SummarySection,
)
from tests.conftest import make_user
from tests.processes.conftest import make_tenure, start


def jpeg_bytes(colour=(0, 102, 79), size=(320, 240)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def sample_summary(photo_keys=(), extra_answers=0, reference="THC-2026-000123") -> ProcessSummary:
    household_sections = [
        SummarySection(
            "Property",
            [
                SummaryAnswer("Is the property in good repair?", "No"),
                SummaryAnswer("Which rooms need repairs?", "Kitchen, Bathroom", photo_keys=list(photo_keys)),
            ]
            + [SummaryAnswer(f"Extra question {n}", f"Extra answer {n}") for n in range(extra_answers)],
        ),
        SummarySection("Pets", [SummaryAnswer("Are there any pets?", "Yes, one cat called Biscuit")]),
    ]
    member_sections = [
        SummarySection(
            "Identity",
            [
                SummaryAnswer("Was photo ID seen?", "Yes"),
                SummaryAnswer("Date of birth confirmed", "19 March 1984"),
            ],
        )
    ]
    return ProcessSummary(
        reference=reference,
        process_type_name="Tenancy and Household Check",
        tenure_address="Flat 12, Mare Street Estate, London E8 1HH",
        payment_reference="228008761",
        tenure_type="Secure",
        household=[
            HouseholdMemberSummary("Amara Okafor", "Tenant (responsible)", "19 March 1984"),
            HouseholdMemberSummary("Tunde Okafor", "Household member", None),
        ],
        officer_name="Olivia Officer",
        officer_email="officer@hackney.example",
        started_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        submitted_at=datetime(2026, 11, 23, 10, 45, tzinfo=UTC),
        groups=[
            SummaryGroup("The whole household", None, household_sections),
            SummaryGroup("Amara Okafor", "c0ffee00-0000-4000-8000-000000000001", member_sections),
        ],
    )


def saved_visit_id() -> uuid.UUID:
    """The id of a visit saved in the database: a generated document must name one."""
    load_shipped_definitions()
    return start(make_tenure(), make_user()).id
