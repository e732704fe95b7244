"""The PDF summary: real WeasyPrint output read back with pypdf."""

import hashlib
import io

import pytest
from pypdf import PdfReader

from housing_app.extensions import db
from housing_app.models import GeneratedDocument
from housing_app.services import pdf as pdf_service
from housing_app.services.storage import get_storage
from tests.submission.factories import jpeg_bytes, sample_summary, saved_visit_id
from tests.submission.pdf_text import pdf_image_count, pdf_pages_text, pdf_text


def test_pdf_has_the_header_details_household_and_every_answer():
    text = pdf_text(pdf_service.render_process_summary_pdf(sample_summary()))
    for expected in [
        "Hackney Council",
        "Tenancy and Household Check",
        "THC-2026-000123",
        "Flat 12, Mare Street Estate, London E8 1HH",
        "Secure",
        "228008761",
        "Amara Okafor",
        "Tenant (responsible)",
        "Tunde Okafor",
        "Olivia Officer (officer@hackney.example)",
        "Started 23 November 2026 at 9:30am",
        "Submitted 23 November 2026 at 10:45am",
        "Is the property in good repair? No",
        "Which rooms need repairs? Kitchen, Bathroom",
        "Are there any pets? Yes, one cat called Biscuit",
        "Was photo ID seen? Yes",
        "Date of birth confirmed 19 March 1984",
    ]:
        assert expected in text, expected


def test_answers_are_grouped_by_household_member_then_section():
    text = pdf_text(pdf_service.render_process_summary_pdf(sample_summary()))
    order = [
        text.index("The whole household"),
        text.index("Property"),
        text.index("Is the property in good repair?"),
        text.index("Pets"),
        text.index("Are there any pets?"),
        text.rindex("Amara Okafor"),  # the member's own group comes after the household list
        text.index("Identity"),
        text.index("Was photo ID seen?"),
    ]
    assert order == sorted(order)


def test_every_page_has_page_x_of_y_and_the_footer():
    summary = sample_summary(extra_answers=80)
    pages = pdf_pages_text(pdf_service.render_process_summary_pdf(summary))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Tenancy and Household Check THC-2026-000123" in text
        assert "OFFICIAL-SENSITIVE" in text
        assert "Hackney Council – Manage a Tenancy" in text
    assert "Extra answer 79" in " ".join(pages)


def test_photos_are_embedded_from_storage():
    red, blue = jpeg_bytes((255, 0, 0)), jpeg_bytes((0, 0, 255))
    keys = [get_storage().save(photo, "photos", "jpg").key for photo in (red, blue)]
    with_photos = pdf_service.render_process_summary_pdf(sample_summary(photo_keys=keys))
    without_photo = pdf_service.render_process_summary_pdf(sample_summary())
    assert pdf_image_count(with_photos) == 2
    assert pdf_image_count(without_photo) == 0


def test_a_missing_photo_fails_the_pdf_instead_of_leaving_a_gap():
    with pytest.raises(pdf_service.PdfError, match="photo missing"):
        pdf_service.render_process_summary_pdf(sample_summary(photo_keys=["photos/ab/" + "a" * 32 + ".jpg"]))


@pytest.mark.parametrize("url", ["http://127.0.0.1/x.png", "file:///etc/passwd", "https://example.com/a.css"])
def test_the_pdf_never_fetches_network_or_local_files(url):
    with pytest.raises(pdf_service.PdfError, match="refusing"):
        pdf_service.StorageURLFetcher().fetch(url)


def test_text_cannot_break_out_of_the_footer_css():
    summary = sample_summary(reference='X" } body { display: none } @page { x: "')
    text = pdf_text(pdf_service.render_process_summary_pdf(summary))
    assert "Is the property in good repair? No" in text
    assert 'X" } body' in text


def test_stored_pdf_is_recorded_with_size_and_sha256(app):
    process_id = saved_visit_id()
    document = pdf_service.store_process_summary_pdf(process_id, sample_summary())
    db.session.commit()

    saved = db.session.get(GeneratedDocument, document.id)
    data = get_storage().read(saved.storage_key)
    assert saved.process_id == process_id
    assert saved.size == len(data) > 1000
    assert saved.sha256 == hashlib.sha256(data).hexdigest()
    assert saved.created_at.tzinfo is not None
    assert saved.filename == "tenancy-and-household-check-THC-2026-000123.pdf"
    assert PdfReader(io.BytesIO(data)).pages
    assert pdf_service.latest_process_summary(process_id).id == saved.id
