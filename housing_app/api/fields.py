"""Marshmallow building blocks every API schema shares: camelCase names and the standards'
RFC 3339 UTC date format."""

import re
from datetime import UTC, date, datetime

from marshmallow import Schema, ValidationError, fields

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})?$"
)
DATE_FORMAT_HELP = "Use an RFC 3339 date-time such as 2024-03-19T00:00:00Z, or a date 2024-03-19."


def camelcase(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def parse_rfc3339(value) -> datetime:
    """Parse an RFC 3339 date-time or a plain YYYY-MM-DD date into an aware UTC datetime.

    A date-time without an offset (as in some of the council's own examples) is read as UTC.
    Fractional seconds are accepted and dropped: the standards carry none.
    """
    if not isinstance(value, str):
        raise ValidationError(f"Not a valid date: expected a string. {DATE_FORMAT_HELP}")
    if _DATE_ONLY.match(value):
        try:
            parsed = datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            raise ValidationError(f"'{value}' is not a real date. {DATE_FORMAT_HELP}") from None
        return parsed.replace(tzinfo=UTC)
    match = _DATE_TIME.match(value)
    if not match:
        raise ValidationError(f"'{value}' is not a valid date. {DATE_FORMAT_HELP}")
    offset = (match["offset"] or "Z").upper().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(match["base"].replace("t", "T").replace(" ", "T") + offset)
    except ValueError:
        raise ValidationError(f"'{value}' is not a real date. {DATE_FORMAT_HELP}") from None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:30:00+01:00 is before year 1 in UTC
        raise ValidationError(f"'{value}' is out of range once converted to UTC.") from None


def format_rfc3339(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        # isoformat, not strftime: strftime("%Y") drops the leading zeros of years before 1000.
        return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    return f"{value.isoformat()}T00:00:00Z"


class RFC3339DateTime(fields.Field):
    """A moment in time: in as RFC 3339 (or YYYY-MM-DD), out as 2024-03-19T16:34:41Z."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("example", "2024-03-19T16:34:41Z")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return format_rfc3339(value)

    def _deserialize(self, value, attr, data, **kwargs):
        return parse_rfc3339(value)


class RFC3339Date(RFC3339DateTime):
    """A calendar date: in as YYYY-MM-DD or an RFC 3339 date-time, out as 2024-03-19T00:00:00Z."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("example", "2024-03-19T00:00:00Z")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return parse_rfc3339(value).date()


class CamelCaseSchema(Schema):
    """Python snake_case attributes, lowerCamelCase JSON names."""

    def on_bind_field(self, field_name, field_obj):
        field_obj.data_key = camelcase(field_obj.data_key or field_name)


class ErrorItemSchema(Schema):
    developerMessage = fields.String(metadata={"example": "startOfTenureDate: Not a valid date."})
    userMessage = fields.String(metadata={"example": "Check the start of tenure date."})


class ErrorsSchema(Schema):
    errors = fields.List(fields.Nested(ErrorItemSchema))
