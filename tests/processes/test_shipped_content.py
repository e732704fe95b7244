"""The two shipped processes cover what the issue lists, as data: the Tenancy and Household Check
page by page, and a shorter, property-focused Home Check; both end with a sign-off that works
without JavaScript."""

import pytest

from housing_app.processes.layouts import QUESTION_TYPES, options_of
from housing_app.processes.loader import DEFINITIONS_FOLDER, read_definition


def pages_of(name: str) -> dict[str, dict]:
    definition = read_definition(DEFINITIONS_FOLDER / f"{name}.json")
    return {page["key"]: page for section in definition["sections"] for page in section["pages"]}


def questions(page: dict) -> dict[str, dict]:
    return {e["key"]: e for e in page["elements"] if e["type"] in QUESTION_TYPES}


def types_on(page: dict) -> set[str]:
    return {e["type"] for e in questions(page).values()}


# The list, in order, and the page that covers each item.
THC_CONTENT = [
    ("present for check", "present-for-check", "yesno"),
    ("tenant ID check with photo", "tenant-id", "photo"),
    ("proof of residency", "proof-of-residency", "checkboxes"),
    ("tenant photo", "tenant-photo", "photo"),
    ("next of kin", "next-of-kin", "text"),
    ("carer", "carer", "radios"),
    ("other support", "other-support", "checkboxes"),
    ("household members' details", "household-members", "date"),
    ("rent and arrears conversation", "rent-and-arrears", "number"),
    ("property inspection: access and condition", "property-access", "radios"),
    ("property inspection: kitchen", "kitchen", "photo"),
    ("property inspection: bathroom", "bathroom", "photo"),
    ("property inspection: living room and bedrooms", "living-areas", "photo"),
    ("property inspection: outside", "outside", "photo"),
    ("health, disability and wellbeing support", "health-and-wellbeing", "checkboxes"),
    ("any other comments", "other-comments", "textarea"),
    ("review and sign-off", "sign-off", "signature"),
]


@pytest.mark.parametrize(
    ("item", "page_key", "question_type"), THC_CONTENT, ids=[i for i, _p, _t in THC_CONTENT]
)
def test_the_tenancy_and_household_check_covers_the_listed_content(item, page_key, question_type):
    page = pages_of("tenancy_household_check")[page_key]
    assert question_type in types_on(page), item


def test_household_questions_are_asked_for_each_member():
    pages = pages_of("tenancy_household_check")
    for page_key in ("present-for-check", "household-members", "health-and-wellbeing"):
        assert any(q.get("perMember") for q in questions(pages[page_key]).values()), page_key


def test_the_pages_are_in_the_order_of_the_visit():
    keys = list(pages_of("tenancy_household_check"))
    listed = [page_key for _item, page_key, _type in THC_CONTENT]
    assert [k for k in keys if k in listed] == listed


@pytest.mark.parametrize("name", ["tenancy_household_check", "home_check"])
def test_sign_off_is_a_typed_name_and_declaration_with_an_optional_drawing(name):
    sign_off = questions(pages_of(name)["sign-off"])
    assert sign_off["signatoryName"]["required"] and sign_off["signatoryName"]["type"] == "text"
    declaration = sign_off["signatoryDeclaration"]
    assert declaration["required"] and len(options_of(declaration)) == 1
    assert "true" in options_of(declaration)[0]["label"]
    assert sign_off["tenantSignature"]["type"] == "signature"
    assert not sign_off["tenantSignature"].get("required")


def test_the_home_check_is_shorter_and_about_the_property():
    home, thc = pages_of("home_check"), pages_of("tenancy_household_check")
    home_questions = [q for page in home.values() for q in questions(page).values()]
    thc_questions = [q for page in thc.values() for q in questions(page).values()]
    assert len(home) < len(thc) and len(home_questions) < len(thc_questions) * 0.6
    rooms = types_on(home["rooms"])
    assert {"radios", "photo"} <= rooms
    assert {"property-access", "rooms", "sign-off"} <= set(home)
    assert "tenant-id" not in home and "rent-and-arrears" not in home


@pytest.mark.parametrize("name", ["tenancy_household_check", "home_check"])
def test_wording_is_complete_for_officers(name):
    for page_key, page in pages_of(name).items():
        for question in questions(page).values():
            label = question["label"]
            assert label[0].isupper() and not label.endswith((".", ":")), (page_key, label)
            assert " is the bedrooms" not in label and "Does the bedrooms" not in label, label
            if question["type"] in ("radios", "checkboxes", "select"):
                assert len(options_of(question)) >= 2 or question["key"] == "signatoryDeclaration", label
            if question["type"] in ("text", "textarea") and question.get("pattern"):
                assert question.get("patternMessage"), label
