"""The process layout format, its validator, and answer validation against it.

A process definition is a JSON document (see docs/process-layouts.md):

    {"code", "name", "referencePrefix", "description",
     "sections": [{"key", "title", "pages": [{"key", "title", "elements": [...]}]}]}

Elements are shown in order. Content elements (heading, paragraph, hint, warning) only show text;
question elements have a `key` unique within the process and store one answer (or one per
household member with `perMember`). `validate_definition` refuses a bad definition with a
message naming the page and element; `check_answer` validates one answer value, and is shared
by the officer pages, the API and section status so all three agree.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

CONTENT_TYPES = ("heading", "paragraph", "hint", "warning")
QUESTION_TYPES = (
    "text",
    "textarea",
    "number",
    "date",
    "yesno",
    "radios",
    "checkboxes",
    "select",
    "photo",
    "signature",
)
CHOICE_TYPES = ("radios", "checkboxes", "select")
YES_NO_OPTIONS = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]

KEY_PATTERN = re.compile(r"^[a-z][A-Za-z0-9]{0,59}$")
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,99}$")

COMMON_PROPERTIES = {"type", "perMember", "showWhen"}
CONTENT_PROPERTIES = COMMON_PROPERTIES | {"text", "level"}
QUESTION_PROPERTIES = COMMON_PROPERTIES | {"key", "label", "hint", "required", "errorMessage"}
TYPE_PROPERTIES = {
    "text": {"minLength", "maxLength", "pattern", "patternMessage", "width", "autocomplete"},
    "textarea": {"minLength", "maxLength", "rows"},
    "number": {"min", "max", "integer", "suffix"},
    "date": {"min", "max"},
    "yesno": set(),
    "radios": {"options"},
    "checkboxes": {"options"},
    "select": {"options"},
    "photo": {"maxFiles"},
    "signature": set(),
}
TEXT_PROPERTIES = ("hint", "errorMessage", "patternMessage", "autocomplete", "suffix")
INPUT_WIDTHS = ("2", "3", "4", "5", "10", "20", "30")  # GOV.UK govuk-input--width-N classes
DEFINITION_PROPERTIES = {"code", "name", "referencePrefix", "description", "sections"}
SECTION_PROPERTIES = {"key", "title", "pages"}
DEFAULT_TEXT_MAX = 500
DEFAULT_TEXTAREA_MAX = 5000
DEFAULT_MAX_PHOTOS = 5


class LayoutError(ValueError):
    """A definition that cannot be loaded; the message names the page and element."""


@dataclass(frozen=True)
class Where:
    page: str
    index: int
    element: dict

    def __str__(self):
        name = self.element.get("key") or self.element.get("type") or "?"
        return f"Page '{self.page}', element {self.index + 1} ('{name}')"


def is_question(element: dict) -> bool:
    return element.get("type") in QUESTION_TYPES


def options_of(question: dict) -> list[dict]:
    return YES_NO_OPTIONS if question["type"] == "yesno" else question.get("options", [])


def validate_definition(definition: dict) -> None:
    """Raise LayoutError for the first problem found in a process definition."""
    if not isinstance(definition, dict):
        raise LayoutError("A process definition must be a JSON object.")
    for field in ("code", "name", "referencePrefix"):
        if not isinstance(definition.get(field), str) or not definition[field].strip():
            raise LayoutError(f"The definition needs a '{field}' (text).")
    if not SLUG_PATTERN.match(definition["code"].replace("_", "-")):
        raise LayoutError("The definition 'code' must be lower case letters, digits, '-' or '_'.")
    if not re.fullmatch(r"[A-Z]{2,5}", definition["referencePrefix"]):
        raise LayoutError("'referencePrefix' must be 2 to 5 capital letters, e.g. THC.")
    unknown = set(definition) - DEFINITION_PROPERTIES
    if unknown:
        raise LayoutError(f"The definition has unknown properties {sorted(unknown)}.")
    if "description" in definition and not isinstance(definition["description"], str):
        raise LayoutError("The definition 'description' must be text.")
    sections = definition.get("sections")
    if not isinstance(sections, list) or not sections:
        raise LayoutError("The definition needs a non-empty 'sections' list.")
    section_keys, page_keys, question_keys = set(), set(), set()
    for section_index, section in enumerate(sections):
        label = f"Section {section_index + 1}"
        if not isinstance(section, dict) or not SLUG_PATTERN.match(str(section.get("key", ""))):
            raise LayoutError(f"{label}: needs a 'key' of lower case letters, digits and '-'.")
        label = f"Section '{section['key']}'"
        unknown = set(section) - SECTION_PROPERTIES
        if unknown:
            raise LayoutError(f"{label}: unknown properties {sorted(unknown)}.")
        if section["key"] in section_keys:
            raise LayoutError(f"{label}: the key is used by another section.")
        section_keys.add(section["key"])
        if not isinstance(section.get("title"), str) or not section["title"].strip():
            raise LayoutError(f"{label}: needs a 'title'.")
        if not isinstance(section.get("pages"), list) or not section["pages"]:
            raise LayoutError(f"{label}: needs a non-empty 'pages' list.")
        for page_index, page in enumerate(section["pages"]):
            if not isinstance(page, dict) or not SLUG_PATTERN.match(str(page.get("key", ""))):
                raise LayoutError(
                    f"{label}, page {page_index + 1}: needs a 'key' of lower case letters, digits and '-'."
                )
            if page["key"] in page_keys:
                raise LayoutError(f"Page '{page['key']}': the key is used by another page.")
            page_keys.add(page["key"])
            validate_page(page, question_keys)


def validate_page(page: dict, question_keys: set[str] | None = None) -> None:
    """Check one page document; `question_keys` collects keys across the whole process."""
    question_keys = set() if question_keys is None else question_keys
    name = page.get("key", "?")
    unknown = set(page) - {"key", "title", "elements"}
    if unknown:
        raise LayoutError(f"Page '{name}': unknown properties {sorted(unknown)}.")
    if not isinstance(page.get("title"), str) or not page["title"].strip():
        raise LayoutError(f"Page '{name}': needs a 'title'.")
    elements = page.get("elements")
    if not isinstance(elements, list) or not elements:
        raise LayoutError(f"Page '{name}': needs a non-empty 'elements' list.")
    earlier_questions: dict[str, dict] = {}
    for index, element in enumerate(elements):
        if not isinstance(element, dict):
            raise LayoutError(f"Page '{name}', element {index + 1}: must be a JSON object.")
        where = Where(name, index, element)
        kind = element.get("type")
        if kind in CONTENT_TYPES:
            _check_content(where)
        elif kind in QUESTION_TYPES:
            _check_question(where, question_keys)
        else:
            allowed = ", ".join(CONTENT_TYPES + QUESTION_TYPES)
            raise LayoutError(f"{where}: unknown type '{kind}' (use one of {allowed}).")
        _check_common(where, earlier_questions)
        if kind in QUESTION_TYPES:
            earlier_questions[element["key"]] = element
            question_keys.add(element["key"])


def _check_content(where: Where) -> None:
    element = where.element
    unknown = set(element) - CONTENT_PROPERTIES
    if unknown:
        raise LayoutError(f"{where}: unknown properties {sorted(unknown)}.")
    if not isinstance(element.get("text"), str) or not element["text"].strip():
        raise LayoutError(f"{where}: needs 'text'.")
    if "level" in element and (element["type"] != "heading" or element["level"] not in ("m", "s")):
        raise LayoutError(f"{where}: 'level' is only for headings, and is 'm' or 's'.")


def _check_question(where: Where, question_keys: set[str]) -> None:
    element, kind = where.element, where.element["type"]
    unknown = set(element) - QUESTION_PROPERTIES - TYPE_PROPERTIES[kind]
    if unknown:
        raise LayoutError(f"{where}: unknown properties {sorted(unknown)} for a '{kind}' question.")
    key = element.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise LayoutError(f"{where}: needs a 'key' in lowerCamelCase (letters and digits, up to 60).")
    if key in question_keys:
        raise LayoutError(f"{where}: the key '{key}' is already used by another question in this process.")
    if not isinstance(element.get("label"), str) or not element["label"].strip():
        raise LayoutError(f"{where}: needs a 'label' (the question officers see).")
    for flag in ("required", "perMember", "integer"):
        if flag in element and not isinstance(element[flag], bool):
            raise LayoutError(f"{where}: '{flag}' must be true or false.")
    for name in TEXT_PROPERTIES:
        if name in element and (not isinstance(element[name], str) or not element[name].strip()):
            raise LayoutError(f"{where}: '{name}' must be text.")
    if "width" in element and element["width"] not in INPUT_WIDTHS:
        raise LayoutError(f"{where}: 'width' must be one of {', '.join(INPUT_WIDTHS)} (as text).")
    if "rows" in element and (
        isinstance(element["rows"], bool)
        or not isinstance(element["rows"], int)
        or not 1 <= element["rows"] <= 30
    ):
        raise LayoutError(f"{where}: 'rows' must be a whole number from 1 to 30.")
    if kind == "signature" and element.get("required"):
        raise LayoutError(
            f"{where}: a drawn signature cannot be required (drawing needs JavaScript); "
            "require a typed name and a declaration instead."
        )
    if kind in CHOICE_TYPES:
        _check_options(where)
    if kind in ("text", "textarea"):
        _check_lengths(where)
    if kind == "text" and "pattern" in element:
        try:
            re.compile(element["pattern"])
        except (re.error, TypeError) as exc:
            raise LayoutError(f"{where}: 'pattern' is not a valid regular expression ({exc}).") from None
    if kind == "number":
        for bound in ("min", "max"):
            if bound in element and (
                isinstance(element[bound], bool) or not isinstance(element[bound], int | float)
            ):
                raise LayoutError(f"{where}: '{bound}' must be a number.")
        if "min" in element and "max" in element and element["min"] > element["max"]:
            raise LayoutError(f"{where}: 'min' is greater than 'max'.")
    if kind == "date":
        for bound in ("min", "max"):
            if bound in element and _date_bound(element[bound]) is None:
                raise LayoutError(f"{where}: '{bound}' must be 'today' or a date YYYY-MM-DD.")
    if kind == "photo" and "maxFiles" in element:  # noqa: SIM102 - one rule per type
        if not isinstance(element["maxFiles"], int) or not 1 <= element["maxFiles"] <= 20:
            raise LayoutError(f"{where}: 'maxFiles' must be a whole number from 1 to 20.")


def _check_options(where: Where) -> None:
    options = where.element.get("options")
    if not isinstance(options, list) or not options:
        raise LayoutError(f"{where}: a '{where.element['type']}' question needs a non-empty 'options' list.")
    seen = set()
    for number, option in enumerate(options, start=1):
        if (
            not isinstance(option, dict)
            or not isinstance(option.get("value"), str)
            or not option["value"]
            or not isinstance(option.get("label"), str)
            or set(option) - {"value", "label", "hint"}
        ):
            raise LayoutError(
                f"{where}: option {number} needs text 'value' and 'label' (and optional 'hint')."
            )
        if option["value"] in seen:
            raise LayoutError(f"{where}: option value '{option['value']}' appears twice.")
        seen.add(option["value"])


def _check_lengths(where: Where) -> None:
    element = where.element
    for bound in ("minLength", "maxLength"):
        if bound in element and (not isinstance(element[bound], int) or element[bound] < 0):
            raise LayoutError(f"{where}: '{bound}' must be a whole number.")
    if element.get("minLength", 0) > element.get("maxLength", 10**9):
        raise LayoutError(f"{where}: 'minLength' is greater than 'maxLength'.")


def _check_common(where: Where, earlier_questions: dict[str, dict]) -> None:
    element = where.element
    if "perMember" in element and not isinstance(element["perMember"], bool):
        raise LayoutError(f"{where}: 'perMember' must be true or false.")
    condition = element.get("showWhen")
    if condition is None:
        return
    if not isinstance(condition, dict) or set(condition) != {"key", "equals"}:
        raise LayoutError(f'{where}: \'showWhen\' must be {{"key": ..., "equals": ...}}.')
    controlling = earlier_questions.get(condition["key"])
    if controlling is None:
        raise LayoutError(
            f"{where}: 'showWhen' refers to '{condition['key']}', "
            "which is not an earlier question on this page."
        )
    if controlling.get("perMember") and not element.get("perMember"):
        raise LayoutError(
            f"{where}: 'showWhen' refers to a per-member question, so this element must be perMember too."
        )
    values = [o["value"] for o in options_of(controlling)]
    if values and condition["equals"] not in values:
        raise LayoutError(
            f"{where}: 'showWhen' value '{condition['equals']}' is not an option of '{condition['key']}'."
        )


def _date_bound(value) -> date | None:
    if value == "today":
        return date.today()
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


# --- answers ---------------------------------------------------------------------------------


def is_visible(element: dict, answer_for) -> bool:
    """Whether a conditional element applies, given `answer_for(key)` -> the controlling answer."""
    condition = element.get("showWhen")
    if not condition:
        return True
    value = answer_for(condition["key"])
    if isinstance(value, list):
        return condition["equals"] in value
    return value == condition["equals"]


def is_empty(value) -> bool:
    return value is None or value == "" or value == []


def quoted(question: dict) -> str:
    return f"‘{question['label']}’"


def check_answer(question: dict, value, photo_exists=None) -> str | None:
    """Validate a stored-form value for `question`; an error message for people, or None.

    Stored forms: text/textarea str; number int or float; date "YYYY-MM-DD"; yesno "yes"/"no";
    radios/select an option value; checkboxes a list of option values; photo a list of photo
    ids; signature a photo id. Empty values are checked only for `required`.
    """
    kind = question["type"]
    if is_empty(value):
        if question.get("required"):
            return required_message(question)
        return None
    checker = _CHECKERS[kind]
    return checker(question, value, photo_exists)


def required_message(question: dict) -> str:
    if question.get("errorMessage"):
        return question["errorMessage"]
    kind = question["type"]
    if kind in ("radios", "yesno", "select", "checkboxes"):
        return f"Select an answer for {quoted(question)}"
    if kind == "photo":
        return f"Upload a photo for {quoted(question)}"
    if kind == "signature":
        return f"Draw a signature for {quoted(question)}"
    return f"Enter an answer for {quoted(question)}"


def _check_text(question, value, _photo_exists):
    if not isinstance(value, str):
        return f"{quoted(question)}: must be text"
    default_max = DEFAULT_TEXTAREA_MAX if question["type"] == "textarea" else DEFAULT_TEXT_MAX
    maximum = question.get("maxLength", default_max)
    if len(value) > maximum:
        return f"{quoted(question)} must be {maximum} characters or fewer"
    if len(value) < question.get("minLength", 0):
        return f"{quoted(question)} must be {question['minLength']} characters or more"
    pattern = question.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        return question.get("patternMessage") or f"Enter {quoted(question)} in the correct format"
    return None


def _check_number(question, value, _photo_exists):
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{quoted(question)} must be a number"
    if question.get("integer") and value != int(value):
        return f"{quoted(question)} must be a whole number"
    if "min" in question and value < question["min"]:
        return f"{quoted(question)} must be {question['min']} or more"
    if "max" in question and value > question["max"]:
        return f"{quoted(question)} must be {question['max']} or less"
    return None


def _check_date(question, value, _photo_exists):
    try:
        parsed = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        return f"{quoted(question)} must be a real date"
    low, high = _date_bound(question.get("min")), _date_bound(question.get("max"))
    if low and parsed < low:
        return f"{quoted(question)} must be {_bound_words(question['min'])} or later"
    if high and parsed > high:
        return f"{quoted(question)} must be {_bound_words(question['max'])} or earlier"
    return None


def _bound_words(bound: str) -> str:
    if bound == "today":
        return "today"
    parsed = date.fromisoformat(bound)
    return f"{parsed.day} {parsed:%B %Y}"


def _check_choice(question, value, _photo_exists):
    values = [o["value"] for o in options_of(question)]
    if question["type"] == "checkboxes":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"{quoted(question)}: must be a list of options"
        unknown = [v for v in value if v not in values]
        if unknown:
            return f"{quoted(question)}: '{unknown[0]}' is not one of the options"
        return None
    if value not in values:
        return f"Choose one of the options for {quoted(question)}"
    return None


def _check_photo(question, value, photo_exists):
    ids = value if question["type"] == "photo" else [value]
    if not isinstance(ids, list) or not all(isinstance(v, str) for v in ids):
        return f"{quoted(question)}: must be a list of photo ids"
    maximum = question.get("maxFiles", DEFAULT_MAX_PHOTOS) if question["type"] == "photo" else 1
    if len(ids) > maximum:
        return f"Upload {maximum} photo{'s' if maximum > 1 else ''} or fewer for {quoted(question)}"
    if photo_exists is not None and not all(photo_exists(v) for v in ids):
        return f"{quoted(question)}: a photo id does not belong to this process"
    return None


_CHECKERS = {
    "text": _check_text,
    "textarea": _check_text,
    "number": _check_number,
    "date": _check_date,
    "yesno": _check_choice,
    "radios": _check_choice,
    "select": _check_choice,
    "checkboxes": _check_choice,
    "photo": _check_photo,
    "signature": _check_photo,
}


def parse_number(text: str) -> int | float | None:
    """'1,250.50' -> 1250.5; None when it is not a number."""
    cleaned = text.replace(",", "").replace("£", "").strip()
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return int(number) if number == number.to_integral_value() else float(number)


NO_DRAWN_SIGNATURE = "Not drawn: the typed name and declaration are the signature"


def format_answer(question: dict, value) -> str:
    """An answer as people read it: "Yes", "19 March 2024", "Kitchen, Bathroom"."""
    kind = question["type"]
    if is_empty(value):
        return NO_DRAWN_SIGNATURE if kind == "signature" else "Not answered"
    if kind in ("yesno", "radios", "select"):
        labels = {o["value"]: o["label"] for o in options_of(question)}
        return labels.get(value, str(value))
    if kind == "checkboxes":
        labels = {o["value"]: o["label"] for o in options_of(question)}
        return ", ".join(labels.get(v, str(v)) for v in value)
    if kind == "date":
        try:
            parsed = date.fromisoformat(value)
            return f"{parsed.day} {parsed:%B %Y}"
        except (TypeError, ValueError):
            return str(value)
    if kind == "number":
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
        return f"{text} {question['suffix']}" if question.get("suffix") else text
    if kind == "photo":
        return f"{len(value)} photo{'s' if len(value) != 1 else ''}"
    if kind == "signature":
        return "Signed on screen"
    return str(value)
