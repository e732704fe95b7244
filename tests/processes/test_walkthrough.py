"""The issue's "done when", through the officer pages as a browser without JavaScript would use
them: start either visit from its tenure, complete every page (photos included) with "Save and
continue", leave and come back without losing anything, see the review grouped by household
member, and read the same data through the process API. Runs on SQLite and PostgreSQL."""

import io
from datetime import date

import pytest

from housing_app.extensions import db
from housing_app.models import Process, ProcessPhoto
from housing_app.processes.layouts import options_of
from housing_app.processes.service import answer_values, page_slots
from housing_app.processes.summary import HOUSEHOLD_HEADING
from tests.html import error_summary, parse
from tests.processes.complete import ANSWERS_BY_KEY
from tests.processes.conftest import PARTNER_ID, TENANT_ID, image_bytes

TODAY = date.today()


def form_value(slot):
    """What an officer would enter for a question, in the form's own encoding."""
    question, kind = slot.element, slot.element["type"]
    if question["key"] in ANSWERS_BY_KEY:
        return ANSWERS_BY_KEY[question["key"]]
    if kind in ("text", "textarea"):
        who = f" for {slot.member['fullName']}" if slot.member else ""
        return f"{question['label']}{who}: noted"
    if kind == "number":
        return str(question.get("min", 0) + 1)
    if kind == "date":
        return [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
    if kind in ("yesno", "radios", "select"):
        return options_of(question)[0]["value"]  # "yes" first: it opens the follow-up questions
    if kind == "checkboxes":
        return [options_of(question)[0]["value"]]
    if kind == "photo":
        return [(io.BytesIO(image_bytes()), f"{question['key']}.jpg")]
    if kind == "signature":
        return ""  # no JavaScript, so nothing drawn: the typed name and declaration sign
    raise AssertionError(kind)


def complete_every_page(client, process: Process) -> None:
    pages = process.layout_version.pages
    for number, page in enumerate(pages):
        html = parse(client.get(f"/processes/{process.id}/pages/{page.key}"))
        data = {"action": "continue"}
        for slot in page_slots(process, page):
            assert html.select(f"[name='{slot.field_name}']"), f"{page.key}: no field for {slot.field_name}"
            data[slot.field_name] = form_value(slot)
        response = client.post(
            f"/processes/{process.id}/pages/{page.key}", data=data, content_type="multipart/form-data"
        )
        assert response.status_code == 302, (page.key, error_summary(parse(response)))
        following = pages[number + 1].key if number + 1 < len(pages) else None
        expected = f"/pages/{following}" if following else f"/processes/{process.id}/review"
        assert response.headers["Location"].endswith(expected), (page.key, response.headers["Location"])


@pytest.mark.parametrize("code", ["tenancy_household_check", "home_check"])
def test_an_officer_completes_a_visit_comes_back_and_reviews_it(
    officer_client, client, api_token, layouts, tenure, code
):
    # Find the tenure, then start from its page's form.
    found = parse(officer_client.get("/tenures?name=Amina+Okafor"))
    assert found.select_one(f"a[href='/tenures/{tenure.id}']")
    tenure_page = parse(officer_client.get(f"/tenures/{tenure.id}"))
    assert tenure_page.select_one(f"form[action='/tenures/{tenure.id}/processes']")
    response = officer_client.post(f"/tenures/{tenure.id}/processes", data={"process_type": code})
    assert response.status_code == 302
    process = db.session.scalars(db.select(Process)).one()

    complete_every_page(officer_client, process)
    db.session.expire_all()
    values = answer_values(process)

    # Every section complete on the task list.
    task_list = parse(officer_client.get(f"/processes/{process.id}"))
    statuses = [s.text.strip() for s in task_list.select(".govuk-task-list__status")]
    assert statuses == ["Completed"] * len(process.layout_version.sections)

    # Coming back: every page shows what was saved.
    for page in process.layout_version.pages:
        html = parse(officer_client.get(f"/processes/{process.id}/pages/{page.key}"))
        for slot in page_slots(process, page):
            value = values.get((slot.key, slot.contact_id))
            kind, name = slot.element["type"], slot.field_name
            if value is None:
                continue
            if kind in ("text", "number"):
                assert html.select_one(f"input[name='{name}']")["value"] == str(value), name
            elif kind == "textarea":
                assert html.select_one(f"textarea[name='{name}']").text.strip() == value, name
            elif kind in ("yesno", "radios", "checkboxes"):
                chosen = value if isinstance(value, list) else [value]
                for option in chosen:
                    assert html.select_one(f"input[name='{name}'][value='{option}']").has_attr("checked")
            elif kind == "select":
                assert html.select_one(f"select[name='{name}'] option[value='{value}']").has_attr("selected")
            elif kind == "date":
                assert html.select_one(f"#{name}-year")["value"] == str(TODAY.year), name
            elif kind == "photo":
                for photo_id in value:
                    assert html.select_one(f"img[src*='/photos/{photo_id}']"), name

    # The review: household first, then each member; photo thumbnails; "Change" links.
    review = parse(officer_client.get(f"/processes/{process.id}/review"))
    groups = review.select(".app-review-group")
    assert [g.select_one("h2").text.strip() for g in groups] == [
        HOUSEHOLD_HEADING,
        "Amina Okafor",
        "Daniel Okafor",
    ]
    assert [g.get("data-contact-id") for g in groups[1:]] == [str(TENANT_ID), str(PARTNER_ID)]
    photos = db.session.scalars(db.select(ProcessPhoto).where(ProcessPhoto.process_id == process.id)).all()
    assert photos and len(review.select("img.app-thumbnail")) == len(photos)
    pages_linked = {a["href"].split("/pages/")[1].split("#")[0] for a in review.select("a[href*='/pages/']")}
    assert pages_linked == {p.key for p in process.layout_version.pages if p.questions}
    assert not review.select("[data-incomplete-sections] li")

    # The same data through the API.
    headers = api_token("processes:read")
    listed = client.get(f"/api/v1/processes/{process.id}/responses?limit=500", headers=headers).get_json()
    assert {(r["key"], r["contactId"]): r["value"] for r in listed["results"]} == {
        (key, contact): value for (key, contact), value in values.items()
    }
    status = client.get(f"/api/v1/processes/{process.id}/status", headers=headers).get_json()
    assert status["allSectionsComplete"] is True
    api_review = client.get(f"/api/v1/processes/{process.id}/review", headers=headers).get_json()
    assert [g["contactId"] for g in api_review["groups"]] == [None, str(TENANT_ID), str(PARTNER_ID)]
    shown = {
        (a["key"], g["contactId"]) for g in api_review["groups"] for s in g["sections"] for a in s["answers"]
    }
    assert set(values) <= shown
    typed_name = next(
        a
        for g in api_review["groups"]
        for s in g["sections"]
        for a in s["answers"]
        if a["key"] == "signatoryName"
    )
    assert typed_name["value"] == values[("signatoryName", None)]
