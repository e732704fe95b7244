"""The activity history in words officers read: who changed what, from what, to what, and when.

Activities hold API-style data (camelCase keys, RFC 3339 dates, nested lists); this turns each
into a title and rows of (what, from, to) lines, whatever entity it is about.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from housing_app.api.fields import parse_rfc3339
from housing_app.extensions import db
from housing_app.models import Activity, ProcessType, User
from housing_app.template_filters import govuk_date, govuk_datetime

NOT_SET = "Not set"
TARGET_NAMES = {
    "tenure": "Tenure",
    "person": "Person",
    "contract": "Contract",
    "process": "Visit",
    "asset": "Property",
    "user": "Officer account",
    "contactDetails": "Contact details",
    "equalityInformation": "Equality information",
    "note": "Note",
    "repair": "Repair",
}
VERBS = {"create": "created", "update": "updated", "delete": "deleted", "migrate": "migrated"}
# Words the generic camelCase splitting would get wrong.
LABELS = {
    "isVATRegistered": "VAT registered",
    "lhaArea": "LHA area",
    "lhaRate": "LHA rate",
    "uprn": "UPRN",
    "tenuredAsset": "Property",
    "householdMembers": "Household members",
    "relatedPeople": "Related people",
    "officerId": "Officer",
    "processType": "Visit type",
    "crmInteractionGuid": "CRM interaction",
}
# One element of a list, for "Household member added" and the like.
SINGULAR_LABELS = {
    "householdMembers": "Household member",
    "relatedPeople": "Related person",
    "charges": "Charge",
}
# Bookkeeping, not something an officer changed.
HIDDEN_KEYS = {
    "id",
    "targetId",
    "targetType",
    "tenureId",
    "versionNumber",
    "layoutVersion",
    "createdAt",
    "updatedAt",
}
MONEY_KEYS = ("amount", "rate", "charge", "rent", "balance", "fee")
_CAMEL_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\b|\d)|[A-Z]?[a-z]+|\d+")
_LOOKS_LIKE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?$")


@dataclass
class Change:
    label: str
    before: list[str]
    after: list[str]


@dataclass
class TimelineEntry:
    id: uuid.UUID
    title: str
    author: str
    author_email: str | None
    when: datetime
    kind: str
    changes: list[Change] = field(default_factory=list)


def label_for(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    words = _CAMEL_WORD.findall(key) or [key]
    if words[0] == "is" and len(words) > 1:
        words = words[1:]
    text = " ".join(word if word.isupper() and len(word) > 1 else word.lower() for word in words)
    return text[:1].upper() + text[1:]


def format_money(value) -> str:
    return f"£{Decimal(str(value)):,.2f}"


def format_date_text(value: str) -> str:
    try:
        moment = parse_rfc3339(value)
    except Exception:  # not a date after all: show it as it is
        return value
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return govuk_date(moment.date())
    return govuk_datetime(moment)


def format_item(item: dict) -> str:
    """One element of a nested list, e.g. a charge or a related person, on one line."""
    if "frequency" in item or "amount" in item:
        kind = " ".join(str(item[k]) for k in ("type", "subType") if item.get(k)) or "Charge"
        amount = format_money(item["amount"]) if isinstance(item.get("amount"), int | float) else ""
        return ", ".join(part for part in (kind, amount, item.get("frequency") or "") if part)
    if item.get("fullName"):  # a household member
        details = [item.get("personTenureType"), "responsible" if item.get("isResponsible") else None]
        details = [detail for detail in details if detail]
        return f"{item['fullName']} ({', '.join(details)})" if details else str(item["fullName"])
    if set(item) == {"code", "description"} and item.get("code"):  # a tenure type
        return f"{item.get('description') or item['code']} ({item['code']})"
    name = item.get("name")
    if name:
        role = item.get("subType") or item.get("personTenureType") or item.get("type")
        return f"{name} ({role})" if role else str(name)
    return ", ".join(
        f"{label_for(key)}: {format_value(key, value)[0]}"
        for key, value in item.items()
        if key != "id" and not is_empty(value)
    )


def is_empty(value) -> bool:
    """Nothing to show: no value, or an object whose every field has none (say, unset charges)."""
    if isinstance(value, dict):
        return all(is_empty(inner) for inner in value.values())
    return value is None or value == "" or value == []


def _officer_name(value: str) -> str | None:
    try:
        user = db.session.get(User, uuid.UUID(value))
    except ValueError:
        return None
    return user.name if user else None


def _visit_type_name(code: str) -> str | None:
    return db.session.scalar(db.select(ProcessType.name).where(ProcessType.code == code))


def _status_words(status: str) -> str:
    return status.replace("_", " ").capitalize()


# Values kept as ids or codes, shown as what they stand for (as they are when unknown).
READABLE_VALUES = {"officerId": _officer_name, "processType": _visit_type_name, "status": _status_words}


def format_value(key: str, value) -> list[str]:
    """A value as lines of text."""
    if value is None or value == "" or value == [] or value == {}:
        return [NOT_SET]
    if key in READABLE_VALUES and isinstance(value, str):
        return [READABLE_VALUES[key](value) or value]
    if isinstance(value, bool):
        return ["Yes" if value else "No"]
    if isinstance(value, int | float):
        return [format_money(value) if any(word in key.lower() for word in MONEY_KEYS) else str(value)]
    if isinstance(value, str):
        return [format_date_text(value) if _LOOKS_LIKE_DATE.match(value) else value]
    if isinstance(value, list):
        return [format_item(item) if isinstance(item, dict) else format_value(key, item)[0] for item in value]
    if isinstance(value, dict):
        return [format_item(value)]
    return [str(value)]


def changes_of(key: str, before, after, prefix: str = "") -> list[Change]:
    """One row per changed value; two versions of a nested object (such as a visit's answers)
    become one row per inner field that differs."""
    label = f"{prefix}{label_for(key)}"
    if _lists_of_identified_items(before, after):
        return _list_changes(SINGULAR_LABELS.get(key, label), before, after)
    if isinstance(before, dict) and isinstance(after, dict):
        inner = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
        return [change for k in inner for change in changes_of(k, before.get(k), after.get(k), f"{label}: ")]
    return [Change(label, format_value(key, before), format_value(key, after))]


def _lists_of_identified_items(before, after) -> bool:
    if not (isinstance(before, list) and isinstance(after, list)) or not (before or after):
        return False
    return all(isinstance(item, dict) and item.get("id") for item in [*before, *after])


def _list_changes(singular: str, before: list[dict], after: list[dict]) -> list[Change]:
    """Two versions of a list of items with ids (household members, charges): what was removed,
    what was added, and each inner field that changed in the items kept."""
    old = {item["id"]: item for item in before}
    new = {item["id"]: item for item in after}
    changes = [
        Change(f"{singular} removed", [format_item(item)], [NOT_SET])
        for item in before
        if item["id"] not in new
    ]
    changes += [
        Change(f"{singular} added", [NOT_SET], [format_item(item)]) for item in after if item["id"] not in old
    ]
    for item_id in (item_id for item_id in new if item_id in old and old[item_id] != new[item_id]):
        was, now = old[item_id], new[item_id]
        name = was.get("fullName") or was.get("name") or format_item(was)
        keys = [k for k in dict.fromkeys([*was, *now]) if k not in HIDDEN_KEYS and was.get(k) != now.get(k)]
        for key in keys:
            changes += changes_of(key, was.get(key), now.get(key), f"{singular} {name}: ")
    return changes


def describe(activity: Activity) -> TimelineEntry:
    old, new = activity.old_data or {}, activity.new_data or {}
    keys = [key for key in dict.fromkeys([*old, *new]) if key not in HIDDEN_KEYS]
    if activity.type == "create":
        keys = [k for k in keys if not is_empty(new.get(k))]
    changes = [change for key in keys for change in changes_of(key, old.get(key), new.get(key))]
    target = TARGET_NAMES.get(activity.target_type, label_for(activity.target_type))
    return TimelineEntry(
        id=activity.id,
        title=f"{target} {VERBS.get(activity.type, activity.type)}",
        author=activity.author_full_name or "Unknown",
        author_email=activity.author_email,
        when=activity.created_at,
        kind=activity.type,
        changes=changes,
    )


def timeline_statement(target_ids):
    ids = [target_id for target_id in target_ids if target_id is not None]
    return db.select(Activity).where(Activity.target_id.in_(ids))


def activity_timeline(target_ids, limit: int = 10) -> list[TimelineEntry]:
    """The latest `limit` activities of any of `target_ids`, newest first, described."""
    statement = timeline_statement(target_ids).order_by(Activity.created_at.desc(), Activity.id.desc())
    return [describe(activity) for activity in db.session.scalars(statement.limit(limit))]
