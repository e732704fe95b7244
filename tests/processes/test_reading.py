"""A process page's GET reads the visit as a read-only ProcessView (housing_app.processes.reading),
not an ORM Process: the same values, the same page."""

import uuid

import pytest
import sqlalchemy as sa
from flask import request

from housing_app.database import READ_CONNECTION, read_connection
from housing_app.extensions import db
from housing_app.models import Answer, Process
from housing_app.processes import page_skeletons
from housing_app.processes.forms import build_page_form
from housing_app.processes.reading import (
    _PROCESS_WITH_ANSWERS_BY_ID,
    ProcessView,
    answers_from_json,
    read_process_view,
)
from housing_app.processes.service import answer_values, find_page, page_layout
from tests.conftest import make_user
from tests.html import parse
from tests.processes.complete import answer_every_question
from tests.processes.conftest import client_for, fresh_get, start
from tests.processes.test_answers import PRESENT_ANSWERS, post_page
from tests.test_database import seen_in_requests


def test_a_process_view_holds_what_the_process_holds(app, thc):
    stored = answer_every_question(thc)
    with app.test_request_context("/"):
        view = read_process_view(thc.id)
        assert isinstance(view, ProcessView)
        # Every attribute the view shares with Process by name (a new one is compared too).
        for name in sorted(set(ProcessView.__slots__) - {"process_type", "officer", "_answer_values"}) + [
            "is_submitted"
        ]:
            assert getattr(view, name) == getattr(thc, name), name
        view_type, process_type = view.process_type, thc.process_type
        assert (view_type.code, view_type.name) == (process_type.code, process_type.name)
        assert (view.officer.id, view.officer.team) == (thc.officer.id, thc.officer.team)
        assert answer_values(view) == answer_values(thc) == stored
        assert len(stored) > 50 and any(contact_id for _key, contact_id in stored)
        # Read with the visit, in one statement (the contact ids as str(UUID) writes them).
        assert answer_values(read_process_view(thc.id, with_answers=True)) == stored
        assert read_process_view(uuid.uuid4()) is None
        assert read_process_view(uuid.uuid4(), with_answers=True) is None


def test_a_visit_with_no_answers_is_read_with_none(app, thc):
    with app.test_request_context("/"):
        assert answer_values(read_process_view(thc.id, with_answers=True)) == {}


def test_answers_read_as_json_name_members_as_str_uuid_writes_them():
    """However the database wrote a member's id (SQLite's 32 hex digits, PostgreSQL's dashed
    form, or hex in capitals), answers are keyed by str(UUID); text that is no UUID is refused."""
    member = uuid.uuid4()
    for written in (member.hex, str(member), member.hex.upper()):
        assert answers_from_json([["age", written, 7], ["notes", None, "x"]]) == {
            ("age", str(member)): 7,
            ("notes", None): "x",
        }, written
    assert answers_from_json(None) == {}
    with pytest.raises(ValueError):
        answers_from_json([["age", "z" * 32, 7]])


def test_every_page_of_a_process_view_is_the_processs_page(app, thc):
    """The questions' markup from a ProcessView is the same as from the ORM Process, page by page."""
    answer_every_question(thc)
    page_skeletons.page_skeletons.clear()
    compared = 0
    for layout_page in thc.layout_version.pages:
        with app.test_request_context("/"):
            view = read_process_view(thc.id)
            page = find_page(thc, layout_page.key)
            from_process = page_skeletons.render_page_questions(
                thc, page, build_page_form(thc, page, submitted=False)
            )
            view_page = page_layout(view, layout_page.key)
            from_view = page_skeletons.render_page_questions(
                view, view_page, build_page_form(view, view_page, submitted=False)
            )
        assert str(from_view) == str(from_process), layout_page.key
        compared += 1
    assert compared >= 5


def test_a_page_is_shown_without_loading_the_process_or_its_answers(officer_client, thc):
    data = {"tenantPresent": "yes", "interpreterUsed": "yes", "interpreterLanguage": "Somali"}
    assert post_page(officer_client, thc, "present-for-check", data, action="later").status_code == 302
    loads = []

    def record(target, _context):
        loads.append(target)

    url = f"/processes/{thc.id}/pages/present-for-check"
    db.session.remove()  # as between two real requests: nothing already loaded
    for model in (Process, Answer):
        sa.event.listen(model, "load", record)
    try:
        page = parse(officer_client.get(url))
    finally:
        for model in (Process, Answer):
            sa.event.remove(model, "load", record)
    assert page.select_one("input[name=interpreterLanguage]")["value"] == "Somali"
    assert page.select_one("input[name=tenantPresent][value=yes]").has_attr("checked")
    assert loads == []


def test_a_pages_reads_run_on_the_requests_own_read_connection(app, officer_client, thc):
    """The sign-in check, the visit and its answers are read on the request's own connection
    (database.read_connection), as the API's reads are: once the page's layout is kept, no ORM
    session is made (on a database server a GET's session would be given the read engine as it
    is made, by AppSession: making one for every request cost a page about 35 us)."""
    data = {"tenantPresent": "yes", "interpreterUsed": "yes", "interpreterLanguage": "Somali"}
    assert post_page(officer_client, thc, "present-for-check", data, action="later").status_code == 302
    officer_client.get(f"/processes/{thc.id}/pages/present-for-check")  # the page's layout, kept once read
    db.session.remove()  # as between two real requests
    with seen_in_requests(
        app, lambda connection, sql: (sql, request.environ.get(READ_CONNECTION) is connection)
    ) as seen:
        page = parse(officer_client.get(f"/processes/{thc.id}/pages/present-for-check"))
    assert page.select_one("input[name=interpreterLanguage]")["value"] == "Somali"
    tables = ("FROM users", "FROM processes", "FROM process_answers")
    assert all(any(table in sql for sql, _own in seen) for table in tables), seen
    assert all(own for _sql, own in seen), [sql for sql, own in seen if not own]
    assert not db.session.registry.has()  # no ORM session was even made for the request


def test_a_submitted_visits_page_is_read_only_without_reading_its_answers(app, officer_client, thc):
    answer_every_question(thc)
    thc.status = "submitted"
    db.session.commit()
    with statements_in_requests(app) as statements:
        page = parse(officer_client.get(f"/processes/{thc.id}/pages/present-for-check"))
    assert "can no longer be changed" in page.select_one(".govuk-inset-text").text
    assert page.select("form[method=post] input[name=tenantPresent]") == []
    visit_reads = [sql for sql in statements if "FROM processes" in sql]
    assert len(visit_reads) == 1  # the visit was read, in the request
    assert [sql for sql in statements if "process_answers" in sql] == visit_reads  # no read of its own
    with app.test_request_context("/"):
        # The visit's statement brings back none of a submitted visit's answers ...
        assert _PROCESS_WITH_ANSWERS_BY_ID.first(read_connection(), process_id=thc.id).answers_json in (
            None,
            [],
        )
        view = read_process_view(thc.id, with_answers=True)
        assert answer_values(view) == answer_values(thc)  # ... and reads them if asked for
        assert len(answer_values(view)) > 50


def test_a_page_reads_its_visit_and_answers_in_one_statement(app, officer_client, thc):
    """The page's one read of the visit brings its answers with it (reading.answer_rows_json),
    and is made in the sign-in check's own statement (auth.signed_in.ReadAlongside): one
    statement, one round trip, where the officer, the visit and its answers as rows cost three."""
    answer_every_question(thc)
    url = f"/processes/{thc.id}/pages/present-for-check"
    officer_client.get(url)  # the page's layout, kept once read
    with statements_in_requests(app) as statements:
        page = parse(officer_client.get(url))
    assert page.select_one("input[name=tenantPresent][checked]") is not None
    assert len(statements) == 1, statements  # who is asking, with the visit and its answers
    assert "FROM users" in statements[0] and "processes" in statements[0]
    assert "process_answers" in statements[0]


def test_a_page_read_alongside_the_officer_still_checks_the_visit(app, layouts, tenure, officer_client):
    """The visit read in the officer's statement is checked as one read on its own: another
    team's visit, or none, is not found."""
    south_visit = start(tenure, make_user("officer", team="Estate team south"))
    assert officer_client.get(f"/processes/{south_visit.id}/pages/present-for-check").status_code == 404
    assert officer_client.get(f"/processes/{uuid.uuid4()}/pages/present-for-check").status_code == 404


def test_a_save_reads_the_officer_on_its_own(app, officer_client, thc):
    """Only reads (GET, HEAD) are read alongside the officer: a save loads the visit to change it."""
    url = f"/processes/{thc.id}/pages/present-for-check"
    with statements_in_requests(app) as statements:
        response = post_page(officer_client, thc, "present-for-check", PRESENT_ANSWERS)
    assert response.status_code == 302, url
    officer_reads = [sql for sql in statements if "FROM users" in sql and "users.email" in sql]
    assert officer_reads and all("process_answers" not in sql for sql in officer_reads)


def statements_in_requests(app):
    """The SQL of each statement requests run inside the block, on every engine of the app."""
    return seen_in_requests(app, lambda _connection, sql: sql)


def test_a_managers_view_of_a_page_follows_the_officers_team(app, layouts, tenure):
    north_officer = make_user("officer", team="Estate team north")
    visit = start(tenure, north_officer)
    url = f"/processes/{visit.id}/pages/present-for-check"
    north = client_for(app, make_user("manager", team="Estate team north"))
    assert fresh_get(app, north, url).status_code == 200
    north_officer.team = "Estate team south"  # the officer moves team: the visit goes with them
    db.session.commit()
    assert fresh_get(app, north, url).status_code == 404


def test_a_copied_cookie_no_longer_opens_a_process_page_after_sign_out(
    app, layouts, tenure, officer_client, officer
):
    """A page's GET reads the officer alongside the visit, through the session's row too."""
    visit = start(tenure, officer)
    url = f"/processes/{visit.id}/pages/present-for-check"
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()  # a second browser holding a copy of the officer's cookie
    thief.set_cookie(name, officer_client.get_cookie(name).value)
    assert thief.get(url).status_code == 200
    officer_client.post("/sign-out")
    for response in (thief.get(url), thief.post(url, data={"tenantPresent": "yes"})):
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
