"""GET /api/v1/processes/{id}/pdf: the PDF summary of a submitted process."""

import uuid

from flask import Response, request

from housing_app.api.auth import require_scope
from housing_app.api.blueprint import Blueprint
from housing_app.api.errors import ApiError
from housing_app.services import pdf
from housing_app.services.storage import StorageError

blp = Blueprint(
    "process_documents",
    __name__,
    url_prefix="/api/v1/processes",
    description="Documents generated for processes (the PDF summary made on submission)",
)

PDF_RESPONSE = {
    "description": "The PDF summary. `ETag` is the SHA-256 of the file; send it back in "
    "`If-None-Match` to get a 304 when it has not changed.",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}


@blp.route("/<uuid:process_id>/pdf")
@blp.doc(responses={"200": PDF_RESPONSE, "304": {"description": "Not modified"}})
@blp.alt_response(401, description="No valid API token")
@blp.alt_response(403, description="The token lacks processes:read")
@blp.alt_response(404, description="No such process, or it has not been submitted yet")
@require_scope("processes:read")
def process_pdf(process_id: uuid.UUID):
    """Download the PDF summary of a submitted process (scope `processes:read`)."""
    document = pdf.latest_process_summary(process_id)
    if document is None:
        raise ApiError(
            404,
            f"No PDF for process {process_id}: it does not exist or has not been submitted.",
            "There is no PDF for this process yet. It is made when the process is submitted.",
        )
    etag = document.sha256
    if etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    try:
        data = pdf.read_document(document)
    except StorageError:
        raise ApiError(500, "The PDF file is missing from storage.") from None
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "ETag": f'"{etag}"',
            "Content-Disposition": f'attachment; filename="{document.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
