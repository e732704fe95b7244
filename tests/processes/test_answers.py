"""Answering pages: round trips, errors that keep what was typed, conditional and per-member
questions, section status and read-only submitted visits."""

from datetime import UTC, datetime

import sqlalchemy as sa

from housing_app.extensions import db
from housing_app.models import Activity, Answer, Process
from housing_app.processes.service import (
    all_sections_complete,
    incomplete_sections,
    section_statuses,
)
from tests.html import error_summary, parse
from tests.processes.conftest import PARTNER_ID, TENANT_ID, at_once, client_for
from tests.test_database import seen_in_requests

TENANT = TENANT_ID.hex
PARTNER = PARTNER_ID.hex


def post_page(client, process, page_key, data, action="continue"):
    return client.post(f"/processes/{process.id}/pages/{page_key}", data={**data, "action": action})


def stored(process) -> dict:
    db.session.expire_all()
    return {
        (a.key, str(a.contact_id) if a.contact_id else None): a.value
        for a in db.session.scalars(db.select(Answer).where(Answer.process_id == process.id))
    }


PRESENT_ANSWERS = {
    "tenantPresent": "yes",
    "visitLocation": "property",
    f"memberPresent__{TENANT}": "yes",
    f"memberPresent__{PARTNER}": "no",
    "interpreterUsed": "yes",
    "interpreterLanguage": "Somali",
}


def test_answers_round_trip_and_show_when_reopened(officer_client, thc):
    response = post_page(officer_client, thc, "present-for-check", PRESENT_ANSWERS)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/processes/{thc.id}/pages/tenant-id")
    answers = stored(thc)
    assert answers[("tenantPresent", None)] == "yes"
    assert answers[("memberPresent", str(TENANT_ID))] == "yes"
    assert answers[("memberPresent", str(PARTNER_ID))] == "no"
    assert answers[("interpreterLanguage", None)] == "Somali"

    page = parse(officer_client.get(f"/processes/{thc.id}/pages/present-for-check"))
    assert page.select_one("#tenantPresent")["value"] == "yes" and page.select_one("#tenantPresent").has_attr(
        "checked"
    )
    assert page.select_one(f"#memberPresent__{PARTNER}-2").has_attr("checked")
    assert page.select_one("#interpreterLanguage")["value"] == "Somali"

    activity = db.session.scalars(
        db.select(Activity).where(Activity.target_id == thc.id, Activity.type == "update")
    ).one()
    assert activity.target_type == "process"
    assert activity.new_data["answers"]["interpreterLanguage"] == "Somali"


def test_missing_required_answers_show_an_error_summary_and_keep_what_was_typed(officer_client, thc):
    response = post_page(
        officer_client, thc, "present-for-check", {"interpreterUsed": "yes", "interpreterLanguage": "Twi"}
    )
    assert response.status_code == 200
    page = parse(response)
    assert page.title.text.startswith("Error: ")
    errors = error_summary(page)
    assert "Select an answer for ‘Is the tenant present for the check?’" in errors
    assert "Select an answer for ‘Is this person present?’ for Amina Okafor" in errors
    assert page.select_one("#interpreterLanguage")["value"] == "Twi"
    assert page.select_one(".govuk-error-summary a[href='#tenantPresent']")
    # What was valid is kept, so leaving now loses nothing.
    assert stored(thc)[("interpreterLanguage", None)] == "Twi"


def test_save_and_come_back_later_skips_required_questions(officer_client, thc):
    response = post_page(
        officer_client,
        thc,
        "present-for-check",
        {"tenantPresent": "no", "tenantAbsentReason": "In hospital"},
        "later",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/processes/{thc.id}")
    assert stored(thc)[("tenantAbsentReason", None)] == "In hospital"


def test_invalid_answers_are_refused_and_stored_ones_kept(officer_client, thc):
    post_page(officer_client, thc, "other-occupants", {"otherOccupants": "no", "totalOccupants": "3"})
    response = post_page(
        officer_client, thc, "other-occupants", {"otherOccupants": "no", "totalOccupants": "lots"}
    )
    page = parse(response)
    assert error_summary(page) == [
        "‘How many people live at the property in total?’ must be a number, like 12 or 12.50"
    ]
    assert page.select_one("#totalOccupants")["value"] == "lots"
    assert stored(thc)[("totalOccupants", None)] == 3
    response = post_page(
        officer_client, thc, "other-occupants", {"otherOccupants": "no", "totalOccupants": "99"}
    )
    assert "must be 30 or less" in error_summary(parse(response))[0]


def test_dates_are_checked_and_round_trip(officer_client, thc):
    data = {
        f"memberLivesHere__{TENANT}": "yes",
        f"memberDateOfBirth__{TENANT}": ["2", "6", "1978"],
        f"memberLivesHere__{PARTNER}": "yes",
        f"memberDateOfBirth__{PARTNER}": ["31", "2", "1980"],
    }
    response = post_page(officer_client, thc, "household-members", data)
    page = parse(response)
    assert error_summary(page) == ["‘Date of birth’ must be a real date, like 27 3 2024 for Daniel Okafor"]
    assert page.select_one(f"#memberDateOfBirth__{PARTNER}-day")["value"] == "31"
    assert stored(thc)[("memberDateOfBirth", str(TENANT_ID))] == "1978-06-02"
    data[f"memberDateOfBirth__{PARTNER}"] = ["15", "1", "1980"]
    assert post_page(officer_client, thc, "household-members", data).status_code == 302
    page = parse(officer_client.get(f"/processes/{thc.id}/pages/household-members"))
    assert page.select_one(f"#memberDateOfBirth__{PARTNER}-month")["value"] == "01"


def test_conditional_questions_apply_only_when_their_answer_matches(officer_client, thc):
    # Tenant present: the reason for absence does not apply, even if sent, and is not required.
    post_page(officer_client, thc, "present-for-check", {**PRESENT_ANSWERS, "tenantAbsentReason": "stale"})
    assert ("tenantAbsentReason", None) not in stored(thc)
    # Tenant absent: now the reason is required.
    response = post_page(officer_client, thc, "present-for-check", {**PRESENT_ANSWERS, "tenantPresent": "no"})
    assert error_summary(parse(response)) == ["Enter an answer for ‘Why is the tenant not present?’"]
    page = parse(officer_client.get(f"/processes/{thc.id}/pages/present-for-check"))
    conditional = page.select_one("[data-show-when-field=tenantPresent]")
    assert conditional["data-show-when-equals"] == "no" and conditional.select_one("#tenantAbsentReason")


def test_per_member_conditions_use_the_same_members_answer(officer_client, thc):
    data = {
        f"memberLivesHere__{TENANT}": "yes",
        f"memberDateOfBirth__{TENANT}": ["2", "6", "1978"],
        f"memberLivesHere__{PARTNER}": "no",
        f"memberMovedOutDate__{PARTNER}": ["1", "9", "2023"],
    }
    assert post_page(officer_client, thc, "household-members", data).status_code == 302
    answers = stored(thc)
    assert answers[("memberMovedOutDate", str(PARTNER_ID))] == "2023-09-01"
    assert ("memberDateOfBirth", str(PARTNER_ID)) not in answers  # not asked: they moved out


def test_section_status_follows_required_answers(officer_client, thc):
    sections = {s.key: s for s in thc.layout_version.sections}
    assert section_statuses(thc)[sections["visit"].id] == "incomplete"
    post_page(officer_client, thc, "present-for-check", PRESENT_ANSWERS)
    db.session.expire_all()
    assert section_statuses(thc)[sections["visit"].id] == "complete"
    assert sections["visit"] not in incomplete_sections(thc)
    assert not all_sections_complete(thc)
    page = parse(officer_client.get(f"/processes/{thc.id}"))
    assert "You have completed 1 of" in page.select_one("[data-sections-complete]").text
    rows = {
        row.select_one(".govuk-task-list__name-and-hint").text.strip(): row.select_one(
            ".govuk-task-list__status"
        ).text.strip()
        for row in page.select(".govuk-task-list__item")
    }
    assert rows["Present for check"] == "Completed" and rows["Tenant photo"] == "Incomplete"


def test_submitted_visits_are_read_only(officer_client, thc):
    thc.status = "submitted"
    db.session.commit()
    page = parse(officer_client.get(f"/processes/{thc.id}/pages/present-for-check"))
    assert not page.select("button[name=action]") and "can no longer be changed" in page.text
    assert post_page(officer_client, thc, "present-for-check", PRESENT_ANSWERS).status_code == 409
    assert stored(thc) == {}


def test_unknown_page_is_not_found(officer_client, thc):
    assert officer_client.get(f"/processes/{thc.id}/pages/no-such-page").status_code == 404


def test_a_save_reads_the_visit_once_and_its_photos_only_for_a_photo_question(app, officer_client, thc):
    """A page without photo questions has no photo to check, and the redirect after the save is
    worked out before the commit (which expires the visit): nothing is read twice."""
    task_list = f"/processes/{thc.id}"
    db.session.remove()  # as between two real requests: nothing already loaded
    with seen_in_requests(app, lambda _connection, sql: " ".join(sql.split())) as seen:
        response = officer_client.post(
            f"{task_list}/pages/present-for-check", data={**PRESENT_ANSWERS, "action": "later"}
        )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(task_list)
    assert not [sql for sql in seen if "process_photos" in sql]
    visit_reads = [sql for sql in seen if sql.startswith("SELECT") and "FROM processes" in sql]
    assert len(visit_reads) == 1, visit_reads
    answers = db.session.scalars(db.select(Answer).where(Answer.key == "interpreterLanguage")).all()
    assert [answer.value for answer in answers] == ["Somali"]


def test_two_saves_of_a_page_at_once_take_turns_and_keep_one_answer_per_question(app, officer, thc):
    """A double click on "Save and continue": the second save waits for the first (the visit is
    locked for a save), then changes the answers the first added instead of adding its own."""
    url = f"/processes/{thc.id}/pages/present-for-check"
    first, second = client_for(app, officer), client_for(app, officer)
    later = {**PRESENT_ANSWERS, "interpreterLanguage": "Polish", "action": "later"}
    responses = at_once(
        lambda: first.post(url, data={**PRESENT_ANSWERS, "action": "later"}),
        lambda: second.post(url, data=later),
    )
    assert [response.status_code for response in responses] == [302, 302]
    db.session.expire_all()
    answers = db.session.scalars(db.select(Answer).where(Answer.process_id == thc.id)).all()
    by_question = [(answer.key, answer.contact_id) for answer in answers]
    assert len(by_question) == len(set(by_question)) == len(PRESENT_ANSWERS)
    assert {answer.value for answer in answers if answer.key == "interpreterLanguage"} == {"Polish"}


def test_a_save_that_changes_nothing_leaves_the_visit_as_it_was(officer_client, thc):
    """Locking the visit for a save writes nothing to it: its updated_at moves only when its
    answers change."""

    def save(answers):
        return post_page(officer_client, thc, "present-for-check", answers, action="later").status_code

    def updated_at():
        db.session.expire_all()
        return db.session.get(Process, thc.id).updated_at

    assert save(PRESENT_ANSWERS) == 302
    long_ago = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    db.session.execute(sa.update(Process).where(Process.id == thc.id).values(updated_at=long_ago))
    db.session.commit()
    assert save(PRESENT_ANSWERS) == 302
    assert updated_at() == long_ago
    assert save({**PRESENT_ANSWERS, "interpreterLanguage": "Polish"}) == 302
    assert updated_at() > long_ago
