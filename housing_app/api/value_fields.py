"""Strict JSON value fields for request bodies, so every bad value is a clear 400 and never reaches
the database as something it cannot store (a 500).

The standards want JSON numbers and booleans as such: "12.5" or 1 are not accepted where a
number or a boolean is expected.
"""

import math
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields, validate

from housing_app.api.fields import RFC3339DateTime


class Text(fields.String):
    """A string with a length limit (the column's) and no control characters."""

    def __init__(self, max_length: int, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=max_length))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        check_storable(value)
        return value


def check_storable(text: str) -> None:
    """Text the database can store and a page can show: no control characters (NUL among them)
    and no unpaired surrogates (JSON allows "\ud800"; UTF-8 does not)."""
    if any(ord(character) < 32 and character not in "\t\n\r" for character in text):
        raise ValidationError("Must not contain control characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Must be valid Unicode text (no unpaired surrogates).") from None


class StrictBoolean(fields.Boolean):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean: send true or false.")
        return value


class StrictInteger(fields.Integer):
    def __init__(self, minimum: int = 0, maximum: int = 2_000_000_000, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=minimum, max=maximum))
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Not a valid integer: send a whole JSON number.")
        return super()._deserialize(value, attr, data, **kwargs)


class Money(fields.Decimal):
    """An amount in pounds: a non-negative JSON number with at most two decimal places.
    Read as a Decimal (no float rounding), written as a JSON number."""

    def __init__(self, maximum: Decimal = Decimal("9999999999.99"), **kwargs):
        kwargs.setdefault("validate", validate.Range(min=0, max=maximum))
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("example", 511.3)
        super().__init__(places=None, as_string=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Not a valid amount: send a JSON number such as 511.30.")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError("Not a valid amount: send a finite number.")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError("Not a valid amount: send a JSON number such as 511.30.") from None
        if amount < 0:
            raise ValidationError("Must not be negative.")
        if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
            raise ValidationError("Use at most two decimal places (pounds and pence).")
        return amount.quantize(Decimal("0.01")) if abs(amount) < Decimal("1e12") else amount

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else float(value)


class DateTimeInput(RFC3339DateTime):
    """RFC 3339 date-time whose conversion to UTC stays within the calendar."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except OverflowError:
            raise ValidationError("That date is out of range.") from None


def check_data(value) -> None:
    """Every key and string inside oldData / newData is storable, showable text."""
    if isinstance(value, dict):
        for key, inner in value.items():
            check_storable(key)
            check_data(inner)
    elif isinstance(value, list):
        for inner in value:
            check_data(inner)
    elif isinstance(value, str):
        check_storable(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValidationError("Numbers must be finite: JSON has no NaN or Infinity.")
