"""The layout format: the shipped definitions are valid, each kind of bad layout is refused with
a message naming the page and element, and loading makes versions only when something changed."""

import copy
import json

import pytest

from housing_app.extensions import db
from housing_app.models import LayoutVersion, Process, ProcessType
from housing_app.processes.layouts import LayoutError, check_answer, validate_definition
from housing_app.processes.loader import (
    DEFINITIONS_FOLDER,
    load_definition,
    load_shipped_definitions,
    read_definition,
)
from housing_app.processes.service import find_page
from tests.processes.conftest import start


def minimal(*elements) -> dict:
    return {
        "code": "test_visit",
        "name": "Test visit",
        "referencePrefix": "TV",
        "sections": [
            {
                "key": "one",
                "title": "One",
                "pages": [{"key": "first", "title": "First", "elements": list(elements)}],
            }
        ],
    }


GOOD_ELEMENTS = [
    {"type": "heading", "text": "About the visit"},
    {"type": "paragraph", "text": "Some words."},
    {"type": "hint", "text": "A hint."},
    {"type": "warning", "text": "Careful."},
    {"type": "yesno", "key": "present", "label": "Present?", "required": True},
    {
        "type": "textarea",
        "key": "why",
        "label": "Why?",
        "showWhen": {"key": "present", "equals": "no"},
        "maxLength": 100,
    },
    {
        "type": "text",
        "key": "code",
        "label": "Code",
        "pattern": "[A-Z]{3}",
        "patternMessage": "Enter 3 capitals",
    },
    {"type": "number", "key": "count", "label": "How many?", "min": 0, "max": 10, "integer": True},
    {"type": "date", "key": "when", "label": "When?", "max": "today"},
    {"type": "radios", "key": "colour", "label": "Colour", "options": [{"value": "red", "label": "Red"}]},
    {"type": "checkboxes", "key": "rooms", "label": "Rooms", "options": [{"value": "k", "label": "Kitchen"}]},
    {"type": "select", "key": "status", "label": "Status", "options": [{"value": "a", "label": "A"}]},
    {"type": "photo", "key": "pics", "label": "Photos", "maxFiles": 3},
    {"type": "signature", "key": "sig", "label": "Signature"},
    {"type": "yesno", "key": "lives", "label": "Lives here?", "perMember": True},
    {
        "type": "text",
        "key": "moved",
        "label": "Moved when?",
        "perMember": True,
        "showWhen": {"key": "lives", "equals": "no"},
    },
]


def test_a_layout_using_every_element_type_is_valid():
    validate_definition(minimal(*GOOD_ELEMENTS))


@pytest.mark.parametrize("name", ["tenancy_household_check.json", "home_check.json"])
def test_shipped_definitions_are_valid(name):
    validate_definition(read_definition(DEFINITIONS_FOLDER / name))


BAD_LAYOUTS = [
    ({"type": "carousel", "key": "x", "label": "X"}, "unknown type 'carousel'"),
    ({"type": "text", "label": "No key"}, "needs a 'key'"),
    ({"type": "text", "key": "Bad-Key", "label": "X"}, "needs a 'key' in lowerCamelCase"),
    ({"type": "text", "key": "x"}, "needs a 'label'"),
    ({"type": "radios", "key": "x", "label": "X"}, "needs a non-empty 'options' list"),
    (
        {"type": "radios", "key": "x", "label": "X", "options": [{"value": "a"}]},
        "option 1 needs text 'value' and 'label'",
    ),
    (
        {
            "type": "radios",
            "key": "x",
            "label": "X",
            "options": [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}],
        },
        "option value 'a' appears twice",
    ),
    ({"type": "number", "key": "x", "label": "X", "min": 5, "max": 1}, "'min' is greater than 'max'"),
    ({"type": "number", "key": "x", "label": "X", "min": "five"}, "'min' must be a number"),
    ({"type": "date", "key": "x", "label": "X", "max": "tomorrow"}, "'max' must be 'today' or a date"),
    (
        {"type": "text", "key": "x", "label": "X", "pattern": "(["},
        "'pattern' is not a valid regular expression",
    ),
    ({"type": "text", "key": "x", "label": "X", "options": []}, "unknown properties ['options']"),
    ({"type": "text", "key": "x", "label": "X", "required": "yes"}, "'required' must be true or false"),
    ({"type": "photo", "key": "x", "label": "X", "maxFiles": 0}, "'maxFiles' must be a whole number"),
    (
        {"type": "text", "key": "x", "label": "X", "showWhen": {"key": "nothing", "equals": "yes"}},
        "not an earlier question",
    ),
    ({"type": "text", "key": "x", "label": "X", "showWhen": "present"}, "'showWhen' must be"),
    (
        {"type": "signature", "key": "x", "label": "X", "required": True},
        "a drawn signature cannot be required",
    ),
    ({"type": "text", "key": "x", "label": "X", "width": "banana"}, "'width' must be one of"),
    ({"type": "text", "key": "x", "label": "X", "autocomplete": 5}, "'autocomplete' must be text"),
    ({"type": "text", "key": "x", "label": "X", "hint": ["a"]}, "'hint' must be text"),
    ({"type": "text", "key": "x", "label": "X", "errorMessage": ""}, "'errorMessage' must be text"),
    (
        {"type": "text", "key": "x", "label": "X", "pattern": "[0-9]+", "patternMessage": 3},
        "'patternMessage' must be text",
    ),
    ({"type": "textarea", "key": "x", "label": "X", "rows": "many"}, "'rows' must be a whole number"),
    ({"type": "number", "key": "x", "label": "X", "suffix": 5}, "'suffix' must be text"),
    ({"type": "paragraph"}, "needs 'text'"),
    ({"type": "paragraph", "text": "Hi", "level": "m"}, "'level' is only for headings"),
]


@pytest.mark.parametrize(("element", "message"), BAD_LAYOUTS, ids=[m for _e, m in BAD_LAYOUTS])
def test_bad_elements_are_refused_naming_page_and_element(element, message):
    layout = minimal({"type": "yesno", "key": "present", "label": "Present?"}, element)
    with pytest.raises(LayoutError) as refused:
        validate_definition(layout)
    assert str(refused.value).startswith("Page 'first', element 2"), str(refused.value)
    assert message in str(refused.value)


def test_condition_on_a_value_that_is_not_an_option_is_refused():
    layout = minimal(
        {"type": "yesno", "key": "present", "label": "Present?"},
        {"type": "text", "key": "x", "label": "X", "showWhen": {"key": "present", "equals": "maybe"}},
    )
    with pytest.raises(LayoutError, match="'maybe' is not an option of 'present'"):
        validate_definition(layout)


def test_household_question_depending_on_a_per_member_answer_is_refused():
    layout = minimal(
        {"type": "yesno", "key": "lives", "label": "Lives?", "perMember": True},
        {"type": "text", "key": "x", "label": "X", "showWhen": {"key": "lives", "equals": "no"}},
    )
    with pytest.raises(LayoutError, match="must be perMember too"):
        validate_definition(layout)


def test_duplicate_question_keys_across_pages_are_refused():
    layout = minimal({"type": "text", "key": "name", "label": "Name"})
    layout["sections"].append(
        {
            "key": "two",
            "title": "Two",
            "pages": [
                {
                    "key": "second",
                    "title": "Second",
                    "elements": [{"type": "text", "key": "name", "label": "Name again"}],
                }
            ],
        }
    )
    with pytest.raises(
        LayoutError, match=r"Page 'second', element 1 \('name'\): the key 'name' is already used"
    ):
        validate_definition(layout)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("name"), "needs a 'name'"),
        (lambda d: d.update(referencePrefix="thc"), "referencePrefix"),
        (lambda d: d.update(sections=[]), "non-empty 'sections'"),
        (lambda d: d["sections"][0].update(pages=[]), "Section 'one': needs a non-empty 'pages'"),
        (
            lambda d: d["sections"][0]["pages"][0].update(elements=[]),
            "Page 'first': needs a non-empty 'elements'",
        ),
        (lambda d: d["sections"][0]["pages"][0].pop("title"), "Page 'first': needs a 'title'"),
        (lambda d: d.update(descripton="typo"), r"unknown properties \['descripton'\]"),
        (lambda d: d.update(description=5), "'description' must be text"),
        (lambda d: d["sections"][0].update(titel="One"), r"Section 'one': unknown properties \['titel'\]"),
    ],
)
def test_bad_definitions_are_refused(change, message):
    layout = minimal({"type": "text", "key": "x", "label": "X"})
    change(layout)
    with pytest.raises(LayoutError, match=message):
        validate_definition(layout)


def test_answer_checks():
    number = {
        "type": "number",
        "key": "n",
        "label": "N",
        "min": 1,
        "max": 5,
        "integer": True,
        "required": True,
    }
    assert check_answer(number, None) == "Enter an answer for ‘N’"
    assert check_answer(number, 3) is None
    assert check_answer(number, 2.5) == "‘N’ must be a whole number"
    assert check_answer(number, 9) == "‘N’ must be 5 or less"
    assert check_answer(number, "3") == "‘N’ must be a number"
    date_question = {"type": "date", "key": "d", "label": "D", "max": "2024-01-01"}
    assert check_answer(date_question, "2023-12-31") is None
    assert check_answer(date_question, "2024-02-30") == "‘D’ must be a real date"
    assert check_answer(date_question, "2024-06-01") == "‘D’ must be 1 January 2024 or earlier"
    radios = {"type": "radios", "key": "r", "label": "R", "options": [{"value": "a", "label": "A"}]}
    assert check_answer(radios, "b") == "Choose one of the options for ‘R’"
    boxes = {"type": "checkboxes", "key": "c", "label": "C", "options": [{"value": "a", "label": "A"}]}
    assert check_answer(boxes, ["a", "z"]) == "‘C’: 'z' is not one of the options"
    text = {"type": "text", "key": "t", "label": "T", "pattern": "[A-Z]{3}"}
    assert (
        check_answer(text, "ABC") is None and check_answer(text, "abc") == "Enter ‘T’ in the correct format"
    )


def test_loading_is_idempotent_and_a_changed_definition_makes_a_new_version(tenure, officer):
    first = load_shipped_definitions()
    assert [r.created for r in first] == [True, True]
    assert [r.created for r in load_shipped_definitions()] == [False, False]
    old_process = start(tenure, officer)

    changed = copy.deepcopy(read_definition(DEFINITIONS_FOLDER / "tenancy_household_check.json"))
    changed["sections"][0]["pages"][0]["title"] = "Who is at the visit"
    result = load_definition(changed)
    db.session.commit()
    assert (result.version, result.created) == (2, True)
    process_type = db.session.scalar(
        db.select(ProcessType).where(ProcessType.code == "tenancy_household_check")
    )
    assert [v.number for v in process_type.versions] == [1, 2]

    # The visit started on version 1 keeps rendering version 1; a new visit gets version 2.
    db.session.expire_all()
    old_process = db.session.get(Process, old_process.id)
    assert old_process.layout_version.number == 1
    assert find_page(old_process, "present-for-check").title == "Present for check"
    new_process = start(tenure, officer)
    assert find_page(new_process, "present-for-check").title == "Who is at the visit"
    assert db.session.scalar(db.select(db.func.count()).select_from(LayoutVersion)) == 3


def test_cli_loads_and_refuses_a_bad_file(runner, tmp_path):
    result = runner.invoke(args=["processes", "load"])
    assert result.exit_code == 0, result.output
    assert "tenancy_household_check: version 1 (new version)" in result.output
    assert "home_check: version 1 (unchanged)" in runner.invoke(args=["processes", "load"]).output

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(minimal({"type": "radios", "key": "x", "label": "X"})))
    result = runner.invoke(args=["processes", "load", str(bad)])
    assert result.exit_code != 0
    assert "Layout refused: Page 'first', element 1 ('x')" in result.output
    assert db.session.scalar(db.select(ProcessType).where(ProcessType.code == "test_visit")) is None
