"""Activity History API (../shared/seeds/activities-api.md): the audit trail of every change.

GET /api/v1/activityhistory?targetId=   newest first, cursor-paged
POST /api/v1/activityhistory            for other services to record their own changes

This app records its own changes itself (services/activity_log.py), in the same transaction as
each change; clients cannot edit or delete history.
"""

from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from housing_app.api.auth import require_scope
from housing_app.api.blueprint import Blueprint
from housing_app.api.cursor_paging import PageQuerySchema, PaginationDetailsSchema, keyset_page
from housing_app.api.errors import ApiError, document_errors
from housing_app.api.fields import CamelCaseSchema, RFC3339DateTime
from housing_app.api.value_fields import DateTimeInput, Text, check_data
from housing_app.extensions import db
from housing_app.models import Activity
from housing_app.models.activities import ACTIVITY_TYPES, TARGET_TYPES
from housing_app.models.base import utcnow
from housing_app.services import activity_log

blp = Blueprint(
    "activityhistory",
    __name__,
    url_prefix="/api/v1/activityhistory",
    description="The activity history: who changed what, from what, to what, and when.",
)

EXAMPLE_TARGET_ID = "8d9f6c42-3f1a-4d8e-9a53-4e5f1f0c2b7a"


class AuthorDetailsSchema(CamelCaseSchema):
    id = fields.UUID(allow_none=True, metadata={"example": "1f1bd5f4-5b4e-4a8a-9b8a-8d1a0e0b4b5f"})
    full_name = fields.String(metadata={"example": "Olivia Officer"})
    email = fields.String(allow_none=True, metadata={"example": "olivia.officer@hackney.gov.uk"})


class ActivitySchema(CamelCaseSchema):
    id = fields.UUID(metadata={"example": "3fa85f64-5717-4562-b3fc-2c963f66afa6"})
    type = fields.String(metadata={"example": "update"})
    target_type = fields.String(metadata={"example": "tenure"})
    target_id = fields.UUID(metadata={"example": EXAMPLE_TARGET_ID})
    created_at = RFC3339DateTime(metadata={"example": "2024-03-19T16:34:41Z"})
    old_data = fields.Dict(allow_none=True, metadata={"example": {"stage": 1}})
    new_data = fields.Dict(allow_none=True, metadata={"example": {"stage": 2}})
    author_details = fields.Nested(AuthorDetailsSchema)


class ActivityListSchema(Schema):
    results = fields.List(fields.Nested(ActivitySchema))
    paginationDetails = fields.Nested(PaginationDetailsSchema)


class ActivityListQuerySchema(PageQuerySchema):
    targetId = fields.UUID(required=True, metadata={"description": "Whose history: a tenure, contract, …"})


class NewAuthorDetailsSchema(CamelCaseSchema):
    id = fields.UUID(allow_none=True)
    full_name = Text(200, required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))


class NewActivitySchema(CamelCaseSchema):
    type = Text(20, required=True, validate=validate.OneOf(ACTIVITY_TYPES))
    target_type = Text(40, required=True, validate=validate.OneOf(TARGET_TYPES))
    target_id = fields.UUID(required=True)
    created_at = DateTimeInput(
        allow_none=True,
        metadata={"description": "When it happened; defaults to now. Useful when migrating old history."},
    )
    old_data = fields.Dict(keys=fields.String(), allow_none=True, load_default=None, validate=check_data)
    new_data = fields.Dict(keys=fields.String(), allow_none=True, load_default=None, validate=check_data)
    author_details = fields.Nested(
        NewAuthorDetailsSchema,
        allow_none=True,
        load_default=None,
        metadata={"description": "Who made the change; defaults to the API client."},
    )

    @validates_schema(skip_on_field_errors=False)
    def data_fits_the_type(self, data, **kwargs):
        kind, old, new = data.get("type"), data.get("old_data"), data.get("new_data")
        if kind == "create" and (old is not None or new is None):
            raise ValidationError("A create has newData and no oldData.", field_name="type")
        if kind == "delete" and (new is not None or old is None):
            raise ValidationError("A delete has oldData and no newData.", field_name="type")
        if kind == "update" and (old is None or new is None):
            raise ValidationError("An update has both oldData and newData.", field_name="type")
        created_at = data.get("created_at")
        if created_at is not None and created_at > utcnow() + timedelta(minutes=5):
            raise ValidationError("createdAt must not be in the future.", field_name="createdAt")


NEW_ACTIVITY_EXAMPLE = {
    "type": "update",
    "targetType": "person",
    "targetId": EXAMPLE_TARGET_ID,
    "oldData": {"preferredFirstName": "Jo"},
    "newData": {"preferredFirstName": "Joanne"},
    "authorDetails": {"id": None, "fullName": "Sam Caseworker", "email": "sam.caseworker@hackney.gov.uk"},
}


ACTIVITY_EXAMPLE = {
    "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "type": "update",
    "targetType": "person",
    "targetId": EXAMPLE_TARGET_ID,
    "createdAt": "2024-03-19T16:34:41Z",
    "oldData": {"preferredFirstName": "Jo"},
    "newData": {"preferredFirstName": "Joanne"},
    "authorDetails": NEW_ACTIVITY_EXAMPLE["authorDetails"],
}
LIST_EXAMPLE = {
    "results": [ACTIVITY_EXAMPLE],
    "paginationDetails": {"nextToken": "WyI4ZDlmNmM0MiIsIjIwMjQtMDMtMTkiXQ.c2lnbmF0dXJl"},
}
UNAUTHORISED = (
    401,
    ("No valid bearer token.", "Send an API token in the Authorization header: 'Bearer <token>'."),
)


@blp.route("")
@require_scope("activities:read")
@blp.arguments(ActivityListQuerySchema(), location="query", as_kwargs=True, error_status_code=400)
@blp.response(200, ActivityListSchema, example=LIST_EXAMPLE)
@document_errors(
    blp,
    {
        400: (
            "A missing targetId, bad pageSize or paginationToken.",
            "targetId: Missing data for required field.",
        ),
        401: UNAUTHORISED[1],
        403: ("The token lacks activities:read.", "This token does not have the 'activities:read' scope."),
    },
)
def list_activities(targetId, pageSize, paginationToken):
    """The history of one target, newest first, one page at a time."""
    activities, next_token = keyset_page(
        db.select(Activity).where(Activity.target_id == targetId),
        Activity,
        list_name="activityhistory",
        scope=str(targetId),
        page_size=pageSize,
        token=paginationToken,
        newest_first=True,
    )
    return {"results": activities, "paginationDetails": {"nextToken": next_token}}


@blp.route("", methods=["POST"])
@require_scope("activities:write")
@blp.arguments(NewActivitySchema, example=NEW_ACTIVITY_EXAMPLE, error_status_code=400)
@blp.response(201, ActivitySchema, example=ACTIVITY_EXAMPLE)
@document_errors(
    blp,
    {
        400: (
            "Every problem with the body, one error each.",
            "type: An update has both oldData and newData.",
        ),
        401: UNAUTHORISED[1],
        403: ("The token lacks activities:write.", "This token does not have the 'activities:write' scope."),
        413: ("The body is larger than the API accepts.", "Request bodies are limited to 1048576 bytes."),
        415: (
            "The body is not sent as JSON.",
            "Send the body as JSON with 'Content-Type: application/json'.",
        ),
    },
)
def create_activity(body):
    """Record a change another service made. For an update only the fields whose values differ
    are kept."""
    given_author = body["author_details"]
    author = None
    if given_author:
        author = activity_log.Author(
            given_author.get("id"), given_author["full_name"], given_author.get("email")
        )
    activity = activity_log.record(
        body["type"], body["target_type"], body["target_id"], body["old_data"], body["new_data"], author
    )
    if activity is None:
        raise ApiError(400, "oldData and newData are the same: an update must change something.")
    if body.get("created_at") is not None:
        activity.created_at = body["created_at"]
    db.session.commit()
    return activity
