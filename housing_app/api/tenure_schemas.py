"""Marshmallow schemas of the Tenure API: they validate requests and document the OpenAPI spec.

Inputs are strict about JSON types (no "true" for true, no "12" for 12), reject unknown fields,
and report every problem at once. Nested objects in a PATCH merge field by field, so the PATCH
schemas have no required fields inside them (except a tenure type's code).
"""

import math
import re
from datetime import date

from flask import has_request_context, request
from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from housing_app.api.cursor_paging import PaginationDetailsSchema
from housing_app.api.fields import CamelCaseSchema, RFC3339Date
from housing_app.extensions import db
from housing_app.models.tenures import (
    ASSET_TYPES,
    HOUSEHOLD_MEMBER_TYPES,
    PERSON_TENURE_TYPES,
    TENURE_TYPES,
    Tenure,
)

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$", re.IGNORECASE)
POSTCODE_AT_END = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\s*$", re.IGNORECASE)
MAX_MONEY = 999_999_999.99


def format_postcode(outward: str, inward: str) -> str:
    return f"{outward.upper()} {inward.upper()}"


def postcode_from_address(address: str | None) -> str | None:
    """'1 Hillman Street, London E8 1DY' -> 'E8 1DY' (None when it does not end in one)."""
    match = POSTCODE_AT_END.search(address or "")
    return format_postcode(*match.groups()) if match else None


class Text(fields.String):
    """A JSON string the database can store: no NUL characters or unpaired surrogates."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("Must be valid Unicode text.") from None
        return text


class Name(Text):
    """Text that must have some non-space content; surrounding spaces are dropped."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("pattern", r"\S")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise ValidationError("Must not be blank.")
        return text


class PersonName(Name):
    """A household member's full name. Its first and last words are kept for search, in columns of
    100 characters, so no word may be longer."""

    MAX_WORD = 100

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=200))
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("example", "Jo Bloggs")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if any(len(word) > self.MAX_WORD for word in text.split()):
            raise ValidationError(f"Each word of a name must be at most {self.MAX_WORD} characters.")
        return text


class Choice(Text):
    """One of fixed values, matched case-insensitively and stored in its canonical spelling."""

    def __init__(self, choices, **kwargs):
        self.canonical = {c.lower(): c for c in choices}
        kwargs.setdefault("validate", validate.OneOf(list(choices)))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        choice = self.canonical.get(text.strip().lower())
        if choice is None:
            raise ValidationError(f"'{text}' is not one of: {', '.join(self.canonical.values())}.")
        return choice


class StrictBoolean(fields.Boolean):
    """Only JSON true / false."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        raise ValidationError("Not a valid boolean: use JSON true or false.")


class Money(fields.Number):
    """An amount in pounds as a JSON number (never a string), kept to pence."""

    num_type = float

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(minimum=-MAX_MONEY, maximum=MAX_MONEY)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Not a valid amount: use a JSON number such as 125.5.")
        if not math.isfinite(value) or abs(value) > MAX_MONEY:
            raise ValidationError(f"Amounts must be between -{MAX_MONEY:,} and {MAX_MONEY:,}.")
        return value if isinstance(value, int) else round(value, 2)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Postcode(Text):
    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("pattern", POSTCODE.pattern.replace("\\s*", " ?"))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        match = POSTCODE.match(super()._deserialize(value, attr, data, **kwargs).strip())
        if not match:
            raise ValidationError("Not a valid UK postcode, e.g. E8 1DY.")
        return format_postcode(*match.groups())


def path_ids() -> dict:
    return (request.view_args or {}) if has_request_context() else {}


def stored_tenure() -> Tenure | None:
    """The tenure a PATCH names in its path, when the client holds its current version: the patch
    is checked against what it changes, so every problem is in the one 400. (A client without a
    current ETag gets its 428 or 412 instead: it must read the tenure again first.)"""
    from housing_app.services.tenures import tenure_etag  # the service imports this module

    tenure_id = path_ids().get("tenure_id")
    tenure = db.session.get(Tenure, tenure_id) if tenure_id else None
    if tenure is None or not request.if_match.contains(tenure_etag(tenure)):
        return None
    return tenure


def uuid_field(metadata=None, **kwargs):
    return fields.UUID(
        metadata={"example": "4c9b5a3e-6f0f-4e8b-9d6c-2b1f4a7e8d10", **(metadata or {})}, **kwargs
    )


# ---------------------------------------------------------------------------------------------
# Household members


class HouseholdMemberSchema(CamelCaseSchema):
    """A member in POST /tenures: `id` is the person's id (generated when left out)."""

    id = uuid_field(allow_none=True)
    type = Choice(HOUSEHOLD_MEMBER_TYPES, metadata={"example": "person"})
    full_name = PersonName(required=True)
    is_responsible = StrictBoolean(metadata={"example": True})
    date_of_birth = RFC3339Date(allow_none=True, metadata={"example": "1951-02-11T00:00:00Z"})
    person_tenure_type = Choice(PERSON_TENURE_TYPES, allow_none=True, metadata={"example": "Tenant"})

    @validates_schema
    def born_in_the_past(self, data, **kwargs):
        born = data.get("date_of_birth")
        if born and born > date.today():
            raise ValidationError("A date of birth cannot be in the future.", "dateOfBirth")


class HouseholdMemberPatchSchema(HouseholdMemberSchema):
    """PATCH /tenures/{id}/person/{personId}: fullName is needed only when adding the person."""

    id = uuid_field(metadata={"description": "If sent, must equal personId in the path."})
    full_name = PersonName()

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def fits_the_path(self, data, original, **kwargs):
        errors = {}
        person_id = path_ids().get("person_id")
        if data.get("id") and person_id and data["id"] != person_id:
            errors["id"] = ["must equal personId in the path (or be left out)."]
        tenure = stored_tenure()
        adding = tenure is not None and all(m.id != person_id for m in tenure.household_members)
        if adding and isinstance(original, dict) and "fullName" not in original:
            errors["fullName"] = ["Missing data for required field (needed to add a person)."]
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------------------------------------
# Nested parts of a tenure


class TenuredAssetPatchSchema(CamelCaseSchema):
    id = uuid_field(allow_none=True)
    type = Choice(ASSET_TYPES, allow_none=True, metadata={"example": "Dwelling"})
    full_address = Name(
        validate=validate.Length(max=500),
        metadata={"example": "Flat 3, 12 Hillman Street, London E8 1DY"},
    )
    uprn = Text(
        allow_none=True,
        validate=validate.Regexp(r"^\d{1,12}$", error="A UPRN is 1 to 12 digits."),
        metadata={"example": "100021045676"},
    )
    postcode = Postcode(
        allow_none=True,
        metadata={"example": "E8 1DY", "description": "Taken from the end of fullAddress when left out."},
    )


class TenuredAssetSchema(TenuredAssetPatchSchema):
    full_address = Name(
        required=True,
        validate=validate.Length(max=500),
        metadata={"example": "Flat 3, 12 Hillman Street, London E8 1DY"},
    )


class ChargesSchema(CamelCaseSchema):
    rent = Money(allow_none=True, metadata={"example": 125.5})
    current_balance = Money(allow_none=True, metadata={"example": -40.25})
    billing_frequency = Text(
        allow_none=True, validate=validate.Length(max=40), metadata={"example": "Weekly"}
    )
    service_charge = Money(allow_none=True, metadata={"example": 12.0})
    other_charges = Money(allow_none=True, metadata={"example": 0})
    combined_service_charges = Money(allow_none=True, metadata={"example": 12.0})
    combined_rent_charges = Money(allow_none=True, metadata={"example": 125.5})
    tenancy_insurance_charge = Money(allow_none=True, metadata={"example": 1.5})
    original_rent_charge = Money(allow_none=True, metadata={"example": 120.0})
    original_service_charge = Money(allow_none=True, metadata={"example": 11.0})


class TenureTypeSchema(CamelCaseSchema):
    code = Choice(TENURE_TYPES, required=True, metadata={"example": "INT"})
    description = Text(
        allow_none=True,
        metadata={"example": "Introductory", "description": "Optional; must match the code's when sent."},
    )

    @validates_schema
    def description_matches_code(self, data, **kwargs):
        code, description = data.get("code"), data.get("description")
        if code and description and description.strip().lower() != TENURE_TYPES[code].lower():
            raise ValidationError(
                f"'{description}' is not the description of tenure type {code}; "
                f"expected '{TENURE_TYPES[code]}' (or leave it out).",
                "description",
            )


class TerminatedSchema(CamelCaseSchema):
    is_terminated = StrictBoolean(metadata={"example": False})
    reason_for_termination = Text(
        allow_none=True, validate=validate.Length(max=500), metadata={"example": "Tenant deceased"}
    )


class NoticeSchema(CamelCaseSchema):
    type = Text(allow_none=True, validate=validate.Length(max=100), metadata={"example": "Notice to quit"})
    served_date = RFC3339Date(allow_none=True, metadata={"example": "2021-03-29T00:00:00Z"})
    expiry_date = RFC3339Date(allow_none=True, metadata={"example": "2021-04-26T00:00:00Z"})
    end_date = RFC3339Date(allow_none=True, metadata={"example": "2021-05-26T00:00:00Z"})
    effective_date = RFC3339Date(allow_none=True, metadata={"example": "2021-03-29T00:00:00Z"})


class LegacyReferenceSchema(CamelCaseSchema):
    name = Name(required=True, validate=validate.Length(max=100), metadata={"example": "u_saff_tenancy"})
    value = Text(required=True, validate=validate.Length(max=200), metadata={"example": "123456"})


# ---------------------------------------------------------------------------------------------
# Tenures


def optional_date(example: str):
    return RFC3339Date(allow_none=True, metadata={"example": example})


class TenurePatchSchema(CamelCaseSchema):
    """PATCH /tenures/{id}: any of these; nested objects merge, lists replace, null clears.
    Household members are changed with /tenures/{id}/person/{personId}."""

    error_messages = {
        "unknown": "Unknown field. (Household members are changed with "
        "PATCH or DELETE /api/v1/tenures/{id}/person/{personId}.)"
    }

    payment_reference = Text(
        allow_none=True, validate=validate.Length(max=50), metadata={"example": "228008866"}
    )
    tenured_asset = fields.Nested(TenuredAssetPatchSchema)
    charges = fields.Nested(ChargesSchema, allow_none=True)
    start_of_tenure_date = RFC3339Date(metadata={"example": "2020-03-19T00:00:00Z"})
    end_of_tenure_date = optional_date("2024-03-18T00:00:00Z")
    tenure_type = fields.Nested(TenureTypeSchema)
    is_tenanted = StrictBoolean(allow_none=True, metadata={"example": True})
    terminated = fields.Nested(TerminatedSchema)
    succession_date = optional_date("2022-06-01T00:00:00Z")
    eviction_date = optional_date("2024-01-15T00:00:00Z")
    potential_end_date = optional_date("2024-03-18T00:00:00Z")
    notices = fields.List(fields.Nested(NoticeSchema), allow_none=True)
    legacy_references = fields.List(fields.Nested(LegacyReferenceSchema), allow_none=True)
    is_mutual_exchange = StrictBoolean(allow_none=True, metadata={"example": False})
    inform_housing_benefits_for_changes = StrictBoolean(allow_none=True, metadata={"example": False})
    is_sublet = StrictBoolean(allow_none=True, metadata={"example": False})
    sublet_end_date = optional_date("2023-09-30T00:00:00Z")

    @validates_schema(skip_on_field_errors=False)
    def dates_fit_the_stored_tenure(self, data, **kwargs):
        tenure = stored_tenure()
        if tenure is None:  # creating, or no such tenure (a 404 follows)
            return
        start = data.get("start_of_tenure_date", tenure.start_of_tenure_date)
        end = data.get("end_of_tenure_date", tenure.end_of_tenure_date)
        problem = end_before_start_error(start, end)
        if problem:
            raise ValidationError(problem, "endOfTenureDate")


def end_before_start_error(start, end) -> str | None:
    if start and end and end < start:
        return "The end of tenure date must be on or after the start of tenure date."
    return None


class TenureCreateSchema(TenurePatchSchema):
    """POST /tenures. The server generates the tenure's id."""

    error_messages = {"unknown": "Unknown field."}

    payment_reference = Text(
        allow_none=True, validate=validate.Length(max=50), metadata={"example": "228008866"}
    )
    household_members = fields.List(fields.Nested(HouseholdMemberSchema))
    tenured_asset = fields.Nested(TenuredAssetSchema, required=True)
    start_of_tenure_date = RFC3339Date(required=True, metadata={"example": "2020-03-19T00:00:00Z"})
    tenure_type = fields.Nested(TenureTypeSchema, required=True)

    @validates_schema(skip_on_field_errors=False)
    def consistent(self, data, **kwargs):
        errors = {}
        problem = end_before_start_error(data.get("start_of_tenure_date"), data.get("end_of_tenure_date"))
        if problem:
            errors["endOfTenureDate"] = [problem]
        ids = [m.get("id") for m in data.get("household_members") or [] if m.get("id")]
        repeated = sorted({str(i) for i in ids if ids.count(i) > 1})
        if repeated:
            errors["householdMembers"] = {
                "id": [f"Each member's id must be unique; repeated: {', '.join(repeated)}."]
            }
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------------------------------------
# Responses (documentation of what housing_app.services.tenures.tenure_to_json returns)


class HouseholdMemberResponseSchema(CamelCaseSchema):
    id = uuid_field()
    type = fields.String(validate=validate.OneOf(HOUSEHOLD_MEMBER_TYPES), metadata={"example": "person"})
    full_name = fields.String(metadata={"example": "Jo Bloggs"})
    is_responsible = fields.Boolean(metadata={"example": True})
    date_of_birth = RFC3339Date(allow_none=True)
    person_tenure_type = fields.String(allow_none=True, metadata={"example": "Tenant"})


class TenuredAssetResponseSchema(CamelCaseSchema):
    id = uuid_field(allow_none=True)
    type = fields.String(allow_none=True, metadata={"example": "Dwelling"})
    full_address = fields.String(
        allow_none=True, metadata={"example": "Flat 3, 12 Hillman Street, London E8 1DY"}
    )
    uprn = fields.String(allow_none=True, metadata={"example": "100021045676"})
    postcode = fields.String(allow_none=True, metadata={"example": "E8 1DY"})


class ChargesResponseSchema(ChargesSchema):
    pass


class TenureTypeResponseSchema(CamelCaseSchema):
    code = fields.String(allow_none=True, metadata={"example": "INT"})
    description = fields.String(allow_none=True, metadata={"example": "Introductory"})


class TerminatedResponseSchema(CamelCaseSchema):
    is_terminated = fields.Boolean(metadata={"example": False})
    reason_for_termination = fields.String(allow_none=True, metadata={"example": None})


class NoticeResponseSchema(NoticeSchema):
    pass


class LegacyReferenceResponseSchema(CamelCaseSchema):
    name = fields.String(allow_none=True, metadata={"example": "u_saff_tenancy"})
    value = fields.String(allow_none=True, metadata={"example": "123456"})


class TenureSchema(CamelCaseSchema):
    """A tenure, identical in GET, POST and PATCH responses."""

    id = uuid_field()
    payment_reference = fields.String(allow_none=True, metadata={"example": "228008866"})
    household_members = fields.List(
        fields.Nested(HouseholdMemberResponseSchema),
        metadata={"description": "Responsible people first, then by name."},
    )
    tenured_asset = fields.Nested(TenuredAssetResponseSchema)
    charges = fields.Nested(ChargesResponseSchema)
    start_of_tenure_date = RFC3339Date(allow_none=True)
    end_of_tenure_date = RFC3339Date(allow_none=True)
    tenure_type = fields.Nested(TenureTypeResponseSchema)
    is_active = fields.Boolean(
        metadata={
            "example": True,
            "description": "Current (true) or former (false): started, not ended, not terminated.",
        }
    )
    is_tenanted = fields.Boolean(allow_none=True)
    terminated = fields.Nested(TerminatedResponseSchema)
    succession_date = RFC3339Date(allow_none=True)
    eviction_date = RFC3339Date(allow_none=True)
    potential_end_date = RFC3339Date(allow_none=True)
    notices = fields.List(fields.Nested(NoticeResponseSchema))
    legacy_references = fields.List(fields.Nested(LegacyReferenceResponseSchema))
    is_mutual_exchange = fields.Boolean(allow_none=True)
    inform_housing_benefits_for_changes = fields.Boolean(allow_none=True)
    is_sublet = fields.Boolean(allow_none=True)
    sublet_end_date = RFC3339Date(allow_none=True)


class ResultSetSchema(CamelCaseSchema):
    count = fields.Integer(metadata={"example": 1, "description": "Total number of matching tenures."})
    offset = fields.Integer(metadata={"example": 0})
    limit = fields.Integer(metadata={"example": 20, "description": "Page size actually used (at most 100)."})


class MetadataSchema(CamelCaseSchema):
    resultset = fields.Nested(ResultSetSchema)


class TenureListSchema(CamelCaseSchema):
    results = fields.List(fields.Nested(TenureSchema))
    metadata = fields.Nested(MetadataSchema)
    pagination_details = fields.Nested(PaginationDetailsSchema)


class TenureSearchQuerySchema(CamelCaseSchema):
    """Query parameters; their names are also accepted in any case (firstname, LASTNAME)."""

    first_name = Text(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Start of a household member's first name, any case.", "example": "Jo"},
    )
    last_name = Text(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Start of a household member's last name, any case.", "example": "Blog"},
    )
    postcode = Text(
        validate=[
            validate.Length(min=1, max=10),
            validate.Regexp(r"^[A-Za-z0-9 ]+$", error="A postcode has only letters, digits and a space."),
        ],
        metadata={"description": "Postcode or its start, with or without the space.", "example": "E8 1DY"},
    )
    offset = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=2**31 - 1), metadata={"example": 0}
    )
    pagination_token = Text(
        validate=validate.Length(max=1000),
        metadata={
            "description": "The `nextToken` of the previous page, unchanged, with the same criteria: "
            "the next page, as fast however deep it is. Takes the place of `offset`."
        },
    )
    limit = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={
            "example": 20,
            "description": "Page size, default 20; values above 100 are treated as 100.",
        },
    )

    @pre_load
    def canonical_names(self, data, **kwargs):
        names = {field.data_key.lower(): field.data_key for field in self.fields.values()}
        return {names.get(key.lower(), key): data[key] for key in data}
