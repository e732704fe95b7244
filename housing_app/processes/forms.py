"""WTForms built at run time from a page layout: a fresh FlaskForm subclass per request, one
field per question (per member for `perMember` questions), rendered with GOV.UK widgets.

Validation is the layout's own (`layouts.check_answer`), so the officer pages, the API and the
section status all agree on what a valid answer is.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import request
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput

from housing_app.models import Page, Process
from housing_app.processes import photos as photo_store
from housing_app.processes.layouts import check_answer, is_empty, options_of, parse_number
from housing_app.processes.service import Slot, answer_values, page_slots, photo_checker, slot_visible
from housing_app.processes.widgets import (
    CheckboxesInput,
    DateInput,
    FileInput,
    RadioInput,
    Select,
    TextArea,
    TextInput,
)


class GovDateField(DateField):
    """Day / month / year boxes; blank boxes are no answer, a bad date is remembered as typed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(*args, **kwargs)
        self.not_a_date = False

    def process_formdata(self, valuelist):
        # The widget unpacks raw_data as (day, month, year): give it exactly three, or none.
        self.raw_data = (list(valuelist) + ["", "", ""])[:3] if valuelist else None
        if not valuelist or not any(v.strip() for v in valuelist):
            self.data = None
            return
        try:
            self.data = datetime.strptime(" ".join(v.strip() for v in valuelist), "%d %m %Y").date()
        except ValueError:
            self.data = None
            self.not_a_date = True


def _choices(element: dict) -> list[SelectChoice]:
    return [SelectChoice(o["value"], o["label"]) for o in options_of(element)]


def make_field(element: dict):
    label, hint = element["label"], element.get("hint")
    kind = element["type"]
    common = {"label": label, "description": hint, "validators": [Optional()]}
    if kind == "text":
        return StringField(widget=TextInput(), **common)
    if kind == "textarea":
        return TextAreaField(widget=TextArea(), **common)
    if kind == "number":
        return StringField(widget=TextInput(), **common)
    if kind == "date":
        return GovDateField(widget=DateInput(), **common)
    if kind in ("yesno", "radios"):
        return RadioField(choices=_choices(element), validate_choice=False, widget=RadioInput(), **common)
    if kind == "checkboxes":
        return SelectMultipleField(
            choices=_choices(element),
            validate_choice=False,
            widget=CheckboxesInput(),
            option_widget=CheckboxInput(),
            **common,
        )
    if kind == "select":
        choices = [SelectChoice("", "Select an option")] + _choices(element)
        return SelectField(choices=choices, validate_choice=False, widget=Select(), **common)
    if kind == "photo":
        return MultipleFileField(widget=FileInput(multiple=True), **common)
    if kind == "signature":
        return HiddenField(**common)
    raise ValueError(f"no field for {kind}")


def initial_data(element: dict, value):
    """A stored answer as the field's data."""
    if value is None:
        return None
    kind = element["type"]
    if kind == "date":
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    if kind == "number":
        return str(value)
    if kind in ("photo", "signature"):
        return None
    return value


@dataclass
class Block:
    """One thing on the page, in order: content, a question, or a member's repeated block.

    A question's `label_html` is its label as the page shows it, and `params` (None for photo and
    signature questions, whose markup the template writes) the GOV.UK params its widget is called
    with. Both are made here rather than in the template because Jinja made them slowly; blocks
    are made for each request, and the widget consumes its params (it removes their items)."""

    kind: str  # "content" | "question" | "member"
    element: dict | None = None
    slot: Slot | None = None
    field_name: str | None = None
    condition_field: str | None = None
    condition_label: str | None = None
    member: dict | None = None
    items: list["Block"] = field(default_factory=list)
    label_html: Markup | None = None
    params: dict | None = None


def question_label_html(element: dict, member: dict | None) -> Markup:
    """The label (or legend): "(optional)" unless required, and whose it is for screen readers."""
    html = escape(element["label"])
    if not element.get("required"):
        html += " (optional)"
    if member:
        html += Markup('<span class="govuk-visually-hidden"> for ') + member["fullName"] + Markup("</span>")
    return html


def question_params(element: dict, field_name: str, label_html: Markup) -> dict | None:
    """The params the page passes to a question's GOV.UK widget (None: the template writes it)."""
    kind = element["type"]
    hint = {"text": element["hint"]} if element.get("hint") else None
    label = {"html": label_html, "classes": "govuk-label--s"}
    legend = {"legend": {"html": label_html, "classes": "govuk-fieldset__legend--s"}}
    if kind in ("text", "number"):
        number = kind == "number"
        width = element.get("width")
        width_class = f"govuk-input--width-{width}" if width else ""
        return {
            "label": label,
            "hint": hint,
            "classes": "govuk-input--width-10" if number else width_class,
            "inputmode": "decimal" if number else None,
            "spellcheck": False if number else None,
            "suffix": {"text": element["suffix"]} if element.get("suffix") else None,
            "autocomplete": "off",
        }
    if kind == "textarea":
        return {"label": label, "hint": hint, "rows": element.get("rows") or 4}
    if kind == "date":
        return {"fieldset": legend, "hint": hint}
    if kind in ("yesno", "radios", "checkboxes"):
        items = [
            {"hint": {"text": option["hint"]} if option.get("hint") else None}
            for option in element.get("options") or []
        ]
        return {
            "fieldset": legend,
            "hint": hint,
            "idPrefix": field_name,
            "classes": "govuk-radios--inline" if kind == "yesno" else "",
            "items": items,
        }
    if kind == "select":
        return {"label": label, "hint": hint}
    return None


def build_blocks(page: Page, members: list[dict]) -> list[Block]:
    """Layout elements in order; runs of perMember elements repeat once per household member."""
    blocks: list[Block] = []
    run: list[dict] = []

    def flush():
        if not run:
            return
        for member in members:
            items = [_block(element, page, member) for element in run]
            blocks.append(Block(kind="member", member=member, items=items))
        run.clear()

    for element in page.elements:
        if element.get("perMember"):
            run.append(element)
            continue
        flush()
        blocks.append(_block(element, page, None))
    flush()
    return blocks


def _block(element: dict, page: Page, member: dict | None) -> Block:
    condition_field = condition_label = None
    condition = element.get("showWhen")
    if condition:
        controlling = next(e for e in page.elements if e.get("key") == condition["key"])
        controlling_slot = Slot(controlling, member if controlling.get("perMember") else None)
        condition_field = controlling_slot.field_name
        labels = {o["value"]: o["label"] for o in options_of(controlling)}
        condition_label = (
            f"Answer this if ‘{controlling['label'].rstrip('?')}’ is ‘{labels.get(condition['equals'])}’."
        )
    if element["type"] in ("heading", "paragraph", "hint", "warning"):
        return Block(
            kind="content", element=element, condition_field=condition_field, condition_label=condition_label
        )
    slot = Slot(element, member)
    label_html = question_label_html(element, member)
    return Block(
        kind="question",
        element=element,
        slot=slot,
        field_name=slot.field_name,
        condition_field=condition_field,
        condition_label=condition_label,
        label_html=label_html,
        params=question_params(element, slot.field_name, label_html),
    )


# Form classes by (page id, field names, which hold the members' ids): a page row never changes (a
# changed layout is a new version with new pages), and a class's fields depend only on the page's
# questions and whose they are. Instances, which hold the answers, are made per request.
_form_classes: OrderedDict = OrderedDict()
_form_classes_lock = threading.Lock()
FORM_CLASSES_KEPT = 512


def page_form_class(page: Page, slots: list[Slot]) -> type:
    """The FlaskForm subclass with one field per slot of `page`."""
    key = (page.id, tuple(slot.field_name for slot in slots))
    with _form_classes_lock:
        form_class = _form_classes.get(key)
        if form_class is not None:
            _form_classes.move_to_end(key)
            return form_class
    attributes = {slot.field_name: make_field(slot.element) for slot in slots}
    form_class = type("PageForm", (FlaskForm,), attributes)
    with _form_classes_lock:
        _form_classes[key] = form_class
        while len(_form_classes) > FORM_CLASSES_KEPT:
            _form_classes.popitem(last=False)
    return form_class


def build_page_form(process: Process, page: Page, submitted: bool):
    """A form of this page's class for the process's household, instantiated from the request
    when `submitted`, else filled from the stored answers. Its markup comes from
    page_skeletons.render_page_questions (the form's blocks are made only when rendered in full)."""
    slots = list(page_slots(process, page))
    form_class = page_form_class(page, slots)
    values = answer_values(process)
    if submitted:
        form = form_class()
    else:
        data = {
            slot.field_name: initial_data(slot.element, values.get((slot.key, slot.contact_id)))
            for slot in slots
        }
        form = form_class(formdata=None, data=data)
    form.slots = slots
    form.stored_values = values
    return form


@dataclass
class PageSubmission:
    values: dict  # {(key, contact_id): value} to store
    errors: dict  # {field_name: message}


def read_submission(process: Process, form, enforce_required: bool) -> PageSubmission:
    """Convert the posted fields into stored values and check them against the layout.

    Photos are stored as they arrive so a file chosen once is never lost; other answers with
    errors are left out of `values` (what was typed stays in the form)."""
    converted: dict[tuple[str, str | None], object] = {}
    errors: dict[str, str] = {}
    for slot in form.slots:
        try:
            converted[(slot.key, slot.contact_id)] = _convert(
                process, slot, form[slot.field_name], form.stored_values
            )
        except ValueError as exc:
            errors[slot.field_name] = _for_member(str(exc), slot)
    on_page = {(s.key, s.contact_id) for s in form.slots}
    photo_exists = photo_checker(process)

    def answer_for(key, contact_id):
        if (key, contact_id) in on_page:
            return converted.get((key, contact_id))
        return form.stored_values.get((key, contact_id))

    values = {}
    for slot in form.slots:
        slot_id = (slot.key, slot.contact_id)
        if slot.field_name in errors:
            continue
        if not slot_visible(slot, answer_for):
            values[slot_id] = None  # a question that no longer applies keeps no answer
            continue
        question = slot.element if enforce_required else {**slot.element, "required": False}
        value = converted.get(slot_id)
        error = check_answer(question, value, photo_exists)
        if error:
            errors[slot.field_name] = _for_member(error, slot)
            if not is_empty(value):
                continue  # an invalid answer is not stored; the stored one stays
        values[slot_id] = value
    for name, message in errors.items():
        form[name].errors = [message]
    return PageSubmission(values=values, errors=errors)


def _for_member(message: str, slot: Slot) -> str:
    return f"{message} for {slot.member['fullName']}" if slot.member else message


def _convert(process: Process, slot: Slot, form_field, stored: dict):
    element, kind = slot.element, slot.element["type"]
    if kind in ("text", "textarea"):
        return (form_field.data or "").replace("\r\n", "\n").strip()
    if kind == "number":
        text = (form_field.data or "").strip()
        if not text:
            return None
        number = parse_number(text)
        if number is None:
            raise ValueError(f"‘{element['label']}’ must be a number, like 12 or 12.50")
        return number
    if kind == "date":
        if form_field.not_a_date:
            raise ValueError(f"‘{element['label']}’ must be a real date, like 27 3 2024")
        return form_field.data.isoformat() if form_field.data else None
    if kind == "checkboxes":
        return list(form_field.data or [])
    if kind == "photo":
        return _convert_photos(process, slot, stored)
    if kind == "signature":
        return _convert_signature(process, slot, form_field, stored)
    return form_field.data or None


def _convert_photos(process: Process, slot: Slot, stored: dict) -> list[str]:
    existing = list(stored.get((slot.key, slot.contact_id)) or [])
    removed = set(request.form.getlist(f"{slot.field_name}__remove"))
    kept = [photo_id for photo_id in existing if photo_id not in removed]
    for upload in request.files.getlist(slot.field_name):
        if not upload or not upload.filename:
            continue
        try:
            kept.append(str(photo_store.store_photo(process, upload.read()).id))
        except photo_store.PhotoError as exc:
            raise ValueError(f"{exc} ({upload.filename[:80]})") from None
    return kept


def _convert_signature(process: Process, slot: Slot, form_field, stored: dict):
    existing = stored.get((slot.key, slot.contact_id))
    data = (form_field.data or "").strip()
    if not data:
        return existing
    if data == "clear":
        return None
    try:
        return str(photo_store.store_drawn_signature(process, data).id)
    except photo_store.PhotoError as exc:
        raise ValueError(str(exc)) from None
