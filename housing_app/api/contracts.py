"""Contracts API (../shared/seeds/contracts-api.md): the agreements that let Hackney use a
property, with their responsible people and charges.

GET /api/v1/contracts?targetId=  cursor-paged, oldest first
GET /api/v1/contracts/{id}
POST /api/v1/contracts           201, server-made ids, versionNumber 0
PATCH /api/v1/contracts/{id}     partial; send the versionNumber read (or If-Match its ETag)
DELETE /api/v1/contracts/{id}    send If-Match (or ?versionNumber=) the version read

Every change is recorded in the activity history in the same transaction.
"""

import uuid

from flask import has_request_context, request, url_for
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from housing_app.api.auth import require_scope
from housing_app.api.blueprint import Blueprint
from housing_app.api.cursor_paging import PageQuerySchema, PaginationDetailsSchema, keyset_page
from housing_app.api.errors import ApiError, document_errors
from housing_app.api.fields import CamelCaseSchema, RFC3339DateTime
from housing_app.api.value_fields import DateTimeInput, Money, StrictBoolean, StrictInteger, Text
from housing_app.extensions import db
from housing_app.models.base import utcnow
from housing_app.models.contracts import (
    CHARGE_FREQUENCIES,
    CONTRACT_TARGET_TYPES,
    RELATED_PARTY_TYPES,
    Contract,
    ContractCharge,
    ContractRelatedPerson,
)
from housing_app.services import activity_log

blp = Blueprint(
    "contracts",
    __name__,
    url_prefix="/api/v1/contracts",
    description="Contracts between Hackney and the parties to a property: people, dates and charges.",
)

EXAMPLE_TARGET_ID = "72847475-4ef3-4d24-9fd4-6820aeffef0c"


# --- Responses ---------------------------------------------------------------------------------


class RelatedPersonSchema(CamelCaseSchema):
    id = fields.UUID(metadata={"example": "d290f1ee-6c54-4b01-90e6-d701748f0851"})
    type = fields.String(allow_none=True, metadata={"example": "person"})
    sub_type = fields.String(allow_none=True, metadata={"example": "Landlord"})
    name = fields.String(allow_none=True, metadata={"example": "John Smith"})
    email = fields.String(allow_none=True, metadata={"example": "john.smith@email.com"})
    is_responsible = fields.Boolean(allow_none=True, metadata={"example": True})
    description = fields.String(allow_none=True, metadata={"example": "Landlord of the building"})
    phone = fields.String(allow_none=True, metadata={"example": None})
    related_id = fields.UUID(allow_none=True, metadata={"example": "5d2ba3b2-27ee-4d2b-a4ba-0f1b8bd3b1e1"})


class ChargeSchema(CamelCaseSchema):
    id = fields.UUID(metadata={"example": "95d2a92c-d646-4aab-8cf2-06d1671cf9be"})
    type = fields.String(allow_none=True, metadata={"example": "Rent"})
    sub_type = fields.String(allow_none=True, metadata={"example": None})
    frequency = fields.String(metadata={"example": "Monthly"})
    amount = Money(metadata={"example": 511.3})


class ContractSchema(CamelCaseSchema):
    id = fields.UUID(metadata={"example": "ff09ac20-e97e-468d-98b2-a972ba724ed2"})
    target_id = fields.UUID(metadata={"example": EXAMPLE_TARGET_ID})
    target_type = fields.String(metadata={"example": "asset"})
    contract_type = fields.String(allow_none=True, metadata={"example": "contract type"})
    start_date = RFC3339DateTime(allow_none=True, metadata={"example": "2022-10-11T20:28:41Z"})
    end_date = RFC3339DateTime(allow_none=True, metadata={"example": "2023-10-11T20:28:41Z"})
    renewal_date = RFC3339DateTime(allow_none=True, metadata={"example": "2023-10-11T20:28:41Z"})
    approval_date = RFC3339DateTime(allow_none=True, metadata={"example": "2023-10-11T20:28:41Z"})
    related_people = fields.List(fields.Nested(RelatedPersonSchema))
    charges = fields.List(fields.Nested(ChargeSchema))
    version_number = fields.Integer(metadata={"example": 0})
    funding_source = fields.String(allow_none=True, metadata={"example": None})
    cost_centre = fields.String(allow_none=True, metadata={"example": None})
    lha_area = fields.String(allow_none=True, metadata={"example": None})
    lha_rate = Money(allow_none=True, metadata={"example": None})
    is_active = fields.Boolean(metadata={"example": True})
    is_vat_registered = fields.Boolean(data_key="isVATRegistered", metadata={"example": False})
    stage = fields.Integer(allow_none=True, metadata={"example": 1})


class ContractListSchema(Schema):
    results = fields.List(fields.Nested(ContractSchema))
    paginationDetails = fields.Nested(PaginationDetailsSchema)


# --- Requests ----------------------------------------------------------------------------------


def related_person_fields() -> dict:
    return {
        "type": Text(20, allow_none=True, validate=validate.OneOf(RELATED_PARTY_TYPES)),
        "sub_type": Text(100, allow_none=True),
        "name": Text(200, required=True, validate=validate.Length(min=1, max=200)),
        "email": fields.Email(allow_none=True, validate=validate.Length(max=254)),
        "phone": Text(50, allow_none=True),
        "is_responsible": StrictBoolean(allow_none=True),
        "description": Text(500, allow_none=True),
        "related_id": fields.UUID(allow_none=True),
    }


def charge_fields() -> dict:
    return {
        "type": Text(100, allow_none=True),
        "sub_type": Text(100, allow_none=True),
        "frequency": Text(20, required=True, validate=validate.OneOf(CHARGE_FREQUENCIES)),
        "amount": Money(required=True),
    }


NewRelatedPersonSchema = CamelCaseSchema.from_dict(related_person_fields(), name="NewRelatedPerson")
NewChargeSchema = CamelCaseSchema.from_dict(charge_fields(), name="NewCharge")
# In a PATCH, an item with an id keeps that id (it must be one of the contract's); one without is new.
PatchRelatedPersonSchema = CamelCaseSchema.from_dict(
    {"id": fields.UUID(), **related_person_fields()}, name="PatchRelatedPerson"
)
PatchChargeSchema = CamelCaseSchema.from_dict({"id": fields.UUID(), **charge_fields()}, name="PatchCharge")


class ContractFieldsSchema(CamelCaseSchema):
    """The fields a client may set, shared by POST and PATCH."""

    contract_type = Text(100, allow_none=True)
    start_date = DateTimeInput(allow_none=True)
    end_date = DateTimeInput(allow_none=True)
    renewal_date = DateTimeInput(allow_none=True)
    approval_date = DateTimeInput(allow_none=True)
    funding_source = Text(100, allow_none=True)
    cost_centre = Text(100, allow_none=True)
    lha_area = Text(100, allow_none=True)
    lha_rate = Money(allow_none=True)
    is_active = StrictBoolean()
    is_vat_registered = StrictBoolean(data_key="isVATRegistered")
    stage = StrictInteger(minimum=0, maximum=1000, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def end_after_start(self, data, **kwargs):
        check_end_after_start(data.get("start_date"), data.get("end_date"))


def check_end_after_start(start, end):
    if start is not None and end is not None and end <= start:
        raise ValidationError("endDate must be after startDate.", field_name="endDate")


class NewContractSchema(ContractFieldsSchema):
    target_id = fields.UUID(required=True)
    target_type = Text(40, required=True, validate=validate.OneOf(CONTRACT_TARGET_TYPES))
    related_people = fields.List(fields.Nested(NewRelatedPersonSchema), load_default=list)
    charges = fields.List(fields.Nested(NewChargeSchema), load_default=list)
    version_number = StrictInteger(
        minimum=0,
        maximum=0,
        allow_none=True,
        metadata={"description": "Ignored when null or 0: a new contract is version 0."},
    )


class ContractPatchSchema(ContractFieldsSchema):
    related_people = fields.List(
        fields.Nested(PatchRelatedPersonSchema),
        metadata={"description": "The whole new list. Items with an id keep it; items without get one."},
    )
    charges = fields.List(
        fields.Nested(PatchChargeSchema),
        metadata={"description": "The whole new list. Items with an id keep it; items without get one."},
    )
    version_number = StrictInteger(
        minimum=0,
        metadata={"description": "The versionNumber you read. Required unless you send If-Match."},
    )

    @validates_schema(skip_on_field_errors=False)
    def fits_the_stored_contract(self, data, **kwargs):
        """Checked against the contract it changes, so every problem is in the one 400."""
        contract_id = (request.view_args or {}).get("contract_id") if has_request_context() else None
        contract = db.session.get(Contract, contract_id) if contract_id else None
        if contract is None or read_an_older_version(contract, data.get("version_number")):
            return  # a 404, or a 409 / 412: read it again first
        errors = {}
        for problem in patch_problems(contract, data):
            field_path, _, message = problem.partition(": ")
            errors.setdefault(field_path, []).append(message)
        if errors:
            raise ValidationError(errors)


class ContractListQuerySchema(PageQuerySchema):
    targetId = fields.UUID(required=True, metadata={"description": "The asset (or other target) id."})


class VersionQuerySchema(Schema):
    versionNumber = fields.Integer(
        validate=validate.Range(min=0, max=2_000_000_000),
        metadata={"description": "The versionNumber you read (or send If-Match)."},
    )


NEW_CONTRACT_EXAMPLE = {
    "targetId": EXAMPLE_TARGET_ID,
    "targetType": "asset",
    "contractType": "contract type",
    "startDate": "2022-10-11T20:28:41Z",
    "endDate": "2023-10-11T20:28:41Z",
    "renewalDate": "2023-10-11T20:28:41Z",
    "approvalDate": "2023-10-11T20:28:41Z",
    "relatedPeople": [
        {
            "type": "person",
            "subType": "Landlord",
            "name": "Bob Smith",
            "email": "john.smith@email.com",
            "isResponsible": True,
            "description": "Landlord of the building",
            "relatedId": "5d2ba3b2-27ee-4d2b-a4ba-0f1b8bd3b1e1",
        }
    ],
    "charges": [{"type": "Rent", "frequency": "Monthly", "amount": 1.3}],
    "versionNumber": None,
    "fundingSource": None,
    "costCentre": None,
    "lhaArea": None,
    "lhaRate": None,
    "isActive": True,
    "isVATRegistered": False,
    "stage": None,
}
PATCH_EXAMPLE = {"versionNumber": 0, "stage": 2, "isVATRegistered": True, "endDate": "2024-05-29T00:00:00Z"}
CONTRACT_EXAMPLE = {
    "id": "75985c70-c7fd-49d2-9e60-61c321abd8e2",
    **{k: v for k, v in NEW_CONTRACT_EXAMPLE.items() if k not in ("relatedPeople", "charges")},
    "relatedPeople": [
        {
            "id": "00d8e1f5-0c3b-4a54-9a0e-6a2b5e0f1c21",
            "phone": None,
            **NEW_CONTRACT_EXAMPLE["relatedPeople"][0],
        }
    ],
    "charges": [
        {"id": "95d2a92c-d646-4aab-8cf2-06d1671cf9be", "subType": None, **NEW_CONTRACT_EXAMPLE["charges"][0]}
    ],
    "versionNumber": 0,
}
PATCHED_EXAMPLE = {
    **CONTRACT_EXAMPLE,
    "versionNumber": 1,
    "stage": 2,
    "isVATRegistered": True,
    "endDate": "2024-05-29T00:00:00Z",
}
LIST_EXAMPLE = {"results": [CONTRACT_EXAMPLE], "paginationDetails": {"nextToken": None}}
ETAG_HEADER = {
    "ETag": {
        "description": "The contract's versionNumber, quoted: send it back in If-Match to change it.",
        "schema": {"type": "string", "example": '"0"'},
    }
}
SOME_ID = "75985c70-c7fd-49d2-9e60-61c321abd8e2"
UNAUTHORISED = (
    401,
    ("No valid bearer token.", "Send an API token in the Authorization header: 'Bearer <token>'."),
)


def forbidden(scope: str):
    return 403, ("The token lacks " + scope + ".", f"This token does not have the '{scope}' scope.")


NOT_FOUND = (404, ("No contract with this id.", f"No contract with id {SOME_ID}."))
BAD_BODY = (
    400,
    (
        "Every problem with the body, one error each.",
        "startDate: '19-03-2020' is not a valid date. Use an RFC 3339 date-time such as "
        "2024-03-19T00:00:00Z, or a date 2024-03-19.",
    ),
)
STALE_VERSION = (
    409,
    (
        "versionNumber is not the current one.",
        "versionNumber 0 is stale: the contract is at version 1. Read it again and reapply your change.",
    ),
)
STALE_ETAG = (
    412,
    ("If-Match is not the current ETag.", 'If-Match "0" does not match the contract\'s current ETag "1".'),
)
NO_VERSION = (
    428,
    (
        "Neither versionNumber nor If-Match was sent.",
        "Send the versionNumber you read in the body (or ?versionNumber=), or its ETag in If-Match.",
    ),
)
TOO_BIG = (413, ("The body is larger than the API accepts.", "Request bodies are limited to 1048576 bytes."))
NOT_JSON = (
    415,
    ("The body is not sent as JSON.", "Send the body as JSON with 'Content-Type: application/json'."),
)
IF_MATCH_HEADER = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of the contract as you read it (alternative to versionNumber).",
}


# --- Helpers -----------------------------------------------------------------------------------


def contract_snapshot(contract: Contract) -> dict:
    """The contract as the API shows it, for the activity history (without id and version)."""
    data = ContractSchema().dump(contract)
    data.pop("id", None)
    data.pop("versionNumber", None)
    return data


def etag(contract: Contract) -> str:
    return f'"{contract.version_number}"'


def contract_headers(contract: Contract) -> dict:
    return {"ETag": etag(contract)}


def get_contract_or_404(contract_id: uuid.UUID) -> Contract:
    contract = db.session.get(
        Contract,
        contract_id,
        options=[selectinload(Contract.related_people), selectinload(Contract.charges)],
    )
    if contract is None:
        raise ApiError(404, f"No contract with id {contract_id}.", "The contract could not be found.")
    return contract


def if_match_tags() -> list[str] | None:
    if_match = request.headers.get("If-Match")
    return None if if_match is None else [tag.strip() for tag in if_match.split(",")]


def read_an_older_version(contract: Contract, body_version: int | None) -> bool:
    tags = if_match_tags()
    if tags is not None and "*" not in tags and etag(contract) not in tags:
        return True
    return body_version is not None and body_version != contract.version_number


def version_the_client_read(contract: Contract, body_version: int | None) -> int:
    """Check the client changes the version it read: a stale If-Match is 412, a stale versionNumber
    409, neither 428."""
    if_match = request.headers.get("If-Match")
    tags = if_match_tags()
    if tags is not None and "*" not in tags and etag(contract) not in tags:
        raise ApiError(
            412,
            f"If-Match {if_match} does not match the contract's current ETag {etag(contract)}.",
        )
    if body_version is not None and body_version != contract.version_number:
        raise ApiError(
            409,
            f"versionNumber {body_version} is stale: the contract is at version {contract.version_number}. "
            "Read it again and reapply your change.",
        )
    if if_match is None and body_version is None:
        raise ApiError(
            428,
            "Send the versionNumber you read in the body (or ?versionNumber=), or its ETag in If-Match.",
        )
    return contract.version_number


def bump_version(contract: Contract, read_version: int) -> None:
    """Move the contract to the next version, only if nobody else has since `read_version` was
    read (a conditional UPDATE, so it holds between concurrent requests too)."""
    now = utcnow()
    result = db.session.execute(
        update(Contract)
        .where(Contract.id == contract.id, Contract.version_number == read_version)
        .values(version_number=read_version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ApiError(409, "The contract was changed by someone else meanwhile. Read it again.")
    set_committed_value(contract, "version_number", read_version + 1)
    set_committed_value(contract, "updated_at", now)


def build_related_person(data: dict, position: int, existing: ContractRelatedPerson | None = None):
    person = existing or ContractRelatedPerson(id=uuid.uuid4())
    person.position = position
    person.type = data.get("type")
    person.sub_type = data.get("sub_type")
    person.name = data["name"]
    person.email = data.get("email")
    person.phone = data.get("phone")
    person.is_responsible = data.get("is_responsible")
    person.description = data.get("description")
    person.related_id = data.get("related_id")
    return person


def build_charge(data: dict, position: int, existing: ContractCharge | None = None):
    charge = existing or ContractCharge(id=uuid.uuid4())
    charge.position = position
    charge.type = data.get("type")
    charge.sub_type = data.get("sub_type")
    charge.frequency = data["frequency"]
    charge.amount = data["amount"]
    return charge


def unknown_item_ids(items: list[dict], existing: list, field_name: str) -> list[str]:
    known = {item.id for item in existing}
    return [
        f"{field_name}.{index}.id: {item['id']} is not one of this contract's {field_name}; "
        "leave id out to add a new one."
        for index, item in enumerate(items)
        if item.get("id") is not None and item["id"] not in known
    ]


def duplicate_item_ids(items: list[dict], field_name: str) -> list[str]:
    seen, duplicated = set(), []
    for item in items:
        item_id = item.get("id")
        if item_id is not None and item_id in seen and item_id not in duplicated:
            duplicated.append(item_id)
        seen.add(item_id)
    return [f"{field_name}: id {item_id} appears more than once." for item_id in duplicated]


def replace_items(items: list[dict], existing: list, build) -> list:
    by_id = {item.id: item for item in existing}
    return [build(data, position, by_id.get(data.get("id"))) for position, data in enumerate(items)]


SCALAR_FIELDS = (
    "contract_type",
    "start_date",
    "end_date",
    "renewal_date",
    "approval_date",
    "funding_source",
    "cost_centre",
    "lha_area",
    "lha_rate",
    "is_active",
    "is_vat_registered",
    "stage",
)


def patch_problems(contract: Contract, changes: dict) -> list[str]:
    """Every problem with a patch against this contract, as 'field: message' lines."""
    problems = []
    if "related_people" in changes:
        problems += duplicate_item_ids(changes["related_people"], "relatedPeople")
        problems += unknown_item_ids(changes["related_people"], contract.related_people, "relatedPeople")
    if "charges" in changes:
        problems += duplicate_item_ids(changes["charges"], "charges")
        problems += unknown_item_ids(changes["charges"], contract.charges, "charges")
    start = changes.get("start_date", contract.start_date)
    end = changes.get("end_date", contract.end_date)
    if start is not None and end is not None and end <= start:
        problems.append("endDate: endDate must be after startDate.")
    return problems


def apply_patch(contract: Contract, changes: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in changes:
            setattr(contract, name, changes[name])
    if "related_people" in changes:
        contract.related_people = replace_items(
            changes["related_people"], contract.related_people, build_related_person
        )
    if "charges" in changes:
        contract.charges = replace_items(changes["charges"], contract.charges, build_charge)


# --- Endpoints ---------------------------------------------------------------------------------


@blp.route("")
@require_scope("contracts:read")
@blp.arguments(ContractListQuerySchema(), location="query", as_kwargs=True, error_status_code=400)
@blp.response(200, ContractListSchema, example=LIST_EXAMPLE)
@document_errors(
    blp,
    dict(
        [
            (
                400,
                (
                    "A missing targetId, bad pageSize or paginationToken.",
                    "targetId: Missing data for required field.",
                ),
            ),
            UNAUTHORISED,
            forbidden("contracts:read"),
        ]
    ),
)
def list_contracts(targetId, pageSize, paginationToken):
    """Contracts of a target (usually an asset), oldest first, one page at a time."""
    statement = (
        db.select(Contract)
        .where(Contract.target_id == targetId)
        .options(selectinload(Contract.related_people), selectinload(Contract.charges))
    )
    contracts, next_token = keyset_page(
        statement,
        Contract,
        list_name="contracts",
        scope=str(targetId),
        page_size=pageSize,
        token=paginationToken,
        newest_first=False,
    )
    return {"results": contracts, "paginationDetails": {"nextToken": next_token}}


@blp.route("/<uuid:contract_id>")
@require_scope("contracts:read")
@blp.response(200, ContractSchema, example=CONTRACT_EXAMPLE, headers=ETAG_HEADER)
@document_errors(blp, dict([UNAUTHORISED, forbidden("contracts:read"), NOT_FOUND]))
def get_contract(contract_id):
    """One contract. Its ETag (and versionNumber) are what a PATCH must send back."""
    contract = get_contract_or_404(contract_id)
    return contract, 200, contract_headers(contract)


@blp.route("", methods=["POST"])
@require_scope("contracts:write")
@blp.arguments(NewContractSchema, example=NEW_CONTRACT_EXAMPLE, error_status_code=400)
@blp.response(
    201,
    ContractSchema,
    example=CONTRACT_EXAMPLE,
    headers={
        **ETAG_HEADER,
        "Location": {"description": "The new contract's URL.", "schema": {"type": "string"}},
    },
)
@document_errors(blp, dict([BAD_BODY, UNAUTHORISED, forbidden("contracts:write"), TOO_BIG, NOT_JSON]))
def create_contract(body):
    """Create a contract. Ids (its own, its people's and charges') are made here; version 0."""
    body.pop("version_number", None)
    people = body.pop("related_people")
    charges = body.pop("charges")
    with activity_log.logged_change("create", "contract", contract_snapshot) as change:
        contract = Contract(id=uuid.uuid4(), version_number=0, **body)
        contract.related_people = [build_related_person(p, i) for i, p in enumerate(people)]
        contract.charges = [build_charge(c, i) for i, c in enumerate(charges)]
        db.session.add(contract)
        change.target = contract
    contract = get_contract_or_404(contract.id)
    headers = {
        **contract_headers(contract),
        "Location": url_for("contracts.get_contract", contract_id=contract.id),
    }
    return contract, 201, headers


@blp.route("/<uuid:contract_id>", methods=["PATCH"])
@require_scope("contracts:write")
@blp.arguments(ContractPatchSchema, example=PATCH_EXAMPLE, error_status_code=400)
@blp.doc(parameters=[IF_MATCH_HEADER])
@blp.response(200, ContractSchema, example=PATCHED_EXAMPLE, headers=ETAG_HEADER)
@document_errors(
    blp,
    dict(
        [
            BAD_BODY,
            UNAUTHORISED,
            forbidden("contracts:write"),
            NOT_FOUND,
            STALE_VERSION,
            STALE_ETAG,
            TOO_BIG,
            NOT_JSON,
            NO_VERSION,
        ]
    ),
)
def patch_contract(changes, contract_id):
    """Change some fields. Send the versionNumber you read (or If-Match); a stale one is refused
    so nobody's change is silently overwritten. Success adds 1 to versionNumber."""
    contract = get_contract_or_404(contract_id)
    read_version = version_the_client_read(contract, changes.pop("version_number", None))
    with activity_log.logged_change("update", "contract", contract_snapshot, contract) as change:
        apply_patch(contract, changes)
        if contract_snapshot(contract) != change.old:
            bump_version(contract, read_version)
    contract = get_contract_or_404(contract_id)
    return contract, 200, contract_headers(contract)


@blp.route("/<uuid:contract_id>", methods=["DELETE"])
@require_scope("contracts:write")
@blp.arguments(VersionQuerySchema, location="query", as_kwargs=True, error_status_code=400)
@blp.doc(parameters=[IF_MATCH_HEADER])
@blp.response(204, description="Removed.")
@document_errors(
    blp,
    dict(
        [
            (400, ("A bad versionNumber.", "versionNumber: Not a valid integer.")),
            UNAUTHORISED,
            forbidden("contracts:write"),
            NOT_FOUND,
            STALE_VERSION,
            STALE_ETAG,
            NO_VERSION,
        ]
    ),
)
def delete_contract(contract_id, versionNumber=None):
    """Remove a contract (its history stays in the activity history)."""
    contract = get_contract_or_404(contract_id)
    read_version = version_the_client_read(contract, versionNumber)
    with activity_log.logged_change("delete", "contract", contract_snapshot, contract):
        bump_version(contract, read_version)  # refuses if changed since it was read
        db.session.delete(contract)
    return None
