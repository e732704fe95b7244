"""The process engine API (Tenancy Management Process API): page layouts by page id, process
records, key/value responses validated against the layout, section status and the review
grouped by contact id. Scopes: processes:read, processes:write."""

import uuid

from flask import g, request, send_file, url_for
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from housing_app.api.auth import require_scope
from housing_app.api.blueprint import Blueprint
from housing_app.api.errors import ApiError, error_item
from housing_app.api.fields import CamelCaseSchema, ErrorsSchema, RFC3339DateTime
from housing_app.api.value_fields import check_data
from housing_app.extensions import db
from housing_app.models import Answer, Page, Process, ProcessPhoto, ProcessType, Tenure, User
from housing_app.processes import photos as photo_store
from housing_app.processes.layouts import check_answer, is_question
from housing_app.processes.service import (
    ProcessError,
    can_access,
    load_visit_for_save,
    photo_checker,
    save_page_answers,
    section_problems,
    start_process,
    update_process,
)
from housing_app.processes.summary import build_process_summary
from housing_app.services.storage import StorageError, get_storage
from housing_app.services.submission import NotReadyToSubmit, submit_process

blp = Blueprint(
    "processes_api",
    __name__,
    url_prefix="/api/v1/processes",
    description="Manage a Tenancy processes: layouts, process records, responses, status and review",
)

MAX_LIMIT = 500
EXAMPLE_PROCESS_ID = "5f2a4b8e-0c1d-4e7a-9b3c-2d1e0f9a8b7c"
EXAMPLE_PAGE_ID = "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
EXAMPLE_CONTACT_ID = "11111111-1111-4111-8111-111111111111"


# --- schemas -----------------------------------------------------------------------------


class ProcessTypeSchema(CamelCaseSchema):
    code = fields.String(metadata={"example": "tenancy_household_check"})
    name = fields.String(metadata={"example": "Tenancy and Household Check"})


class OfficerSchema(CamelCaseSchema):
    id = fields.UUID()
    name = fields.String(metadata={"example": "Olivia Officer"})
    email = fields.String(metadata={"example": "olivia.officer@hackney.gov.uk"})


class PageRefSchema(CamelCaseSchema):
    page_id = fields.UUID(metadata={"example": EXAMPLE_PAGE_ID})
    key = fields.String(metadata={"example": "present-for-check"})
    title = fields.String(metadata={"example": "Present for check"})
    section_key = fields.String(metadata={"example": "visit"})


class ProcessSchema(CamelCaseSchema):
    id = fields.UUID(metadata={"example": EXAMPLE_PROCESS_ID})
    reference = fields.String(metadata={"example": "THC-000123"})
    process_type = fields.Nested(ProcessTypeSchema)
    layout_version = fields.Integer(metadata={"example": 1})
    tenure_id = fields.UUID()
    crm_interaction_guid = fields.UUID(
        allow_none=True, metadata={"example": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}
    )
    officer = fields.Nested(OfficerSchema)
    status = fields.String(metadata={"example": "in_progress", "enum": ["in_progress", "submitted"]})
    created_at = RFC3339DateTime()
    updated_at = RFC3339DateTime()
    submitted_at = RFC3339DateTime(allow_none=True)
    tenure_snapshot = fields.Dict(
        metadata={
            "description": "The tenure and household when the process started",
            "example": {
                "id": "0b7e1f4e-3c2a-4d5b-8e9f-1a2b3c4d5e6f",
                "paymentReference": "228008911",
                "address": "Flat 3, 14 Mare Street, London E8 1HH",
                "householdMembers": [
                    {"id": EXAMPLE_CONTACT_ID, "fullName": "Amina Okafor", "isResponsible": True}
                ],
            },
        }
    )
    pages = fields.List(fields.Nested(PageRefSchema))


class ProcessCreateSchema(CamelCaseSchema):
    tenure_id = fields.UUID(required=True, metadata={"example": "0b7e1f4e-3c2a-4d5b-8e9f-1a2b3c4d5e6f"})
    process_type = fields.String(
        required=True,
        validate=validate.Length(min=1, max=60),
        metadata={"example": "tenancy_household_check", "description": "A process type code"},
    )
    crm_interaction_guid = fields.UUID(
        allow_none=True, load_default=None, metadata={"example": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}
    )
    officer_email = fields.Email(
        required=True,
        metadata={
            "example": "olivia.officer@hackney.gov.uk",
            "description": "The officer carrying out the visit",
        },
    )


class ProcessPatchSchema(CamelCaseSchema):
    crm_interaction_guid = fields.UUID(
        allow_none=True, metadata={"example": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}
    )
    officer_email = fields.Email(metadata={"example": "olivia.officer@hackney.gov.uk"})


class LayoutElementSchema(CamelCaseSchema):
    """One element of a page layout, as stored: see docs/process-layouts.md."""

    class Meta:
        unknown = "include"

    type = fields.String(metadata={"example": "yesno"})
    key = fields.String(metadata={"example": "tenantPresent"})
    label = fields.String(metadata={"example": "Is the tenant present for the check?"})
    required = fields.Boolean(metadata={"example": True})
    per_member = fields.Boolean(metadata={"example": False})
    show_when = fields.Dict(metadata={"example": {"key": "tenantPresent", "equals": "no"}})
    options = fields.List(fields.Dict(), metadata={"example": [{"value": "yes", "label": "Yes"}]})


class SectionRefSchema(CamelCaseSchema):
    key = fields.String(metadata={"example": "visit"})
    title = fields.String(metadata={"example": "Present for check"})


class PageLayoutSchema(CamelCaseSchema):
    page_id = fields.UUID(metadata={"example": EXAMPLE_PAGE_ID})
    key = fields.String(metadata={"example": "present-for-check"})
    title = fields.String(metadata={"example": "Present for check"})
    process_type = fields.Nested(ProcessTypeSchema)
    layout_version = fields.Integer(metadata={"example": 1})
    section = fields.Nested(SectionRefSchema)
    elements = fields.List(fields.Dict(), metadata={"description": "Ordered layout elements (key/value)"})


class ResponseItemSchema(CamelCaseSchema):
    page_id = fields.UUID(metadata={"example": EXAMPLE_PAGE_ID})
    page_key = fields.String(metadata={"example": "present-for-check"})
    key = fields.String(metadata={"example": "tenantPresent"})
    contact_id = fields.UUID(allow_none=True, metadata={"example": None})
    value = fields.Raw(allow_none=True, metadata={"example": "yes"})
    updated_at = RFC3339DateTime()


class ResponseResultSetSchema(CamelCaseSchema):
    count = fields.Integer(metadata={"example": 42})
    offset = fields.Integer(metadata={"example": 0})
    limit = fields.Integer(metadata={"example": 100})


class ResponseListMetadataSchema(CamelCaseSchema):
    resultset = fields.Nested(ResponseResultSetSchema)


class ResponseListSchema(CamelCaseSchema):
    results = fields.List(fields.Nested(ResponseItemSchema))
    metadata = fields.Nested(ResponseListMetadataSchema)


class PagingSchema(CamelCaseSchema):
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0), metadata={"example": 0})
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"example": 100, "description": f"At most {MAX_LIMIT}"},
    )


class ResponseInputSchema(CamelCaseSchema):
    key = fields.String(
        required=True, validate=validate.Length(min=1, max=100), metadata={"example": "tenantPresent"}
    )
    contact_id = fields.UUID(
        allow_none=True,
        load_default=None,
        metadata={"example": None, "description": "The household member, for per-member questions"},
    )
    value = fields.Raw(
        required=True,
        allow_none=True,
        validate=check_data,  # storable text, finite numbers: the layout checks the rest
        metadata={"example": "yes", "description": "null removes the answer"},
    )


class ResponsesPostSchema(CamelCaseSchema):
    page_id = fields.UUID(required=True, metadata={"example": EXAMPLE_PAGE_ID})
    responses = fields.List(
        fields.Nested(ResponseInputSchema),
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"example": [{"key": "tenantPresent", "contactId": None, "value": "yes"}]},
    )


class SectionStatusSchema(CamelCaseSchema):
    key = fields.String(metadata={"example": "visit"})
    title = fields.String(metadata={"example": "Present for check"})
    status = fields.String(metadata={"example": "incomplete", "enum": ["complete", "incomplete"]})
    problems = fields.List(
        fields.String(),
        metadata={"example": ["Present for check: Select an answer for ‘Was an interpreter used?’"]},
    )
    pages = fields.List(fields.Nested(PageRefSchema))


class ProcessStatusSchema(CamelCaseSchema):
    process_id = fields.UUID(metadata={"example": EXAMPLE_PROCESS_ID})
    reference = fields.String(metadata={"example": "THC-000123"})
    status = fields.String(metadata={"example": "in_progress"})
    all_sections_complete = fields.Boolean(metadata={"example": False})
    sections = fields.List(fields.Nested(SectionStatusSchema))


class ReviewAnswerSchema(CamelCaseSchema):
    key = fields.String(metadata={"example": "memberPresent"})
    page_key = fields.String(metadata={"example": "present-for-check"})
    question = fields.String(metadata={"example": "Is this person present?"})
    answer = fields.String(metadata={"example": "Yes"})
    value = fields.Raw(allow_none=True, metadata={"example": "yes"})
    photo_ids = fields.List(fields.UUID())


class ReviewSectionSchema(CamelCaseSchema):
    key = fields.String(metadata={"example": "visit"})
    title = fields.String(metadata={"example": "Present for check"})
    answers = fields.List(fields.Nested(ReviewAnswerSchema))


class ReviewGroupSchema(CamelCaseSchema):
    contact_id = fields.UUID(allow_none=True, metadata={"example": EXAMPLE_CONTACT_ID})
    heading = fields.String(metadata={"example": "Amina Okafor"})
    sections = fields.List(fields.Nested(ReviewSectionSchema))


class ProcessReviewSchema(CamelCaseSchema):
    process_id = fields.UUID(metadata={"example": EXAMPLE_PROCESS_ID})
    reference = fields.String(metadata={"example": "THC-000123"})
    process_type = fields.String(metadata={"example": "Tenancy and Household Check"})
    all_sections_complete = fields.Boolean(metadata={"example": False})
    groups = fields.List(
        fields.Nested(ReviewGroupSchema),
        metadata={"description": "The household (contactId null) first, then each household member"},
    )


class PhotoUploadSchema(CamelCaseSchema):
    file = Upload(
        required=True,
        metadata={"description": "A JPG, PNG or WEBP image (checked by its content), up to 10MB"},
    )


class PhotoSchema(CamelCaseSchema):
    id = fields.UUID(metadata={"example": "6e5d4c3b-2a19-4f08-9e7d-6c5b4a392817"})
    process_id = fields.UUID(metadata={"example": EXAMPLE_PROCESS_ID})
    content_type = fields.String(metadata={"example": "image/jpeg", "enum": ["image/jpeg", "image/png"]})
    size = fields.Integer(metadata={"example": 482113, "description": "Bytes, after cleaning"})
    width = fields.Integer(metadata={"example": 2400})
    height = fields.Integer(metadata={"example": 1800})
    created_at = RFC3339DateTime()
    href = fields.String(metadata={"description": "GET the image (scope processes:read)"})
    thumbnail_href = fields.String(metadata={"description": "GET a thumbnail, at most 320 pixels a side"})


# --- OpenAPI examples ----------------------------------------------------------------------

EXAMPLE_TENURE_ID = "0b7e1f4e-3c2a-4d5b-8e9f-1a2b3c4d5e6f"
EXAMPLE_CRM_GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
EXAMPLE_PARTNER_ID = "22222222-2222-4222-8222-222222222222"
EXAMPLE_PAGES = [
    {
        "pageId": EXAMPLE_PAGE_ID,
        "key": "present-for-check",
        "title": "Present for check",
        "sectionKey": "visit",
    },
    {
        "pageId": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
        "key": "tenant-id",
        "title": "Tenant ID check",
        "sectionKey": "identity",
    },
]
EXAMPLE_PROCESS = {
    "id": EXAMPLE_PROCESS_ID,
    "reference": "THC-000123",
    "processType": {"code": "tenancy_household_check", "name": "Tenancy and Household Check"},
    "layoutVersion": 1,
    "tenureId": EXAMPLE_TENURE_ID,
    "crmInteractionGuid": EXAMPLE_CRM_GUID,
    "officer": {
        "id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
        "name": "Olivia Officer",
        "email": "olivia.officer@hackney.gov.uk",
    },
    "status": "in_progress",
    "createdAt": "2024-03-19T09:30:00Z",
    "updatedAt": "2024-03-19T09:42:10Z",
    "submittedAt": None,
    "tenureSnapshot": {
        "id": EXAMPLE_TENURE_ID,
        "paymentReference": "228008911",
        "address": "Flat 3, 14 Mare Street, London E8 1HH",
        "postcode": "E8 1HH",
        "householdMembers": [
            {
                "id": EXAMPLE_CONTACT_ID,
                "type": "person",
                "fullName": "Amina Okafor",
                "isResponsible": True,
                "dateOfBirth": "1978-06-02",
                "personTenureType": "Tenant",
            }
        ],
    },
    "pages": EXAMPLE_PAGES,
}
EXAMPLE_CREATE = {
    "tenureId": EXAMPLE_TENURE_ID,
    "processType": "tenancy_household_check",
    "crmInteractionGuid": EXAMPLE_CRM_GUID,
    "officerEmail": "olivia.officer@hackney.gov.uk",
}
EXAMPLE_PATCH = {"crmInteractionGuid": EXAMPLE_CRM_GUID, "officerEmail": "omar.officer@hackney.gov.uk"}
EXAMPLE_LAYOUT = {
    "pageId": EXAMPLE_PAGE_ID,
    "key": "present-for-check",
    "title": "Present for check",
    "processType": {"code": "tenancy_household_check", "name": "Tenancy and Household Check"},
    "layoutVersion": 1,
    "section": {"key": "visit", "title": "Present for check"},
    "elements": [
        {"type": "paragraph", "text": "Before you start, confirm who is at the property."},
        {
            "type": "yesno",
            "key": "tenantPresent",
            "label": "Is the tenant present for the check?",
            "required": True,
        },
        {
            "type": "textarea",
            "key": "tenantAbsentReason",
            "label": "Why is the tenant not present?",
            "required": True,
            "maxLength": 1000,
            "showWhen": {"key": "tenantPresent", "equals": "no"},
        },
        {
            "type": "yesno",
            "key": "memberPresent",
            "label": "Is this person present?",
            "required": True,
            "perMember": True,
        },
    ],
}
EXAMPLE_RESPONSES_POST = {
    "pageId": EXAMPLE_PAGE_ID,
    "responses": [
        {"key": "tenantPresent", "contactId": None, "value": "yes"},
        {"key": "memberPresent", "contactId": EXAMPLE_CONTACT_ID, "value": "yes"},
        {"key": "memberPresent", "contactId": EXAMPLE_PARTNER_ID, "value": "no"},
    ],
}
EXAMPLE_RESPONSES = {
    "results": [
        {
            "pageId": EXAMPLE_PAGE_ID,
            "pageKey": "present-for-check",
            "key": "memberPresent",
            "contactId": EXAMPLE_CONTACT_ID,
            "value": "yes",
            "updatedAt": "2024-03-19T09:41:02Z",
        },
        {
            "pageId": EXAMPLE_PAGE_ID,
            "pageKey": "present-for-check",
            "key": "tenantPresent",
            "contactId": None,
            "value": "yes",
            "updatedAt": "2024-03-19T09:41:02Z",
        },
    ],
    "metadata": {"resultset": {"count": 2, "offset": 0, "limit": 100}},
}
EXAMPLE_STATUS = {
    "processId": EXAMPLE_PROCESS_ID,
    "reference": "THC-000123",
    "status": "in_progress",
    "allSectionsComplete": False,
    "sections": [
        {
            "key": "visit",
            "title": "Present for check",
            "status": "complete",
            "problems": [],
            "pages": EXAMPLE_PAGES[:1],
        },
        {
            "key": "identity",
            "title": "ID and residency",
            "status": "incomplete",
            "problems": ["Tenant ID check: Select an answer for ‘Has the tenant shown you photo ID?’"],
            "pages": EXAMPLE_PAGES[1:],
        },
    ],
}
EXAMPLE_REVIEW = {
    "processId": EXAMPLE_PROCESS_ID,
    "reference": "THC-000123",
    "processType": "Tenancy and Household Check",
    "allSectionsComplete": False,
    "groups": [
        {
            "contactId": None,
            "heading": "Household and home",
            "sections": [
                {
                    "key": "visit",
                    "title": "Present for check",
                    "answers": [
                        {
                            "key": "tenantPresent",
                            "pageKey": "present-for-check",
                            "question": "Is the tenant present for the check?",
                            "answer": "Yes",
                            "value": "yes",
                            "photoIds": [],
                        }
                    ],
                }
            ],
        },
        {
            "contactId": EXAMPLE_CONTACT_ID,
            "heading": "Amina Okafor",
            "sections": [
                {
                    "key": "visit",
                    "title": "Present for check",
                    "answers": [
                        {
                            "key": "memberPresent",
                            "pageKey": "present-for-check",
                            "question": "Is this person present?",
                            "answer": "Yes",
                            "value": "yes",
                            "photoIds": [],
                        }
                    ],
                }
            ],
        },
    ],
}


EXAMPLE_PHOTO_ID = "6e5d4c3b-2a19-4f08-9e7d-6c5b4a392817"
EXAMPLE_PHOTO = {
    "id": EXAMPLE_PHOTO_ID,
    "processId": EXAMPLE_PROCESS_ID,
    "contentType": "image/jpeg",
    "size": 482113,
    "width": 2400,
    "height": 1800,
    "createdAt": "2024-03-19T09:44:51Z",
    "href": f"/api/v1/processes/{EXAMPLE_PROCESS_ID}/photos/{EXAMPLE_PHOTO_ID}",
    "thumbnailHref": f"/api/v1/processes/{EXAMPLE_PROCESS_ID}/photos/{EXAMPLE_PHOTO_ID}?size=thumbnail",
}
IMAGE_RESPONSE = {
    "description": "The image: JPEG or PNG, re-encoded with no EXIF or location data.",
    "content": {
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        "image/png": {"schema": {"type": "string", "format": "binary"}},
    },
}


def error_example(*developer_messages: str) -> dict:
    return {"errors": [{"developerMessage": m, "userMessage": m} for m in developer_messages]}


ERRORS = {
    400: (
        "The request is not valid: every problem is listed, one error each.",
        error_example(
            "responses[0].value: Choose one of the options for ‘Is the tenant present for the check?’",
            "responses[1].contactId: 'memberPresent' is asked per household member; give a contactId",
        ),
    ),
    401: (
        "No valid bearer token (and, for reads, no signed-in officer).",
        error_example("Send an API token in the Authorization header: 'Bearer <token>'."),
    ),
    403: (
        "The token lacks the scope this operation needs.",
        error_example("This token does not have the 'processes:write' scope."),
    ),
    404: (
        "No process (or page) with this id, or not one the signed-in officer may see.",
        error_example(f"No process with id {EXAMPLE_PROCESS_ID}."),
    ),
    409: (
        "The process has been submitted and can no longer be changed.",
        error_example("The process has been submitted and can no longer be changed."),
    ),
    413: (
        "The body is larger than the API accepts.",
        error_example("Request bodies are limited to 1048576 bytes."),
    ),
    415: (
        "The body is not sent as JSON.",
        error_example("Send the body as JSON with 'Content-Type: application/json'."),
    ),
    "photo 413": (
        "The photo is larger than MAX_PHOTO_BYTES (10MB unless configured).",
        error_example("The selected file must be smaller than 10MB"),
    ),
    "photo 415": (
        "The file is not a JPG, PNG or WEBP image (judged by its content, not its name).",
        error_example("The selected file must be a JPG, PNG or WEBP image"),
    ),
}


def document_errors(*statuses: int | str):
    """Document the standard error bodies for these statuses, each with an example."""

    def decorator(view):
        for status in reversed(statuses):
            description, example = ERRORS[status]
            code = int(str(status).split()[-1])
            view = blp.alt_response(code, schema=ErrorsSchema, description=description, example=example)(view)
        return view

    return decorator


# --- helpers -----------------------------------------------------------------------------


def load_process(process_id: uuid.UUID, for_update: bool = False) -> Process:
    """`for_update`: locked until the commit, for a save (service.load_visit_for_save)."""
    process = load_visit_for_save(process_id) if for_update else db.session.get(Process, process_id)
    # A signed-in officer reading through the browser sees only the visits they may open.
    hidden = (
        process is not None
        and getattr(g, "api_client", None) is None
        and not can_access(current_user, process)
    )
    if process is None or hidden:
        raise ApiError(404, f"No process with id {process_id}.", "The process could not be found.")
    return process


def page_ref(page: Page) -> dict:
    return {"page_id": page.id, "key": page.key, "title": page.title, "section_key": page.section.key}


def process_document(process: Process) -> dict:
    return {
        "id": process.id,
        "reference": process.reference,
        "process_type": process.process_type,
        "layout_version": process.layout_version.number,
        "tenure_id": process.tenure_id,
        "crm_interaction_guid": process.crm_interaction_guid,
        "officer": process.officer,
        "status": process.status,
        "created_at": process.created_at,
        "updated_at": process.updated_at,
        "submitted_at": process.submitted_at,
        "tenure_snapshot": process.tenure_snapshot,
        "pages": [page_ref(page) for page in process.layout_version.pages],
    }


def officer_by_email(email: str) -> User:
    officer = db.session.scalar(db.select(User).where(User.email == User.normalise_email(email)))
    if officer is None or not officer.is_active:
        raise ApiError(400, f"officerEmail: no active officer has the email address {email}.")
    return officer


def responses_query(process: Process):
    return (
        db.select(Answer, Page)
        .join(Page, Answer.page_id == Page.id)
        .where(Answer.process_id == process.id)
        .order_by(Page.position, Answer.key, Answer.contact_id, Answer.id)
    )


def responses_document(process: Process, offset: int, limit: int) -> dict:
    count = db.session.scalar(
        db.select(db.func.count()).select_from(Answer).where(Answer.process_id == process.id)
    )
    rows = db.session.execute(responses_query(process).offset(offset).limit(limit)).all()
    return {
        "results": [
            {
                "page_id": page.id,
                "page_key": page.key,
                "key": answer.key,
                "contact_id": answer.contact_id,
                "value": answer.value,
                "updated_at": answer.updated_at,
            }
            for answer, page in rows
        ],
        "metadata": {"resultset": {"count": count, "offset": offset, "limit": limit}},
    }


# --- endpoints ---------------------------------------------------------------------------


@blp.route("/pages/<uuid:pageId>/layout")
@require_scope("processes:read")
@blp.response(200, PageLayoutSchema, example=EXAMPLE_LAYOUT)
@document_errors(401, 403, 404)
def get_page_layout(pageId):
    """Get a page's layout by page id

    The page's ordered elements as key/value documents, exactly as the layout version stores
    them (see docs/process-layouts.md). Page ids belong to one layout version: a process's
    `pages` list gives the ids of the version it started on. Scope `processes:read`.
    """
    page_id = pageId
    page = db.session.get(Page, page_id)
    if page is None:
        raise ApiError(404, f"No page with id {page_id}.", "The page could not be found.")
    version = page.layout_version
    return {
        "page_id": page.id,
        "key": page.key,
        "title": page.title,
        "process_type": version.process_type,
        "layout_version": version.number,
        "section": page.section,
        "elements": page.elements,
    }


@blp.route("", methods=["POST"])
@require_scope("processes:write")
@blp.arguments(ProcessCreateSchema, example=EXAMPLE_CREATE, error_status_code=400)
@blp.response(201, ProcessSchema, example=EXAMPLE_PROCESS, description="Created: the full process record")
@document_errors(400, 401, 403, 413, 415)
def create_process(data):
    """Start a process for a tenure

    Creates the process record on the latest layout version of its type, with a human
    reference, the optional CRM interaction GUID and a snapshot of the tenure and household.
    Scope `processes:write`.
    """
    tenure = db.session.get(Tenure, data["tenure_id"])
    if tenure is None:
        raise ApiError(400, f"tenureId: no tenure with id {data['tenure_id']}.")
    process_type = db.session.scalar(db.select(ProcessType).where(ProcessType.code == data["process_type"]))
    if process_type is None or process_type.latest_version is None:
        codes = ", ".join(sorted(db.session.scalars(db.select(ProcessType.code))))
        raise ApiError(400, f"processType: unknown process type '{data['process_type']}' (known: {codes}).")
    officer = officer_by_email(data["officer_email"])
    process = start_process(tenure, process_type, officer, data["crm_interaction_guid"])
    db.session.commit()
    return process_document(process)


@blp.route("/<uuid:processId>")
@require_scope("processes:read")
@blp.response(200, ProcessSchema, example=EXAMPLE_PROCESS)
@document_errors(401, 403, 404)
def get_process(processId):
    """Get a process record

    Its type, layout version, tenure, CRM interaction GUID, officer, status, timestamps, the
    tenure snapshot taken at the start and its pages. Scope `processes:read`.
    """
    process_id = processId
    return process_document(load_process(process_id))


@blp.route("/<uuid:processId>", methods=["PATCH"])
@require_scope("processes:write")
@blp.arguments(ProcessPatchSchema, example=EXAMPLE_PATCH, error_status_code=400)
@blp.response(200, ProcessSchema, example=EXAMPLE_PROCESS, description="The full, updated process record")
@document_errors(400, 401, 403, 404, 409, 413, 415)
def patch_process(data, processId):
    """Change a process's CRM interaction GUID or officer

    Only the fields sent change; `crmInteractionGuid: null` clears it. Scope `processes:write`.
    """
    process_id = processId
    process = load_process(process_id)
    if process.is_submitted:
        raise ApiError(409, "The process has been submitted and can no longer be changed.")
    changes = {}
    if "crm_interaction_guid" in data:
        changes["crm_interaction_guid"] = data["crm_interaction_guid"]
    if "officer_email" in data:
        changes["officer_id"] = officer_by_email(data["officer_email"]).id
    if changes:
        update_process(process, **changes)
        db.session.commit()
    return process_document(process)


@blp.route("/<uuid:processId>/submit", methods=["POST"])
@require_scope("processes:write")
@blp.response(200, ProcessSchema)
@blp.alt_response(404, schema=ErrorsSchema, description="No process with this id")
@blp.alt_response(409, schema=ErrorsSchema, description="Already submitted")
@blp.alt_response(422, schema=ErrorsSchema, description="Sections are incomplete; each is listed")
def submit(processId):
    """Submit a process whose sections are all complete: it becomes read-only, its PDF summary is
    stored (GET /processes/{id}/pdf) and emailed to the officer and the team mailbox."""
    process = load_process(processId)
    if process.is_submitted:
        raise ApiError(409, "The process has already been submitted.")
    try:
        submit_process(process)
    except NotReadyToSubmit as exc:
        db.session.rollback()
        errors = [
            error_item(f"Section '{section.key}' ({section.title}) is incomplete.", str(exc), 422)
            for section in exc.sections
        ]
        raise ApiError(422, errors or [str(exc)]) from None
    db.session.commit()
    return process_document(process)


submit.takes_no_body = True


@blp.route("/<uuid:processId>/responses")
@require_scope("processes:read")
@blp.arguments(PagingSchema, location="query", error_status_code=400)
@blp.response(200, ResponseListSchema, example=EXAMPLE_RESPONSES)
@document_errors(401, 403, 404)
def get_responses(paging, processId):
    """Get a process's responses

    The answers recorded so far as key/value rows, with the household member's `contactId` for
    per-member questions. Paged by `offset` and `limit` (at most 500). Scope `processes:read`.
    """
    process_id = processId
    process = load_process(process_id)
    return responses_document(process, paging["offset"], paging["limit"])


@blp.route("/<uuid:processId>/responses", methods=["POST"])
@require_scope("processes:write")
@blp.arguments(ResponsesPostSchema, example=EXAMPLE_RESPONSES_POST, error_status_code=400)
@blp.response(200, ResponseListSchema, example=EXAMPLE_RESPONSES, description="Every response now stored")
@document_errors(400, 401, 403, 404, 409, 413, 415)
def post_responses(data, processId):
    """Save responses for one page

    Each value is validated against the page layout of the version the process started on
    (values in the stored forms of docs/process-layouts.md; `null` removes an answer). Required
    answers are not enforced here: GET /status reports them. All or nothing: one bad response
    saves none. Scope `processes:write`.
    """
    process_id = processId
    process = load_process(process_id, for_update=True)
    if process.is_submitted:
        raise ApiError(409, "The process has been submitted and can no longer be changed.")
    page = next((p for p in process.layout_version.pages if p.id == data["page_id"]), None)
    if page is None:
        raise ApiError(
            400,
            f"pageId: {data['page_id']} is not a page of this process's layout "
            f"(version {process.layout_version.number}).",
        )
    values = validated_values(process, page, data["responses"])
    try:
        save_page_answers(process, page, values)
    except ProcessError as exc:
        raise ApiError(409, str(exc)) from None
    db.session.commit()
    return responses_document(process, 0, MAX_LIMIT)


def validated_values(process: Process, page: Page, responses: list[dict]) -> dict:
    questions = {e["key"]: e for e in page.elements if is_question(e)}
    member_ids = {m["id"] for m in process.household_members}
    photo_exists = photo_checker(process)
    values, errors = {}, []
    for index, response in enumerate(responses):
        where = f"responses[{index}]"
        question = questions.get(response["key"])
        contact_id = str(response["contact_id"]) if response["contact_id"] else None
        if question is None:
            errors.append(f"{where}.key: '{response['key']}' is not a question on page '{page.key}'.")
            continue
        if question.get("perMember") and contact_id not in member_ids:
            errors.append(
                f"{where}.contactId: '{response['key']}' is asked per household member; give a contactId"
            )
            continue
        if not question.get("perMember") and contact_id is not None:
            errors.append(
                f"{where}.contactId: '{response['key']}' is about the household; contactId must be null."
            )
            continue
        error = check_answer({**question, "required": False}, response["value"], photo_exists)
        if error:
            errors.append(f"{where}.value: {error}")
            continue
        values[(question["key"], contact_id)] = response["value"]
    if errors:
        raise ApiError(400, [error_item(message, message, 400) for message in errors])
    return values


@blp.route("/<uuid:processId>/status")
@require_scope("processes:read")
@blp.response(200, ProcessStatusSchema, example=EXAMPLE_STATUS)
@document_errors(401, 403, 404)
def get_status(processId):
    """Get the status of a process's sections

    A section is complete when every required question that applies has a valid answer;
    `problems` says what is missing. Scope `processes:read`.
    """
    process_id = processId
    process = load_process(process_id)
    sections = []
    for section in process.layout_version.sections:
        problems = section_problems(process, section)
        sections.append(
            {
                "key": section.key,
                "title": section.title,
                "status": "incomplete" if problems else "complete",
                "problems": problems,
                "pages": [page_ref(page) for page in section.pages],
            }
        )
    return {
        "process_id": process.id,
        "reference": process.reference,
        "status": process.status,
        "all_sections_complete": all(s["status"] == "complete" for s in sections),
        "sections": sections,
    }


@blp.route("/<uuid:processId>/review")
@require_scope("processes:read")
@blp.response(200, ProcessReviewSchema, example=EXAMPLE_REVIEW)
@document_errors(401, 403, 404)
def get_review(processId):
    """Get the review of a process

    Everything answered, merged and grouped by contact id (the household first, with
    `contactId` null, then each household member), then by section in layout order. Scope
    `processes:read`.
    """
    process_id = processId
    process = load_process(process_id)
    summary = build_process_summary(process)
    complete = not any(section_problems(process, s) for s in process.layout_version.sections)
    return {
        "process_id": process.id,
        "reference": process.reference,
        "process_type": summary.process_type_name,
        "all_sections_complete": complete,
        "groups": [
            {
                "contact_id": group.contact_id,
                "heading": group.heading,
                "sections": [
                    {"key": section.key, "title": section.title, "answers": section.answers}
                    for section in group.sections
                ],
            }
            for group in summary.groups
        ],
    }


def photo_document(photo: ProcessPhoto) -> dict:
    href = url_for("processes_api.get_photo", processId=photo.process_id, photoId=photo.id)
    return {
        "id": photo.id,
        "process_id": photo.process_id,
        "content_type": photo.content_type,
        "size": photo.size,
        "width": photo.width,
        "height": photo.height,
        "created_at": photo.created_at,
        "href": href,
        "thumbnail_href": f"{href}?size=thumbnail",
    }


@blp.route("/<uuid:processId>/photos", methods=["POST"])
@require_scope("processes:write")
@blp.arguments(PhotoUploadSchema, location="files", error_status_code=400)
@blp.response(201, PhotoSchema, example=EXAMPLE_PHOTO, description="Stored: the photo's id and links")
@document_errors(400, 401, 403, 404, 409, "photo 413", "photo 415")
def upload_photo(files, processId):
    """Upload a photo for a process

    Send one image as `multipart/form-data` in the part `file`. It is checked by its content
    (JPG, PNG or WEBP only, never trusted by its name), re-encoded so no EXIF or location data
    survives, stored with a thumbnail, and belongs to this process. Then answer a photo question
    with its id through POST /responses (e.g. `"value": ["<photo id>"]`). Scope `processes:write`.
    """
    process = load_process(processId)
    if process.is_submitted:
        raise ApiError(409, "The process has been submitted and can no longer be changed.")
    try:
        photo = photo_store.store_photo(process, files["file"].read())
    except photo_store.PhotoError as exc:
        status = {photo_store.PhotoTooLarge: 413, photo_store.NotAPhoto: 415}.get(type(exc), 400)
        raise ApiError(status, str(exc), str(exc)) from None
    db.session.commit()
    return photo_document(photo)


upload_photo.upload_limit = lambda: photo_store.max_photo_bytes() + 64 * 1024  # the photo and its headers


@blp.route("/<uuid:processId>/photos/<uuid:photoId>")
@require_scope("processes:read")
@blp.doc(
    responses={"200": IMAGE_RESPONSE},
    parameters=[
        {
            "in": "query",
            "name": "size",
            "schema": {"type": "string", "enum": ["thumbnail"]},
            "description": "`thumbnail` for a copy at most 320 pixels a side",
        }
    ],
)
@document_errors(401, 403, 404)
def get_photo(processId, photoId):
    """Get a photo of a process

    The cleaned image (or its thumbnail with `?size=thumbnail`). Scope `processes:read`.
    """
    process = load_process(processId)
    photo = db.session.get(ProcessPhoto, photoId)
    if photo is None or photo.process_id != process.id:
        raise ApiError(404, f"No photo with id {photoId} in this process.", "The photo could not be found.")
    key = photo.thumbnail_key if request.args.get("size") == "thumbnail" else photo.storage_key
    try:
        path = get_storage().local_path(key)
    except StorageError:
        path = None
    if path is None or not path.exists():
        raise ApiError(500, "The photo file is missing from storage.")
    response = send_file(path, mimetype=photo.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
