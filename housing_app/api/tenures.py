"""The Tenure API: /api/v1/tenures (search, get, create, update, household members).

Reads need the `tenures:read` scope (or a signed-in officer's session), changes `tenures:write`.
Every read carries an ETag; every change needs it back in If-Match (428 without, 412 when stale).
Other code that needs a tenure as JSON calls `tenure_to_json(tenure)` (re-exported here).
"""

import functools
import json
import uuid

from flask import Response, current_app, jsonify, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from marshmallow import RAISE

from housing_app.api.auth import require_scope
from housing_app.api.blueprint import Blueprint
from housing_app.api.errors import ApiError
from housing_app.api.fields import ErrorsSchema
from housing_app.api.tenure_schemas import (
    HouseholdMemberPatchSchema,
    TenureCreateSchema,
    TenureListSchema,
    TenurePatchSchema,
    TenureSchema,
    TenureSearchQuerySchema,
)
from housing_app.models.tenures import Tenure, normalise_postcode
from housing_app.services import tenures as service
from housing_app.services.tenures import StaleTenure, tenure_etag, tenure_to_json

__all__ = ["blp", "tenure_to_json"]

blp = Blueprint(
    "tenures",
    __name__,
    url_prefix="/api/v1/tenures",
    description="Tenures: who holds which home on what terms. Scopes: tenures:read, tenures:write.",
)

# ---------------------------------------------------------------------------------------------
# OpenAPI examples

EXAMPLE_ID = "0a5a6d0e-3c1d-4f9b-9a51-7d2c3f1e8b42"
EXAMPLE_PERSON_ID = "f1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
EXAMPLE_ETAG = '"9c1e0f6a2b7d4e8f1a3c5b7d"'

EXAMPLE_CREATE = {
    "paymentReference": "228008866",
    "householdMembers": [
        {
            "id": EXAMPLE_PERSON_ID,
            "type": "person",
            "fullName": "Jo Bloggs",
            "isResponsible": True,
            "dateOfBirth": "1951-02-11",
            "personTenureType": "Tenant",
        }
    ],
    "tenuredAsset": {
        "id": "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        "type": "Dwelling",
        "fullAddress": "Flat 3, 12 Hillman Street, London E8 1DY",
        "uprn": "100021045676",
    },
    "charges": {
        "rent": 125.5,
        "currentBalance": -40.25,
        "billingFrequency": "Weekly",
        "serviceCharge": 12,
        "otherCharges": 0,
        "combinedServiceCharges": 12,
        "combinedRentCharges": 125.5,
        "tenancyInsuranceCharge": 1.5,
        "originalRentCharge": 120,
        "originalServiceCharge": 11,
    },
    "startOfTenureDate": "2020-03-19",
    "endOfTenureDate": None,
    "tenureType": {"code": "INT", "description": "Introductory"},
    "isTenanted": True,
    "terminated": {"isTerminated": False, "reasonForTermination": None},
    "successionDate": None,
    "evictionDate": None,
    "potentialEndDate": "2021-03-18",
    "notices": [
        {
            "type": "Notice to quit",
            "servedDate": "2021-03-29",
            "expiryDate": "2021-04-26",
            "endDate": None,
            "effectiveDate": "2021-03-29",
        }
    ],
    "legacyReferences": [{"name": "u_saff_tenancy", "value": "123456"}],
    "isMutualExchange": False,
    "informHousingBenefitsForChanges": False,
    "isSublet": False,
    "subletEndDate": None,
}


def _as_response(example: dict) -> dict:
    def date(value):
        return f"{value}T00:00:00Z" if value else None

    tenure = {"id": EXAMPLE_ID, **example}
    for key in ("startOfTenureDate", "endOfTenureDate", "successionDate", "evictionDate", "potentialEndDate"):
        tenure[key] = date(tenure[key])
    tenure["subletEndDate"] = date(tenure["subletEndDate"])
    tenure["householdMembers"] = [
        {**m, "dateOfBirth": date(m["dateOfBirth"])} for m in example["householdMembers"]
    ]
    tenure["tenuredAsset"] = {**example["tenuredAsset"], "postcode": "E8 1DY"}
    tenure["notices"] = [
        {k: (date(v) if k != "type" else v) for k, v in notice.items()} for notice in example["notices"]
    ]
    tenure["isActive"] = True
    return tenure


EXAMPLE_TENURE = _as_response(EXAMPLE_CREATE)
EXAMPLE_LIST = {
    "results": [EXAMPLE_TENURE],
    "metadata": {"resultset": {"count": 1, "offset": 0, "limit": 20}},
    "paginationDetails": {"nextToken": None},
}
EXAMPLE_PATCH = {
    "startOfTenureDate": "2020-03-19",
    "endOfTenureDate": "2024-03-18",
    "tenureType": {"code": "SEC", "description": "Secure"},
}
EXAMPLE_PERSON = {
    "type": "person",
    "fullName": "Sam Bloggs",
    "isResponsible": False,
    "dateOfBirth": "1980-06-01T00:00:00Z",
    "personTenureType": "HouseholdMember",
}


def error_example(developer: str, user: str) -> dict:
    return {"errors": [{"developerMessage": developer, "userMessage": user}]}


DATE_PROBLEM = (
    "startOfTenureDate: '19-03-2020' is not a valid date. "
    "Use an RFC 3339 date-time such as 2024-03-19T00:00:00Z, or a date 2024-03-19."
)
CODE_PROBLEM = "tenureType.code: 'XYZ' is not one of: ASY, COM, …."
ERRORS = {
    400: (
        "The request is not valid: every problem is listed, one per field.",
        {
            "errors": [
                {"developerMessage": DATE_PROBLEM, "userMessage": DATE_PROBLEM},
                {"developerMessage": CODE_PROBLEM, "userMessage": CODE_PROBLEM},
            ]
        },
    ),
    401: (
        "No valid bearer token (and no signed-in officer for reads).",
        error_example(
            "Send an API token in the Authorization header: 'Bearer <token>'.",
            "You need to authenticate to use this API.",
        ),
    ),
    403: (
        "The token lacks the scope this operation needs.",
        error_example(
            "This token does not have the 'tenures:write' scope.", "You do not have permission to do this."
        ),
    ),
    404: (
        "No such tenure (or person in its household).",
        error_example(f"No tenure with id {EXAMPLE_ID}.", "The resource could not be found."),
    ),
    412: (
        "If-Match does not match the tenure's current ETag: someone changed it since you read it.",
        error_example(
            "The tenure has changed since you read it: If-Match does not match its current ETag.",
            "The record was changed by someone else. Reload it and try again.",
        ),
    ),
    413: (
        "The body is larger than the API accepts.",
        error_example("Request bodies are limited to 1048576 bytes.", "The request is too large."),
    ),
    415: (
        "The body is not sent as JSON.",
        error_example(
            "Send the body as JSON with 'Content-Type: application/json'.", "Send the request body as JSON."
        ),
    ),
    428: (
        "If-Match is missing: read the tenure first and send its ETag.",
        error_example(
            "Send the tenure's ETag (from GET /api/v1/tenures/{id}) in an If-Match header.",
            "Read the record first and send its ETag in If-Match.",
        ),
    ),
}


def document_errors(*statuses: int):
    """Document the standard error bodies for these statuses, each with an example."""

    def decorator(view):
        for status in reversed(statuses):
            description, example = ERRORS[status]
            view = blp.alt_response(status, schema=ErrorsSchema, description=description, example=example)(
                view
            )
        return view

    return decorator


ETAG_HEADER = {
    "ETag": {
        "description": "The tenure's current version; send it back in If-Match to change it.",
        "schema": {"type": "string", "example": EXAMPLE_ETAG},
    }
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag from your last read of this tenure (lost-update protection).",
    "schema": {"type": "string", "example": EXAMPLE_ETAG},
}
PREFER = {
    "in": "header",
    "name": "Prefer",
    "required": False,
    "description": "`return=minimal` answers 204 with no body (still with the new ETag).",
    "schema": {"type": "string", "enum": ["return=minimal", "return=representation"]},
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "An ETag you hold; 304 Not Modified when it is still current.",
    "schema": {"type": "string", "example": EXAMPLE_ETAG},
}
CHANGE_ERRORS = (400, 401, 403, 404, 412, 413, 415, 428)

# ---------------------------------------------------------------------------------------------
# Helpers


def tenure_response(tenure: Tenure, status: int = 200, etag: str | None = None):
    response = jsonify(tenure_to_json(tenure))
    response.status_code = status
    response.headers["ETag"] = f'"{etag or tenure_etag(tenure)}"'
    return response


def change_response(tenure: Tenure, status: int = 200):
    """The full resource, or 204 and the new ETag when the client asked for `return=minimal`."""
    preferences = {p.strip().lower() for p in request.headers.get("Prefer", "").split(",")}
    if "return=minimal" in preferences:
        response = blp_empty_response(204)
        response.headers["ETag"] = f'"{tenure_etag(tenure)}"'
        response.headers["Preference-Applied"] = "return=minimal"
        return response
    return tenure_response(tenure, status)


def blp_empty_response(status: int) -> Response:
    response = Response(status=status)
    del response.headers["Content-Type"]
    return response


def tenure_or_404(tenure_id: uuid.UUID) -> Tenure:
    tenure = service.get_tenure(tenure_id)
    if tenure is None:
        raise ApiError(404, f"No tenure with id {tenure_id}.")
    return tenure


def check_if_match(tenure: Tenure) -> None:
    if "If-Match" not in request.headers:
        raise ApiError(428, "Send the tenure's ETag (from GET /api/v1/tenures/{id}) in an If-Match header.")
    if not request.if_match.contains(tenure_etag(tenure)):
        raise_stale()


def raise_stale():
    raise ApiError(412, "The tenure has changed since you read it: If-Match does not match its current ETag.")


# ---------------------------------------------------------------------------------------------
# Endpoints


@blp.route("", methods=["GET"])
@require_scope("tenures:read")
# A schema instance: given the class, webargs builds (and deep-copies the fields of) a new
# schema on every call.
@blp.arguments(
    TenureSearchQuerySchema(), location="query", unknown=RAISE, as_kwargs=True, error_status_code=400
)
@blp.response(200, TenureListSchema, example=EXAMPLE_LIST)
@document_errors(400, 401, 403)
def search_tenures(first_name=None, last_name=None, postcode=None, offset=0, limit=20, pagination_token=None):
    """Find tenures by household member's first / last name and postcode

    All given criteria must match (names are case-insensitive prefixes of the same member's
    first and last names; the postcode may include its space or not, or be just its start).
    With no criteria, every tenure. Paged by `offset` and `limit` (at most 100), in a stable
    order: a search by one name (first or last, with or without a postcode) by the matching
    name, then postcode, address and id (a tenure with no postcode or address first among
    its name); any other search by postcode, address and id. Each page but the last also
    gives `paginationDetails.nextToken`: sent back as `paginationToken` (with the same
    criteria) it gives the next page, and for a search by one name it finds that page in the
    index directly, however deep.
    """
    criteria = {"first_name": first_name, "last_name": last_name, "postcode": postcode}
    after = None
    if pagination_token is not None:
        offset, after = read_search_token(pagination_token, criteria)
    page = service.search_tenures(**criteria, offset=offset, limit=limit, as_documents=True, after=after)
    next_offset = page.offset + len(page.tenures)
    next_token = None
    if page.tenures and next_offset < page.count:
        next_token = search_token(criteria, next_offset, page.last_position)
    # The stored documents are JSON already: joined as they are, not parsed and written again.
    metadata = json.dumps({"resultset": {"count": page.count, "offset": page.offset, "limit": page.limit}})
    body = (
        '{"results":['
        + ",".join(t.json for t in page.tenures)
        + '],"metadata":'
        + metadata
        + ',"paginationDetails":'
        + json.dumps({"nextToken": next_token})
        + "}"
    )
    return Response(body, mimetype="application/json")


def _search_tokens() -> URLSafeSerializer:
    return _search_token_serializer(current_app.secret_key)


@functools.lru_cache(maxsize=4)
def _search_token_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="page-token:tenure-search")


def _search_key(criteria: dict) -> list:
    """What a token is tied to: the criteria as the search reads them."""
    return [
        (criteria["first_name"] or "").strip().lower(),
        (criteria["last_name"] or "").strip().lower(),
        normalise_postcode(criteria["postcode"]) or "",
    ]


def search_token(criteria: dict, next_offset: int, position: tuple | None) -> str:
    """Signed (opaque, and refused if changed): the search, where the next page starts and,
    for a search by one name, the position in its order after which it starts."""
    where = None if position is None else [position[0], position[1], position[2], str(position[3])]
    return _search_tokens().dumps([_search_key(criteria), next_offset, where])


def read_search_token(token: str, criteria: dict) -> tuple[int, tuple | None]:
    """(offset, position) of a token made by search_token for the same criteria; else a 400."""
    try:
        key, next_offset, where = _search_tokens().loads(token)
        if key != _search_key(criteria) or not isinstance(next_offset, int) or next_offset < 0:
            raise ValueError("a token of another search")
        position = None if where is None else (where[0], where[1], where[2], uuid.UUID(where[3]))
        return next_offset, position
    except (BadSignature, ValueError, TypeError, IndexError):
        raise ApiError(
            400,
            "paginationToken is not valid for this search: send the nextToken of the previous page "
            "unchanged, with the same firstName, lastName and postcode.",
            "The page you asked for could not be found. Start again from the first page.",
        ) from None


@blp.route("/<uuid:tenure_id>", methods=["GET"])
@require_scope("tenures:read")
@blp.doc(parameters=[IF_NONE_MATCH])
@blp.response(200, TenureSchema, example=EXAMPLE_TENURE, headers=ETAG_HEADER)
@blp.alt_response(304, description="Not modified: your If-None-Match ETag is current.", headers=ETAG_HEADER)
@document_errors(401, 403, 404)
def get_tenure(tenure_id):
    """Get a tenure by its id (with an ETag)"""
    tenure = service.read_tenure_document(tenure_id)
    if tenure is None:
        raise ApiError(404, f"No tenure with id {tenure_id}.")
    etag = tenure_etag(tenure)
    if request.if_none_match.contains_weak(etag):
        response = blp_empty_response(304)
    else:
        response = Response(tenure.json, mimetype="application/json")
    response.headers["ETag"] = f'"{etag}"'
    return response


@blp.route("", methods=["POST"])
@require_scope("tenures:write")
@blp.arguments(TenureCreateSchema, example=EXAMPLE_CREATE, error_status_code=400)
@blp.response(
    201,
    TenureSchema,
    example=EXAMPLE_TENURE,
    description="Created: the full tenure, its Location and ETag.",
    headers={
        **ETAG_HEADER,
        "Location": {"description": "The new tenure's URL.", "schema": {"type": "string"}},
    },
)
@document_errors(400, 401, 403, 413, 415)
def create_tenure(data):
    """Create a tenure

    The server generates the tenure's id. A household member's `id` (the person's id) may be
    sent, or is generated. `tenuredAsset.postcode` is taken from the end of `fullAddress` when
    left out. Dates may be RFC 3339 date-times or plain `YYYY-MM-DD` dates.
    """
    tenure = service.create_tenure(data)
    response = tenure_response(tenure, 201)
    response.headers["Location"] = url_for("tenures.get_tenure", tenure_id=tenure.id)
    return response


@blp.route("/<uuid:tenure_id>", methods=["PATCH"])
@require_scope("tenures:write")
@blp.doc(parameters=[IF_MATCH, PREFER])
@blp.arguments(TenurePatchSchema, example=EXAMPLE_PATCH, error_status_code=400)
@blp.response(200, TenureSchema, example=EXAMPLE_TENURE, headers=ETAG_HEADER)
@blp.alt_response(204, description="Updated (with `Prefer: return=minimal`).", headers=ETAG_HEADER)
@document_errors(*CHANGE_ERRORS)
def update_tenure(data, tenure_id):
    """Update some of a tenure's fields

    Send only the fields to change. Nested objects (`tenuredAsset`, `charges`, `terminated`)
    merge field by field; lists (`notices`, `legacyReferences`) are replaced; `null` clears an
    optional field. Household members are changed with `/tenures/{id}/person/{personId}`.
    """
    tenure = tenure_or_404(tenure_id)
    check_if_match(tenure)
    try:
        service.update_tenure(tenure, data)
    except StaleTenure:
        raise_stale()
    return change_response(tenure)


@blp.route("/<uuid:tenure_id>/person/<uuid:person_id>", methods=["PATCH"])
@require_scope("tenures:write")
@blp.doc(parameters=[IF_MATCH, PREFER])
@blp.arguments(HouseholdMemberPatchSchema, example=EXAMPLE_PERSON, error_status_code=400)
@blp.response(200, TenureSchema, example=EXAMPLE_TENURE, headers=ETAG_HEADER, description="Person updated.")
@blp.alt_response(
    201, schema=TenureSchema, example=EXAMPLE_TENURE, headers=ETAG_HEADER, description="Person added."
)
@blp.alt_response(204, description="Done (with `Prefer: return=minimal`).", headers=ETAG_HEADER)
@document_errors(*CHANGE_ERRORS)
def upsert_person(data, tenure_id, person_id):
    """Add a person to a tenure's household, or update them

    Adds the person when they are not in the household (then `fullName` is required), otherwise
    changes the fields sent. Answers with the whole tenure.
    """
    tenure = tenure_or_404(tenure_id)  # the schema has checked the body against it
    check_if_match(tenure)
    try:
        _member, added = service.upsert_household_member(tenure, person_id, data)
    except StaleTenure:
        raise_stale()
    return change_response(tenure, 201 if added else 200)


@blp.route("/<uuid:tenure_id>/person/<uuid:person_id>", methods=["DELETE"])
@require_scope("tenures:write")
@blp.doc(parameters=[IF_MATCH])
@blp.response(204, description="Removed; the tenure's new ETag is in the ETag header.", headers=ETAG_HEADER)
@document_errors(401, 403, 404, 412, 428)
def remove_person(tenure_id, person_id):
    """Remove a person from a tenure's household"""
    tenure = tenure_or_404(tenure_id)
    check_if_match(tenure)
    member = service.find_member(tenure, person_id)
    if member is None:
        raise ApiError(404, f"Person {person_id} is not in the household of tenure {tenure_id}.")
    try:
        service.remove_household_member(tenure, member)
    except StaleTenure:
        raise_stale()
    response = blp_empty_response(204)
    response.headers["ETag"] = f'"{tenure_etag(tenure)}"'
    return response
