"""Read a PDF back the way someone opening it would: its text, page by page."""

import hashlib
import io

from pypdf import PdfReader


def pdf_pages_text(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_pages_text(pdf))


def pdf_image_count(pdf: bytes) -> int:
    """Distinct images (WeasyPrint shares one resource dictionary between pages)."""
    reader = PdfReader(io.BytesIO(pdf))
    return len({hashlib.sha256(image.data).hexdigest() for page in reader.pages for image in page.images})
