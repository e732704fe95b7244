"""The PDF summary of a process, made with WeasyPrint from its own print template.

    document = store_process_summary_pdf(process_id, summary)   # adds a GeneratedDocument
    db.session.commit()

Nothing is fetched over the network: photos come from the storage module by key (`storage:KEY`
URLs answered by our url_fetcher), styles are inlined, and any other URL is refused.
"""

import logging
import re
import uuid

from flask import render_template
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from housing_app.extensions import db
from housing_app.models import GeneratedDocument
from housing_app.models.base import utcnow
from housing_app.services.storage import StorageError, get_storage
from housing_app.services.summary import ProcessSummary

logger = logging.getLogger("housing_app.pdf")

STORAGE_SCHEME = "storage:"
IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


class PdfError(Exception):
    pass


def css_string(value: str) -> str:
    """Escape text for use inside a double-quoted CSS string."""
    return re.sub(r'["\\\n\r\f]', lambda m: f"\\{ord(m.group()):x} ", value or "")


class StorageURLFetcher(URLFetcher):
    """Answers `storage:KEY` from the storage module and `data:` URIs; refuses everything else,
    so a PDF never makes a network request or reads a local file. Any failure stops the PDF
    rather than leaving a silent gap in the council's record."""

    def __init__(self):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True)

    def fetch(self, url, headers=None):
        if url.startswith(STORAGE_SCHEME):
            key = url[len(STORAGE_SCHEME) :]
            extension = key.rsplit(".", 1)[-1].lower()
            try:
                data = get_storage().read(key)
            except StorageError as exc:
                raise PdfError(f"photo missing from storage: {key}") from exc
            content_type = IMAGE_TYPES.get(extension, "application/octet-stream")
            return URLFetcherResponse(url, data, headers={"Content-Type": content_type})
        if url.startswith("data:"):
            return super().fetch(url, headers)
        raise PdfError(f"refusing to fetch a {url.split(':', 1)[0]} URL while making a PDF")


def footer_text(summary: ProcessSummary) -> str:
    return f"{summary.process_type_name} {summary.reference} – OFFICIAL-SENSITIVE"


def render_process_summary_html(summary: ProcessSummary) -> str:
    return render_template(
        "print/process_summary.html",
        summary=summary,
        reference_css=css_string(f"Reference {summary.reference}"),
        footer_css=css_string(footer_text(summary)),
    )


def render_process_summary_pdf(summary: ProcessSummary) -> bytes:
    """The PDF bytes for `summary`."""
    html = render_process_summary_html(summary)
    try:
        return HTML(string=html, url_fetcher=StorageURLFetcher()).write_pdf()
    except FatalURLFetchingError as exc:
        raise PdfError(str(exc.__cause__ or exc)) from exc


def pdf_filename(summary: ProcessSummary) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", summary.process_type_name.lower()).strip("-")
    reference = re.sub(r"[^A-Za-z0-9-]+", "-", summary.reference).strip("-")
    return f"{slug}-{reference}.pdf"


def store_process_summary_pdf(process_id: uuid.UUID, summary: ProcessSummary) -> GeneratedDocument:
    """Render, store and record the PDF in the caller's transaction (no commit)."""
    pdf = render_process_summary_pdf(summary)
    stored = get_storage().save(pdf, "pdfs", "pdf")
    document = GeneratedDocument(
        process_id=process_id,
        kind="process_summary",
        storage_key=stored.key,
        filename=pdf_filename(summary),
        content_type="application/pdf",
        size=stored.size,
        sha256=stored.sha256,
        created_at=utcnow(),
    )
    db.session.add(document)
    logger.info("PDF summary stored", extra={"fields": {"processId": str(process_id), "bytes": stored.size}})
    return document


def latest_process_summary(process_id: uuid.UUID) -> GeneratedDocument | None:
    return db.session.scalar(
        db.select(GeneratedDocument)
        .where(GeneratedDocument.process_id == process_id, GeneratedDocument.kind == "process_summary")
        .order_by(GeneratedDocument.created_at.desc())
        .limit(1)
    )


def read_document(document: GeneratedDocument) -> bytes:
    return get_storage().read(document.storage_key)
