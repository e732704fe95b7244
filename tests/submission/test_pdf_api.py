"""GET /api/v1/processes/{id}/pdf."""

import hashlib
import io
import uuid

from pypdf import PdfReader

from housing_app.extensions import db
from housing_app.services import pdf as pdf_service
from tests.submission.factories import sample_summary, saved_visit_id
from tests.submission.pdf_text import pdf_text


def stored_pdf():
    process_id = saved_visit_id()
    document = pdf_service.store_process_summary_pdf(process_id, sample_summary())
    db.session.commit()
    return process_id, document


def test_a_token_with_processes_read_downloads_the_pdf(client, api_token):
    process_id, document = stored_pdf()
    response = client.get(f"/api/v1/processes/{process_id}/pdf", headers=api_token("processes:read"))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["ETag"] == f'"{document.sha256}"'
    assert hashlib.sha256(response.data).hexdigest() == document.sha256
    assert response.headers["Content-Disposition"] == f'attachment; filename="{document.filename}"'
    assert PdfReader(io.BytesIO(response.data)).pages
    assert "Are there any pets? Yes, one cat called Biscuit" in pdf_text(response.data)


def test_an_unchanged_pdf_is_not_sent_again(client, api_token):
    process_id, document = stored_pdf()
    headers = api_token("processes:read") | {"If-None-Match": f'"{document.sha256}"'}
    response = client.get(f"/api/v1/processes/{process_id}/pdf", headers=headers)
    assert response.status_code == 304
    assert response.data == b""


def test_without_the_scope_or_a_token_it_is_refused(client, api_token):
    process_id, _document = stored_pdf()
    url = f"/api/v1/processes/{process_id}/pdf"

    response = client.get(url)
    assert response.status_code == 401
    assert response.json["errors"][0]["developerMessage"].startswith("Send an API token")

    response = client.get(url, headers=api_token("tenures:read"))
    assert response.status_code == 403
    assert "processes:read" in response.json["errors"][0]["developerMessage"]


def test_no_pdf_yet_is_a_404_in_the_standard_format(client, api_token):
    response = client.get(f"/api/v1/processes/{uuid.uuid4()}/pdf", headers=api_token("processes:read"))
    assert response.status_code == 404
    [error] = response.json["errors"]
    assert "has not been submitted" in error["developerMessage"]
    assert error["userMessage"].startswith("There is no PDF for this process yet")


def test_the_pdf_endpoint_is_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/processes/{process_id}/pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]
    assert {"401", "403", "404"} <= set(operation["responses"])
