"""Layout versions end to end: editing a definition and reloading it makes a new version, and a
visit started on the old version keeps rendering, validating, reviewing (and through the API,
reading and writing) on that version, with every answer it already had."""

import copy

import pytest

from housing_app.extensions import db
from housing_app.models import Process
from housing_app.processes.loader import DEFINITIONS_FOLDER, load_definition, read_definition
from housing_app.processes.service import find_page, section_statuses
from tests.html import error_summary, parse
from tests.processes.conftest import answers_by_question, start
from tests.processes.test_answers import PRESENT_ANSWERS, post_page, stored

NEW_LABEL = "Is the tenant at home for the check?"


def edited_definition() -> dict:
    """Version 2: a relabelled question, a question removed, an option removed and a new
    required question, all on pages the version 1 visit has already answered."""
    definition = copy.deepcopy(read_definition(DEFINITIONS_FOLDER / "tenancy_household_check.json"))
    pages = {p["key"]: p for s in definition["sections"] for p in s["pages"]}
    present = pages["present-for-check"]["elements"]
    next(e for e in present if e.get("key") == "tenantPresent")["label"] = NEW_LABEL
    present[:] = [e for e in present if e.get("key") != "interpreterLanguage"]
    present.append({"type": "text", "key": "doorNumberSeen", "label": "Door number seen", "required": True})
    rent = next(e for e in pages["rent-and-arrears"]["elements"] if e.get("key") == "rentPaymentMethod")
    rent["options"] = [o for o in rent["options"] if o["value"] != "payment-card"]
    return definition


@pytest.fixture
def old_visit(officer_client, thc):
    """A visit on version 1 with answers, then the definition is edited and reloaded."""
    assert post_page(officer_client, thc, "present-for-check", PRESENT_ANSWERS).status_code == 302
    rent = {"rentPaymentMethod": "payment-card", "inArrears": "no"}
    assert post_page(officer_client, thc, "rent-and-arrears", rent).status_code == 302
    result = load_definition(edited_definition())
    db.session.commit()
    assert (result.version, result.created) == (2, True)
    db.session.expire_all()
    return db.session.get(Process, thc.id)


def test_a_visit_started_on_version_1_still_renders_its_answers_on_version_1(officer_client, old_visit):
    assert old_visit.layout_version.number == 1
    page = parse(officer_client.get(f"/processes/{old_visit.id}/pages/present-for-check"))
    legend = page.select_one("#tenantPresent").find_parent("fieldset").legend.text
    assert "Is the tenant present for the check?" in legend and NEW_LABEL not in page.text
    assert page.select_one("#interpreterLanguage")["value"] == "Somali"  # removed in version 2
    assert page.select_one("#doorNumberSeen") is None  # added in version 2
    page = parse(officer_client.get(f"/processes/{old_visit.id}/pages/rent-and-arrears"))
    assert page.select_one("input[name=rentPaymentMethod][value=payment-card]").has_attr("checked")


def test_a_visit_started_on_version_1_validates_and_completes_on_version_1(officer_client, old_visit):
    # The question version 2 added is not required of it; the one version 2 removed still is.
    without_language = {k: v for k, v in PRESENT_ANSWERS.items() if k != "interpreterLanguage"}
    response = post_page(officer_client, old_visit, "present-for-check", without_language)
    assert error_summary(parse(response)) == ["Enter an answer for ‘Which language?’"]
    assert post_page(officer_client, old_visit, "present-for-check", PRESENT_ANSWERS).status_code == 302
    # An option version 2 removed is still a valid answer on version 1.
    rent = {"rentPaymentMethod": "payment-card", "inArrears": "no"}
    assert post_page(officer_client, old_visit, "rent-and-arrears", rent).status_code == 302
    answers = stored(old_visit)
    assert answers[("interpreterLanguage", None)] == "Somali"
    assert answers[("rentPaymentMethod", None)] == "payment-card"
    db.session.expire_all()
    sections = {s.key: s.id for s in old_visit.layout_version.sections}
    statuses = section_statuses(old_visit)
    assert statuses[sections["visit"]] == "complete" and statuses[sections["rent"]] == "complete"


def test_a_visit_started_on_version_1_reviews_on_version_1(officer_client, old_visit):
    by_question = answers_by_question(old_visit)
    assert by_question["Which language?"] == "Somali"
    assert (
        by_question["How does the tenant usually pay their rent?"] == "Payment card at a shop or Post Office"
    )
    assert by_question["Is the tenant present for the check?"] == "Yes"
    assert "Door number seen" not in by_question and NEW_LABEL not in by_question
    page = officer_client.get(f"/processes/{old_visit.id}/review").get_data(as_text=True)
    assert "Somali" in page and "Payment card at a shop or Post Office" in page
    assert NEW_LABEL not in page and "Door number seen" not in page


def test_a_new_visit_uses_the_new_version(officer_client, old_visit, tenure):
    new_visit = start(tenure, officer_client.user)
    assert new_visit.layout_version.number == 2
    page = parse(officer_client.get(f"/processes/{new_visit.id}/pages/present-for-check"))
    assert NEW_LABEL in page.text and page.select_one("#doorNumberSeen") is not None
    assert page.select_one("#interpreterLanguage") is None
    response = post_page(officer_client, new_visit, "rent-and-arrears", {"rentPaymentMethod": "payment-card"})
    assert "Choose one of the options for ‘How does the tenant usually pay their rent?’" in error_summary(
        parse(response)
    )


def test_the_api_reads_and_writes_a_version_1_visit_on_version_1(client, api_token, old_visit, tenure):
    headers = api_token("processes:read", "processes:write")
    old_page = find_page(old_visit, "present-for-check")
    new_page = find_page(start(tenure, old_visit.officer), "present-for-check")
    assert old_page.id != new_page.id

    layout = client.get(f"/api/v1/processes/pages/{old_page.id}/layout", headers=headers).get_json()
    assert layout["layoutVersion"] == 1
    assert "interpreterLanguage" in [e.get("key") for e in layout["elements"]]

    body = {"pageId": str(old_page.id), "responses": [{"key": "interpreterLanguage", "value": "Polish"}]}
    response = client.post(f"/api/v1/processes/{old_visit.id}/responses", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = {"pageId": str(old_page.id), "responses": [{"key": "doorNumberSeen", "value": "14"}]}
    response = client.post(f"/api/v1/processes/{old_visit.id}/responses", json=body, headers=headers)
    assert response.status_code == 400
    assert "'doorNumberSeen' is not a question" in response.get_json()["errors"][0]["developerMessage"]
    body = {"pageId": str(new_page.id), "responses": [{"key": "tenantPresent", "value": "yes"}]}
    response = client.post(f"/api/v1/processes/{old_visit.id}/responses", json=body, headers=headers)
    assert (
        response.status_code == 400 and "(version 1)" in response.get_json()["errors"][0]["developerMessage"]
    )

    review = client.get(f"/api/v1/processes/{old_visit.id}/review", headers=headers).get_json()
    answers = {a["key"]: a["value"] for g in review["groups"] for s in g["sections"] for a in s["answers"]}
    assert answers["interpreterLanguage"] == "Polish" and answers["rentPaymentMethod"] == "payment-card"
    assert client.get(f"/api/v1/processes/{old_visit.id}", headers=headers).get_json()["layoutVersion"] == 1
