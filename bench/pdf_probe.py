"""Time and peak memory of the full Tenancy and Household Check PDF, in a process of its own.

    python -m bench.pdf_probe --repeat 3     # prints JSON

The summary is the largest an officer would produce: six household members, every section of
the visit answered for the household and for each member, and ten photos stored as the product
stores uploads (longest side 2,400 px, JPEG quality 85; camera-like content, not flat colour).
The product's own renderer (`housing_app.services.pdf.render_process_summary_pdf`) makes the
PDF. Peak memory is the process's peak resident set (VmHWM) while rendering, reset just before.
"""

import argparse
import contextlib
import importlib
import io
import json
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PHOTO_SIZE = (2400, 1800)
HOUSEHOLD_SECTIONS = {
    "Present for the check": ["Who was present?", "Was the tenant present?", "Was an interpreter needed?"],
    "Tenant ID check": ["Which ID was seen?", "ID number (last four characters)", "Photo of the ID"],
    "Proof of residency": ["Which proof of residency was seen?", "Date on the document"],
    "Next of kin": ["Next of kin's name", "Relationship", "Phone number", "Address"],
    "Carer": ["Does anyone have a carer?", "Carer's name", "Carer's organisation"],
    "Rent and arrears": [
        "Was rent discussed?",
        "Is the account in arrears?",
        "Agreed action",
        "Referral made",
    ],
    "Property inspection": [
        "Kitchen condition",
        "Bathroom condition",
        "Living room condition",
        "Bedrooms condition",
        "Signs of damp or mould",
        "Repairs needed",
        "Smoke alarm tested",
        "Unauthorised alterations",
    ],
    "Health, disability and wellbeing": ["Any support needs?", "Adaptations needed", "Referrals made"],
    "Any other comments": ["Comments"],
    "Review and sign-off": ["Tenant's declaration", "Signed by", "Date signed"],
}
MEMBER_SECTIONS = {
    "Household member's details": [
        "Full name confirmed",
        "Date of birth confirmed",
        "Relationship to tenant",
    ],
    "Identity": ["Was photo ID seen?", "Type of ID"],
    "Contact details": ["Phone number", "Email address"],
    "Support needs": ["Any support needs?", "Details"],
}


def camera_like_jpeg(rng: random.Random) -> bytes:
    """A photo-sized JPEG with gradients and noise, so it compresses like a real picture."""
    from PIL import Image, ImageFilter

    small = Image.effect_noise((PHOTO_SIZE[0] // 8, PHOTO_SIZE[1] // 8), 60).convert("RGB")
    tint = Image.new("RGB", small.size, (rng.randint(60, 200), rng.randint(60, 200), rng.randint(60, 200)))
    image = Image.blend(small, tint, 0.5).resize(PHOTO_SIZE).filter(ImageFilter.GaussianBlur(1))
    image = Image.blend(image, Image.effect_noise(PHOTO_SIZE, 25).convert("RGB"), 0.25)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def full_summary(photo_keys: list[str]):
    from housing_app.services.summary import (
        HouseholdMemberSummary,
        ProcessSummary,
        SummaryAnswer,
        SummaryGroup,
        SummarySection,
    )

    rng = random.Random(7)
    members = [
        ("Amara Okafor", "Tenant (responsible)", "19 March 1984"),
        ("Tunde Okafor", "Joint tenant", "2 June 1982"),
        ("Chidi Okafor", "Household member", "11 January 2006"),
        ("Ngozi Okafor", "Household member", "30 August 2009"),
        ("Emeka Okafor", "Household member", "5 May 2013"),
        ("Grace Adeyemi", "Household member", "14 February 1951"),
    ]
    photos = iter(photo_keys)
    household_sections = []
    for title, questions in HOUSEHOLD_SECTIONS.items():
        answers = []
        for question in questions:
            wants_photo = "Photo" in question or "condition" in question
            keys = [key for key in [next(photos, None)] if key] if wants_photo else []
            answers.append(
                SummaryAnswer(
                    question,
                    f"Answer to '{question}': " + "noted during the visit. " * rng.randint(1, 6),
                    photo_keys=keys,
                )
            )
        household_sections.append(SummarySection(title, answers))
    # Any photos not yet placed go with the property inspection's repairs answer.
    leftover = list(photos)
    household_sections[6].answers[5].photo_keys.extend(leftover)
    groups = [SummaryGroup("The whole household", None, household_sections)]
    for index, (name, _role, _born) in enumerate(members):
        sections = [
            SummarySection(title, [SummaryAnswer(q, f"{q}: confirmed with {name}.") for q in questions])
            for title, questions in MEMBER_SECTIONS.items()
        ]
        groups.append(SummaryGroup(name, f"c0ffee00-0000-4000-8000-{index:012d}", sections))
    return ProcessSummary(
        reference="THC-2026-000123",
        process_type_name="Tenancy and Household Check",
        tenure_address="Flat 12, Kings Crescent Estate, London N4 2XX",
        payment_reference="228008761",
        tenure_type="Secure",
        household=[HouseholdMemberSummary(*member) for member in members],
        officer_name="Bench Officer",
        officer_email="bench.officer@hackney.example",
        started_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        submitted_at=datetime(2026, 11, 23, 10, 45, tzinfo=UTC),
        groups=groups,
    )


def peak_rss_mb() -> float:
    match = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--photos", type=int, default=10)
    args = parser.parse_args(argv)

    from housing_app import create_app
    from housing_app.services.storage import get_storage

    render_process_summary_pdf = importlib.import_module(
        "housing_app.services.pdf"
    ).render_process_summary_pdf

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": "bench-only-secret-key",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/unused.sqlite",
                "UPLOAD_FOLDER": f"{folder}/uploads",
                "LOG_LEVEL": "WARNING",
            }
        )
        rng = random.Random(11)
        with app.test_request_context():
            storage = get_storage()
            keys = [storage.save(camera_like_jpeg(rng), "photos", "jpg").key for _ in range(args.photos)]
            photo_bytes = sum(storage.local_path(k).stat().st_size for k in keys)
            summary = full_summary(keys)
            times, peaks, size = [], [], 0
            for _ in range(args.repeat):
                reset_peak()
                started = time.perf_counter()
                pdf = render_process_summary_pdf(summary)
                times.append(time.perf_counter() - started)
                peaks.append(peak_rss_mb())
                size = len(pdf)
    pages = None
    try:
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    except ImportError:
        pass
    result = {
        "seconds": round(statistics.median(times), 3),
        "secondsEach": [round(t, 3) for t in times],
        "peakMemoryMb": round(max(peaks), 1),
        "pdfBytes": size,
        "pages": pages,
        "photos": args.photos,
        "photoBytes": photo_bytes,
        "householdMembers": len(summary.household),
    }
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
