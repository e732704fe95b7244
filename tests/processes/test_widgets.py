"""The process page's widgets (processes/widgets.py) write exactly what govuk_frontend_wtf's own
widgets write, for every question of the shipped layouts, with and without answers and errors,
rendered fresh and again from the skeleton cache; and the page (its markup and its form class)
follows a new layout version and each household."""

import copy
import uuid
from datetime import date

import pytest
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from housing_app.extensions import db
from housing_app.models import Process
from housing_app.processes import widgets
from housing_app.processes.forms import make_field
from housing_app.processes.layouts import is_question, options_of
from housing_app.processes.loader import load_definition
from tests.html import parse
from tests.processes.conftest import make_tenure, start
from tests.processes.test_answers import post_page
from tests.processes.test_versions import NEW_LABEL, edited_definition

UPSTREAM = {
    widgets.TextInput: GovTextInput,
    widgets.TextArea: GovTextArea,
    widgets.DateInput: GovDateInput,
    widgets.RadioInput: GovRadioInput,
    widgets.CheckboxesInput: GovCheckboxesInput,
    widgets.Select: GovSelect,
    widgets.FileInput: GovFileInput,
}

# Texts an officer might type, or that could trip a placeholder scheme.
TEXTS = [
    "12",
    "0",
    "  spaced  ",
    "<b>\"Tom\" & 'Jerry'</b>",
    "two\nlines",
    "Zoë ☃ naïve",
    widgets.placeholder("v"),
    widgets.placeholder("e") + widgets.placeholder("d0"),
]
ERRORS = [None, "Enter a number for Amina <Okafor> & co", "line one\nline two"]
MEMBER = {"id": "11111111-1111-4111-8111-111111111111", "fullName": "Amina O'Kafor & <family>"}
# Another household's member: the same skeletons must serve her fields.
OTHER = {"id": "99999999-9999-4999-8999-999999999999", "fullName": 'Zoë "Zed" Zulu'}


def upstream(widget):
    if isinstance(widget, widgets.FileInput):
        return GovFileInput(multiple=True)
    return UPSTREAM[type(widget)]()


def template_params(element: dict, name: str, member: dict = MEMBER) -> dict:
    """Params like the page template's (label html, hint, per-type extras)."""
    label = Markup("{} <span class='govuk-visually-hidden'> for {}</span>").format(
        element["label"], member["fullName"]
    )
    params = {"hint": {"text": element["hint"]} if element.get("hint") else None}
    kind = element["type"]
    if kind in ("date", "yesno", "radios", "checkboxes"):
        params["fieldset"] = {"legend": {"html": label, "classes": "govuk-fieldset__legend--s"}}
    else:
        params["label"] = {"html": label, "classes": "govuk-label--s"}
    if kind in ("yesno", "radios", "checkboxes"):
        params["idPrefix"] = name
        params["items"] = [
            {"hint": {"text": o["hint"]} if o.get("hint") else None} for o in options_of(element)
        ]
    if kind in ("text", "number"):
        params.update(inputmode="decimal" if kind == "number" else None, suffix=None, autocomplete="off")
    if kind == "photo":
        params["attributes"] = {"accept": "image/jpeg,image/png,image/webp"}
    return params


def formdata_variants(element: dict, name: str) -> list[MultiDict]:
    kind = element["type"]
    variants = [MultiDict()]
    if kind in ("text", "textarea", "number"):
        variants += [MultiDict({name: text}) for text in TEXTS]
    elif kind == "date":
        variants += [MultiDict([(name, "27"), (name, "3"), (name, "2024")])]
        variants += [MultiDict([(name, text), (name, ""), (name, "20<x>4")]) for text in TEXTS]
    elif kind in ("yesno", "radios", "select"):
        variants += [MultiDict({name: o["value"]}) for o in options_of(element)]
        variants += [MultiDict({name: "not-an-option"})]
    elif kind == "checkboxes":
        values = [o["value"] for o in options_of(element)]
        variants += [MultiDict([(name, v) for v in values[:n]]) for n in (1, 2, len(values))]
    return variants


def shipped_questions(layouts) -> list[dict]:
    elements = {}
    for process_type in layouts.values():
        for page in process_type.latest_version.pages:
            for element in page.elements:
                if is_question(element) and element["type"] != "signature":
                    elements.setdefault((element["type"], element["key"]), element)
    return list(elements.values())


def test_widgets_write_what_govuk_frontend_wtf_writes(app, layouts):
    widgets.skeletons.clear()
    compared = 0
    with app.test_request_context("/"):
        for element in shipped_questions(layouts):
            for member in (MEMBER, OTHER):
                name = f"{element['key']}__{member['id'].replace('-', '')}"
                form_class = type("F", (FlaskForm,), {name: make_field(element)})
                for formdata in formdata_variants(element, name):
                    for error in ERRORS:
                        form = form_class(formdata=formdata)
                        field = form[name]
                        field.errors = [error] if error else []
                        params = template_params(element, name, member)
                        expected = upstream(field.widget)(field, params=copy.deepcopy(params))
                        for attempt in ("fresh", "cached"):
                            written = field(params=copy.deepcopy(params))
                            assert isinstance(written, Markup)
                            assert str(written) == str(expected), (name, formdata, error, attempt)
                        compared += 1
    assert compared > 1000
    # One skeleton per question and state, whoever it is for and whatever was typed.
    assert 0 < len(widgets.skeletons.entries) < compared / 4


@pytest.mark.parametrize("kind", ["text", "textarea"])
@pytest.mark.parametrize("secret", ["Typed by the officer 12345", "Typed on\ntwo lines"])
def test_skeletons_keep_no_typed_text(app, kind, secret):
    widgets.skeletons.clear()
    element = {"type": kind, "key": "notes", "label": "Notes"}
    form_class = type("F", (FlaskForm,), {"notes": make_field(element)})
    with app.test_request_context("/"):
        form = form_class(formdata=MultiDict({"notes": secret}))
        form["notes"].errors = [f"{secret} is wrong"]
        html = str(form["notes"](params={"label": {"text": "Notes"}}))
        assert str(escape(secret)) in html or secret in html
    kept = repr(list(widgets.skeletons.entries.items()))
    assert "Typed" not in kept


def test_freeze_tells_apart_what_renders_differently():
    assert widgets.freeze({"a": True}) != widgets.freeze({"a": 1})
    assert widgets.freeze({"a": Markup("<b>")}) != widgets.freeze({"a": "<b>"})
    assert widgets.freeze({"a": 1, "b": 2}) != widgets.freeze({"b": 2, "a": 1})  # attribute order
    assert widgets.freeze({"a": [1]}) != widgets.freeze({"a": (1,)})
    with pytest.raises(widgets.NotCacheable):
        widgets.freeze({"a": object()})


def test_a_new_layout_version_is_rendered_not_the_cached_old_one(officer_client, thc, tenure, officer):
    old_url = f"/processes/{thc.id}/pages/present-for-check"
    first = parse(officer_client.get(old_url))  # fills the skeleton cache with version 1
    assert "Is the tenant present for the check?" in first.text
    assert first.select_one("#interpreterLanguage") is not None
    load_definition(edited_definition())
    db.session.commit()
    new_visit = start(tenure, officer)
    assert new_visit.layout_version.number == 2
    page = parse(officer_client.get(f"/processes/{new_visit.id}/pages/present-for-check"))
    legend = page.select_one("#tenantPresent").find_parent("fieldset").legend.text
    assert NEW_LABEL in legend and "Is the tenant present for the check?" not in page.text
    assert page.select_one("#interpreterLanguage") is None and page.select_one("#doorNumberSeen")
    rent = parse(officer_client.get(f"/processes/{new_visit.id}/pages/rent-and-arrears"))
    assert not rent.select("input[name=rentPaymentMethod][value=payment-card]")
    # ... and the visit on version 1 still gets version 1.
    again = parse(officer_client.get(old_url))
    assert "Is the tenant present for the check?" in again.text and NEW_LABEL not in again.text
    assert db.session.get(Process, thc.id).layout_version.number == 1


def test_answers_and_names_are_the_visits_own(officer_client, layouts, officer):
    """Two households, the same page: each page shows its own answers and names, never the
    other's (the skeleton cache is shared between them)."""
    first = start(make_tenure(), officer)
    second = start(make_tenure("1 Other Road", [(uuid.uuid4(), "Zed Zulu", True, date(1990, 1, 1))]), officer)
    pages = {}
    for visit, typed in ((first, "Somali"), (second, "Polish")):
        data = {"tenantPresent": "yes", "interpreterUsed": "yes", "interpreterLanguage": typed}
        assert post_page(officer_client, visit, "present-for-check", data, action="later").status_code == 302
        pages[typed] = officer_client.get(f"/processes/{visit.id}/pages/present-for-check").get_data(
            as_text=True
        )
    assert 'value="Somali"' in pages["Somali"] and "Polish" not in pages["Somali"]
    assert "Amina Okafor" in pages["Somali"] and "Zed Zulu" not in pages["Somali"]
    assert 'value="Polish"' in pages["Polish"] and "Somali" not in pages["Polish"]
    assert "Zed Zulu" in pages["Polish"] and "Amina Okafor" not in pages["Polish"]
    assert widgets._TOKEN not in pages["Somali"] + pages["Polish"]


def test_form_classes_follow_the_page_and_household(app, layouts, officer):
    """Form classes are kept per page and household: the same page of another household, or of
    a new layout version, has its own fields."""
    from housing_app.processes.forms import build_page_form
    from housing_app.processes.service import find_page

    two = start(make_tenure(), officer)
    one = start(make_tenure("1 Other Road", [(uuid.uuid4(), "Zed Zulu", True, date(1990, 1, 1))]), officer)
    with app.test_request_context("/"):
        forms = {}
        for name, visit in (("two", two), ("one", one), ("two again", two)):
            forms[name] = build_page_form(visit, find_page(visit, "present-for-check"), submitted=False)
        assert type(forms["two"]) is type(forms["two again"])
        assert type(forms["two"]) is not type(forms["one"])
        assert [f for f in forms["two"]._fields if f.startswith("memberPresent__")] == [
            f"memberPresent__{m['id'].replace('-', '')}" for m in two.household_members
        ]
        assert [f for f in forms["one"]._fields if f.startswith("memberPresent__")] == [
            f"memberPresent__{one.household_members[0]['id'].replace('-', '')}"
        ]
        load_definition(edited_definition())
        db.session.commit()
        new_visit = start(two.tenure, officer)
        form = build_page_form(new_visit, find_page(new_visit, "present-for-check"), submitted=False)
        assert "doorNumberSeen" in form._fields and "interpreterLanguage" not in form._fields
        old = build_page_form(two, find_page(two, "present-for-check"), submitted=False)
        assert "interpreterLanguage" in old._fields and "doorNumberSeen" not in old._fields


def test_a_new_layout_versions_question_is_saved(officer_client, thc, tenure, officer):
    post_page(officer_client, thc, "present-for-check", {"tenantPresent": "yes"}, action="later")
    load_definition(edited_definition())
    db.session.commit()
    new_visit = start(tenure, officer)
    data = {"tenantPresent": "yes", "doorNumberSeen": "14A"}
    assert post_page(officer_client, new_visit, "present-for-check", data, action="later").status_code == 302
    db.session.expire_all()
    saved = {a.key: a.value for a in db.session.get(Process, new_visit.id).answers}
    assert saved["doorNumberSeen"] == "14A"


@pytest.mark.parametrize(
    "element, answers",
    [
        ({"type": "text", "key": "q", "label": "Q"}, [["Somali"], ["Polish"]]),
        ({"type": "number", "key": "q", "label": "Q"}, [["12"], ["7.5"]]),
        ({"type": "textarea", "key": "q", "label": "Q"}, [["One line"], ["Another"]]),
        ({"type": "date", "key": "q", "label": "Q"}, [["27", "3", "2024"], ["1", "12", "1999"]]),
    ],
)
def test_answered_fields_share_one_skeleton(app, element, answers):
    """Different answers (and error texts) fill the same skeleton: one entry, each page its own."""
    widgets.skeletons.clear()
    form_class = type("F", (FlaskForm,), {"q": make_field(element)})
    with app.test_request_context("/"):
        for values in answers:
            form = form_class(formdata=MultiDict([("q", v) for v in values]))
            form["q"].errors = [f"Wrong: {values[0]}"]
            html = str(form["q"](params={"label": {"text": "Q"}}))
            assert all(f'value="{v}"' in html or f">{v}</textarea>" in html for v in values), html
            assert f"Wrong: {values[0]}" in html
    assert len(widgets.skeletons.entries) == 1
