"""Starting a visit from a tenure, the officer's home list, the review page and who may see what."""

import uuid

from flask import render_template

from housing_app.extensions import db
from housing_app.models import Activity, Process
from housing_app.processes.summary import HOUSEHOLD_HEADING, build_process_summary
from tests.conftest import make_user
from tests.html import error_summary, parse
from tests.processes.conftest import PARTNER_ID, TENANT_ID, client_for, fresh_get, image_bytes, start
from tests.processes.test_answers import PRESENT_ANSWERS, post_page

CRM_GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def test_officer_starts_a_visit_from_a_tenure(officer_client, layouts, tenure):
    page = parse(officer_client.get(f"/tenures/{tenure.id}/processes/new"))
    labels = [label.text.strip() for label in page.select(".govuk-radios__label")]
    assert labels == ["Home Check", "Tenancy and Household Check"]
    response = officer_client.post(
        f"/tenures/{tenure.id}/processes",
        data={
            "process_type": "tenancy_household_check",
            "crm_interaction_guid": "{" + CRM_GUID.upper() + "}",
        },
    )
    assert response.status_code == 302
    process = db.session.scalars(db.select(Process)).one()
    assert response.headers["Location"].endswith(f"/processes/{process.id}")
    assert process.reference == "THC-000001" and process.status == "in_progress"
    assert str(process.crm_interaction_guid) == CRM_GUID
    assert process.officer_id == officer_client.user.id
    assert process.layout_version.number == 1
    snapshot = process.tenure_snapshot
    assert snapshot["address"] == tenure.asset_full_address
    assert [m["fullName"] for m in snapshot["householdMembers"]] == ["Amina Okafor", "Daniel Okafor"]
    created = db.session.scalars(db.select(Activity).where(Activity.target_id == process.id)).one()
    assert created.type == "create" and created.target_type == "process"
    assert created.new_data["reference"] == "THC-000001"

    page = parse(officer_client.get(f"/processes/{process.id}"))
    assert page.select_one("h1").text.strip() == "Tenancy and Household Check"
    assert len(page.select(".govuk-task-list__item")) == len(process.layout_version.sections)


def test_starting_a_visit_checks_the_form(officer_client, layouts, tenure):
    response = officer_client.post(
        f"/tenures/{tenure.id}/processes", data={"crm_interaction_guid": "not-a-guid"}
    )
    assert response.status_code == 400
    errors = error_summary(parse(response))
    assert "Select the visit you are starting" in errors
    assert any("CRM interaction GUID" in e for e in errors)
    assert db.session.scalars(db.select(Process)).all() == []


def test_starting_a_visit_for_an_unknown_tenure_is_not_found(officer_client, layouts):
    response = officer_client.post(f"/tenures/{uuid.uuid4()}/processes", data={"process_type": "home_check"})
    assert response.status_code == 404


def test_references_count_up_across_types(layouts, tenure, officer):
    first, second = start(tenure, officer), start(tenure, officer, "home_check")
    assert (first.reference, second.reference) == ("THC-000001", "HC-000002")


def test_tenure_partial_lists_visits_and_offers_the_start_form(app, officer_client, thc, tenure):
    with app.test_request_context():
        from flask_login import login_user

        login_user(officer_client.user)
        html = render_template("officer/tenure/_processes.html", tenure=tenure)
    assert thc.reference in html and f'action="/tenures/{tenure.id}/processes"' in html


def test_home_lists_the_officers_visits_and_managers_see_their_team(app, officer_client, thc, tenure):
    page = parse(officer_client.get("/"))
    rows = page.select("tr[data-process-id]")
    assert [r["data-process-id"] for r in rows] == [str(thc.id)]
    assert rows[0].select_one("a")["href"] == f"/processes/{thc.id}"
    assert "In progress" in rows[0].text

    manager = make_user("manager", name="Team Manager", team="Estate team north")
    page = parse(fresh_get(app, client_for(app, manager), "/"))
    assert [r["data-process-id"] for r in page.select("tr[data-process-id]")] == [str(thc.id)]

    other_manager = make_user("manager", team="Estate team south")
    page = parse(fresh_get(app, client_for(app, other_manager), "/"))
    assert page.select("tr[data-process-id]") == [] and page.select_one("[data-empty-state]")


def test_an_officer_cannot_open_another_officers_visit_but_their_manager_can(app, thc):
    urls = [
        f"/processes/{thc.id}",
        f"/processes/{thc.id}/pages/present-for-check",
        f"/processes/{thc.id}/review",
    ]
    colleague = client_for(app, make_user("officer", team="Estate team north"))
    manager = client_for(app, make_user("manager", team="Estate team north"))
    other_team_manager = client_for(app, make_user("manager", team="Estate team south"))
    admin = client_for(app, make_user("admin", team=None))
    for url in urls:
        assert fresh_get(app, colleague, url).status_code == 404, url
        assert fresh_get(app, other_team_manager, url).status_code == 404, url
        assert fresh_get(app, manager, url).status_code == 200, url
        assert fresh_get(app, admin, url).status_code == 200, url
    with app.app_context():
        response = colleague.post(f"/processes/{thc.id}/pages/present-for-check", data=PRESENT_ANSWERS)
    assert response.status_code == 404


def test_review_groups_answers_by_household_member_then_section(officer_client, thc):
    post_page(officer_client, thc, "present-for-check", PRESENT_ANSWERS)
    officer_client.post(
        f"/processes/{thc.id}/pages/tenant-photo",
        data={
            "tenantPhotoConsent": "yes",
            "tenantPhoto": [(__import__("io").BytesIO(image_bytes()), "t.jpg")],
            "action": "later",
        },
        content_type="multipart/form-data",
    )
    post_page(
        officer_client,
        thc,
        "health-and-wellbeing",
        {
            f"memberHasCondition__{TENANT_ID.hex}": "yes",
            f"memberSupportNeeds__{TENANT_ID.hex}": ["mobility", "sight"],
            f"memberHasCondition__{PARTNER_ID.hex}": "no",
            "adaptationsNeeded": "no",
            "safeguardingConcerns": "no",
        },
    )

    summary = build_process_summary(thc)
    assert [g.heading for g in summary.groups] == [HOUSEHOLD_HEADING, "Amina Okafor", "Daniel Okafor"]
    assert [g.contact_id for g in summary.groups] == [None, str(TENANT_ID), str(PARTNER_ID)]
    tenant = summary.groups[1]
    titles = [s.title for s in tenant.sections]
    assert titles == ["Present for check", "Household members", "Health, disability and wellbeing"]
    assert {a.question: a.answer for a in tenant.sections[0].answers} == {"Is this person present?": "Yes"}
    health = {a.question: a.answer for a in tenant.sections[2].answers}
    assert health["What do they need support with?"] == "Mobility, Sight"
    partner_health = {a.question for a in summary.groups[2].sections[2].answers}
    assert "What do they need support with?" not in partner_health  # not asked: answered no
    photo_answer = next(
        a for s in summary.groups[0].sections for a in s.answers if a.question == "Photo of the tenant"
    )
    assert len(photo_answer.photo_keys) == 1 and photo_answer.photo_keys[0].startswith("photos/")
    assert summary.household[0].role == "Tenant (responsible)"
    assert summary.household[0].date_of_birth == "2 June 1978"

    page = parse(officer_client.get(f"/processes/{thc.id}/review"))
    groups = page.select(".app-review-group")
    assert [g.select_one("h2").text.strip() for g in groups] == [
        HOUSEHOLD_HEADING,
        "Amina Okafor",
        "Daniel Okafor",
    ]
    assert groups[1]["data-contact-id"] == str(TENANT_ID)
    change = groups[1].select_one("a[href*='health-and-wellbeing']")
    assert change["href"].endswith(f"#memberHasCondition__{TENANT_ID.hex}")
    assert groups[0].select_one("img.app-thumbnail")["src"].endswith("?size=thumbnail")
    assert page.select("[data-incomplete-sections] li")


def test_home_offers_a_visible_continue_link_and_the_answers_of_submitted_visits(officer_client, thc, tenure):
    submitted = start(tenure, officer_client.user, "home_check")
    submitted.status = "submitted"
    db.session.commit()
    page = parse(officer_client.get("/"))
    links = {
        row["data-process-id"]: row.select_one("a[data-process-action]")
        for row in page.select("tr[data-process-id]")
    }
    continue_link, view_link = links[str(thc.id)], links[str(submitted.id)]
    assert continue_link["href"] == f"/processes/{thc.id}"
    assert continue_link.text.split() == ["Continue", thc.reference]  # the reference is for screen readers
    assert continue_link.select_one(".govuk-visually-hidden").text.strip() == thc.reference
    assert view_link["href"] == f"/processes/{submitted.id}/review"
    assert view_link.text.split()[:2] == ["View", "answers"]
