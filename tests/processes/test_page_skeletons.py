"""A process page's questions filled into its skeleton (processes/page_skeletons.py) are exactly
what the full rendering writes, for every page of both shipped processes, with all, none and some
answers, for households with awkward names; the skeletons keep no names, ids or typed answers;
and pages the skeleton cannot serve are rendered in full."""

import time
import uuid
from datetime import date

import pytest
from bs4 import BeautifulSoup
from flask_wtf import FlaskForm
from markupsafe import Markup

from housing_app.extensions import db
from housing_app.models import Process
from housing_app.processes import page_skeletons
from housing_app.processes.forms import build_blocks, build_page_form, initial_data, page_form_class
from housing_app.processes.layouts import is_question, options_of
from housing_app.processes.service import answer_values, find_page, page_slots, save_page_answers
from tests.html import assert_well_formed, parse
from tests.processes.conftest import make_tenure, start
from tests.processes.test_answers import post_page

NAMES = ["Amina O'Kafor & <family>", 'Zoë "Zed" Zulu', "Tom  Spaced-Out"]
# Typed texts that escaping, attribute quoting or a placeholder scheme could get wrong.
TYPED = ["<b>\"Tom\" & 'Jerry'</b>", "  spaced  ", "Zoë ☃ naïve", page_skeletons.placeholder("v0")]
TYPED_IN_TEXTAREAS = ["two\nlines & <more>", "\nleading line break"]


@pytest.fixture
def household_visits(layouts, officer):
    members = [(uuid.uuid4(), name, index == 0, date(1970 + index, 1, 2)) for index, name in enumerate(NAMES)]
    tenure = make_tenure("7 Awkward Names Row, London E8 2AA", members)
    return [start(tenure, officer), start(tenure, officer, "home_check")]


def answer_for(element: dict, variant: int, position: int):
    """A stored answer for a question: variant 0 answers everything, 1 nothing, 2 every other."""
    if variant == 1 or (variant == 2 and position % 2):
        return None
    kind = element["type"]
    typed = TYPED[position % len(TYPED)]
    options = [option["value"] for option in options_of(element)]
    return {
        "text": typed,
        "textarea": TYPED_IN_TEXTAREAS[position % 2] if variant == 2 else typed,
        "number": [12, 7.5, 0][position % 3],
        "date": ["2024-03-27", "1999-12-01"][position % 2],
        "yesno": options[position % len(options)] if options else None,
        "radios": options[-1] if options else None,
        "select": options[position % len(options)] if options else None,
        "checkboxes": options[:2] if variant == 0 else options[-1:],
    }.get(kind)


def fill_in(process: Process, page, variant: int) -> None:
    values = {}
    for position, slot in enumerate(page_slots(process, page)):
        values[(slot.key, slot.contact_id)] = answer_for(slot.element, variant, position)
    save_page_answers(process, page, values)
    db.session.commit()


def kept_text(cache) -> str:
    """All that a cache of skeletons or shells holds, as text (their parts are kept encoded)."""
    return "".join(
        part.decode() if isinstance(part, bytes) else part
        for parts in cache.entries.values()
        if parts
        for part in parts
    )


def served_by_skeleton(page) -> bool:
    return any(key[0] == page.id and parts for key, parts in page_skeletons.page_skeletons.entries.items())


def has_photo_or_signature(page) -> bool:
    return any(e["type"] in ("photo", "signature") for e in page.elements if is_question(e))


def test_every_page_from_its_skeleton_is_the_full_rendering(app, household_visits):
    page_skeletons.page_skeletons.clear()
    served = 0
    for process in household_visits:
        for layout_page in process.layout_version.pages:
            page = find_page(process, layout_page.key)
            for variant in (0, 1, 2):
                fill_in(process, page, variant)
                with app.test_request_context("/"):
                    form = build_page_form(process, page, submitted=False)
                    full = str(
                        page_skeletons.render_blocks(
                            build_blocks(page, process.household_members), form, process
                        )
                    )
                    first = str(page_skeletons.render_page_questions(process, page, form))
                    again = str(page_skeletons.render_page_questions(process, page, form))
                    values = answer_values(process)
                    stored = page_skeletons.from_stored_answers(process, page, values)
                assert first == full, (page.key, variant)
                assert again == full, (page.key, variant)
                if has_photo_or_signature(page):
                    assert stored is None, page.key
                else:
                    assert str(stored) == full, (page.key, variant)
            if not has_photo_or_signature(page):
                assert served_by_skeleton(page), page.key
                served += 1
            else:
                assert not served_by_skeleton(page), page.key
    assert served >= 10  # most pages of the two processes
    kept = kept_text(page_skeletons.page_skeletons)
    for member in household_visits[0].household_members:
        assert member["fullName"] not in kept and member["id"] not in kept
        assert member["id"].replace("-", "") not in kept
    for text in ["Tom", "Jerry", "spaced  ", "naïve", "two\nlines", "leading line break"]:
        assert text not in kept


def test_the_page_shows_the_visits_own_answers_through_the_skeleton(officer_client, household_visits):
    """Two visits of different households share a skeleton; each page has its own names and texts."""
    first, _home_check = household_visits
    second = start(
        make_tenure("1 Other Road", [(uuid.uuid4(), "Zed Zulu", True, date(1990, 1, 1))]), first.officer
    )
    for visit, typed in ((first, "Somali & <Afar>"), (second, "Polish")):
        data = {"tenantPresent": "yes", "interpreterUsed": "yes", "interpreterLanguage": typed}
        assert post_page(officer_client, visit, "present-for-check", data, action="later").status_code == 302
    responses = {
        visit.id: officer_client.get(f"/processes/{visit.id}/pages/present-for-check")
        for visit in (first, second, first)
    }
    pages = {visit_id: response.get_data(as_text=True) for visit_id, response in responses.items()}
    mine, theirs = parse(responses[first.id]), parse(responses[second.id])
    assert mine.select_one("input[name=interpreterLanguage]")["value"] == "Somali & <Afar>"
    assert theirs.select_one("input[name=interpreterLanguage]")["value"] == "Polish"
    assert NAMES[0] in mine.text and "Zed Zulu" not in mine.text
    assert NAMES[1] in mine.text  # written as UTF-8, as the response says
    assert responses[first.id].headers["Content-Type"] == "text/html; charset=utf-8"
    assert "’" in pages[first.id]  # the copy's curly quotes, from the shell's and skeleton's bytes
    assert "Zed Zulu" in theirs.text and NAMES[0] not in theirs.text
    assert mine.select_one("input[name=tenantPresent][value=yes]").has_attr("checked")
    member_fields = {i["name"] for i in mine.select("input[name^=memberPresent__]")}
    assert member_fields == {f"memberPresent__{m['id'].replace('-', '')}" for m in first.household_members}
    assert page_skeletons._TOKEN not in pages[first.id] + pages[second.id]


def test_a_page_with_errors_is_rendered_in_full(officer_client, household_visits, app):
    """Errors are written by the full rendering (and nothing typed is lost)."""
    visit = household_visits[0]
    page_key = next(
        p.key
        for p in visit.layout_version.pages
        if any(e["type"] == "number" for e in p.elements if is_question(e))
    )
    page = find_page(visit, page_key)
    number = next(e for e in page.elements if e["type"] == "number")
    name = (
        number["key"]
        if not number.get("perMember")
        else f"{number['key']}__{visit.household_members[0]['id'].replace('-', '')}"
    )
    response = post_page(officer_client, visit, page_key, {name: "twelve <pounds>"}, action="later")
    assert response.status_code == 200
    html = parse(response)
    assert html.select_one(f"input[name={name}]")["value"] == "twelve <pounds>"
    assert "must be a number" in html.select_one(".govuk-error-message").text
    assert page_skeletons._TOKEN not in response.get_data(as_text=True)


def test_a_pages_layout_is_read_once_and_is_the_rows(app, household_visits):
    """page_layout reads a page's row the first time only; what it keeps is the row's layout."""
    from sqlalchemy import event

    from housing_app.processes.service import page_layout

    visit = household_visits[0]
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        first = page_layout(visit, "present-for-check")
        reads = [s for s in statements if "process_pages" in s]
        again = page_layout(visit, "present-for-check")
        assert page_layout(visit, "no-such-page") is None
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(reads) == 1
    assert again is first
    assert len([s for s in statements if "process_pages" in s]) == 2  # the missing page, not cached
    row = find_page(visit, "present-for-check")
    assert (first.id, first.key, first.title, first.elements) == (row.id, row.key, row.title, row.elements)
    assert (first.section.id, first.section.title) == (row.section.id, row.section.title)


AWKWARD_ADDRESS = 'Flat 2 "Top" & <Rear>, 9 O\'Brien Street, London E8 3BB'


def parse_text(html: str) -> BeautifulSoup:
    page = BeautifulSoup(html, "html.parser")
    assert_well_formed(page)
    return page


def render_both(app, officer, process, page_key) -> tuple[str, str, str]:
    """The page as render_template writes it, then twice through render_page (making its shell,
    then from it), all in one request, so that the CSRF token is the same in each."""
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(officer)
        page = find_page(process, page_key)
        form = build_page_form(process, page, submitted=False)
        questions = page_skeletons.render_page_questions(process, page, form)
        full = render_template(
            "processes/page.html",
            process=process,
            page=page,
            form=form,
            questions_html=questions,
            read_only=False,
        )
        first = str(page_skeletons.render_page(process, page, form, questions))
        again = str(page_skeletons.render_page(process, page, form, questions))
    return full, first, again


def test_every_page_from_its_shell_is_the_full_rendering(app, layouts, csrf_enabled):
    from tests.conftest import make_user

    officer = make_user("officer", name="Siân O'Neill & <Team>")
    members = [(uuid.uuid4(), name, index == 0, date(1970 + index, 1, 2)) for index, name in enumerate(NAMES)]
    tenure = make_tenure(AWKWARD_ADDRESS, members)
    visits = [start(tenure, officer), start(tenure, officer, "home_check")]
    page_skeletons.page_shells.clear()
    for process in visits:
        for layout_page in process.layout_version.pages:
            full, first, again = render_both(app, officer, process, layout_page.key)
            assert first == full, layout_page.key
            assert again == full, layout_page.key
    assert len(page_skeletons.page_shells.entries) == sum(len(v.layout_version.pages) for v in visits)
    assert all(parts for parts in page_skeletons.page_shells.entries.values())
    html = parse_text(full)
    assert html.select_one(".app-process-context").text == f"{visits[1].reference} · {AWKWARD_ADDRESS}"
    tokens = {i["value"] for i in html.select("input[name=csrf_token]")}
    assert len(tokens) == 1 and page_skeletons._TOKEN not in tokens.pop()
    kept = kept_text(page_skeletons.page_shells)
    for visit in visits:
        assert str(visit.id) not in kept and visit.reference not in kept
    assert "O&#39;Brien" not in kept and "Brien" not in kept
    assert "Siân O&#39;Neill &amp; &lt;Team&gt;" in kept  # the officer's own name, as every page shows it


def test_a_page_with_a_flashed_message_is_rendered_in_full(app, officer, household_visits):
    from flask import flash
    from flask_login import login_user

    visit = household_visits[0]
    page_skeletons.page_shells.clear()
    render_both(app, officer, visit, "present-for-check")  # the page's shell is made
    with app.test_request_context("/"):
        login_user(officer)
        flash("Your answers were saved.", "success")
        page = find_page(visit, "present-for-check")
        form = build_page_form(visit, page, submitted=False)
        html = page_skeletons.render_page(visit, page, form, Markup("<p>questions</p>"))
    banner = parse_text(html).select_one(".govuk-notification-banner")
    assert banner is not None and "Your answers were saved." in banner.text


def test_a_save_with_the_token_of_a_page_from_its_shell(officer_client, household_visits, csrf_enabled):
    """The CSRF token the shell writes is this session's: a save with it is accepted."""
    from tests.processes.test_answers import stored

    visit = household_visits[0]
    page_skeletons.page_shells.clear()
    path = f"/processes/{visit.id}/pages/present-for-check"
    officer_client.get(path)
    html = parse(officer_client.get(path))  # from the shell made by the first
    assert page_skeletons.page_shells.entries
    token = html.select_one("form[method=post] input[name=csrf_token]")["value"]
    data = {"csrf_token": token, "tenantPresent": "no", "action": "later"}
    response = officer_client.post(path, data=data)
    assert response.status_code == 302
    assert stored(visit)[("tenantPresent", None)] == "no"


def page_token(client, path: str) -> str:
    from flask import g

    g.pop("csrf_token", None)  # the tests' app context, and its g, outlive each request
    return parse(client.get(path)).select_one("form[method=post] input[name=csrf_token]")["value"]


def test_the_shells_token_is_signed_once_for_the_sessions_token_and_the_key(
    app, officer_client, household_visits, csrf_enabled
):
    from tests.processes.test_answers import stored

    visit = household_visits[0]
    page_skeletons.signed_csrf_tokens.clear()
    path = f"/processes/{visit.id}/pages/present-for-check"
    first = page_token(officer_client, path)  # the first page also makes the session's token
    time.sleep(1.05)  # a token signed again would carry a later second
    assert page_token(officer_client, path) == first
    assert len(page_skeletons.signed_csrf_tokens.entries) == 1
    secret_key, fallbacks = app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"]
    app.config["SECRET_KEY"] = "a-rotated-key-" + secret_key
    app.config["SECRET_KEY_FALLBACKS"] = [secret_key]  # the session cookie still opens
    try:
        rotated = page_token(officer_client, path)
        assert rotated != first  # signed with the new key: Flask-WTF checks with that one only
        response = officer_client.post(
            path, data={"csrf_token": rotated, "tenantPresent": "no", "action": "later"}
        )
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = secret_key, fallbacks
    assert response.status_code == 302
    assert stored(visit)[("tenantPresent", None)] == "no"


def test_with_a_csrf_time_limit_each_page_signs_its_own_token(
    app, officer_client, household_visits, csrf_enabled
):
    visit = household_visits[0]
    page_skeletons.signed_csrf_tokens.clear()
    path = f"/processes/{visit.id}/pages/present-for-check"
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    try:
        page_token(officer_client, path)  # the first page puts a token in the session
        token = page_token(officer_client, path)
        response = officer_client.post(
            path, data={"csrf_token": token, "tenantPresent": "yes", "action": "later"}
        )
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = None
    assert response.status_code == 302
    assert not page_skeletons.signed_csrf_tokens.entries  # a kept token could outlive the limit


# Stored answers of every shape the API or an older layout could leave behind.
ODD_ANSWERS = [None, "", "yes", "no", "Yes", 3, 0, 2.5, True, False, ["yes"], ["a", "b"], "abc", [], {}]
ODD_ANSWERS += [{"x": 1}, "2024-02-30", "2024-02-03", "03/02/2024", [1, 2], "two\nlines", "<b>&</b>"]


def test_what_a_stored_answer_shows_is_what_its_field_shows(app, household_visits):
    """shown_by_answer (no form) agrees with shown_by_field (the form's own field) for every
    question of both processes and any stored answer, with each question's own options too."""
    compared = 0
    with app.test_request_context("/"):
        for process in household_visits:
            for layout_page in process.layout_version.pages:
                page = find_page(process, layout_page.key)
                slots = list(page_slots(process, page))
                for slot in slots:
                    element = slot.element
                    options = [option["value"] for option in options_of(element)]
                    for answer in ODD_ANSWERS + options + [options[:2], options[-1:]]:
                        form = page_form_class(page, slots)(
                            formdata=None,
                            data={slot.field_name: initial_data(element, answer)},
                            meta={"csrf": False},
                        )
                        by_field = page_skeletons.shown_by_field(element["type"], form[slot.field_name])
                        by_answer = page_skeletons.shown_by_answer(element, answer)
                        assert by_answer == by_field, (element["key"], answer)
                        compared += 1
    assert compared > 1000


def test_a_page_get_builds_no_form_when_its_skeleton_serves_it(officer_client, household_visits, monkeypatch):
    """Showing a page from its skeleton builds no WTForms form; a page that must be rendered in
    full (a flashed message: the page is rendered from its template) still builds one."""
    visit = household_visits[0]
    url = f"/processes/{visit.id}/pages/present-for-check"
    data = {"tenantPresent": "yes", "interpreterUsed": "yes", "interpreterLanguage": "Somali"}
    assert post_page(officer_client, visit, "present-for-check", data, action="later").status_code == 302
    assert officer_client.get(url).status_code == 200  # the skeleton and the shell are made
    built = []
    real_init = FlaskForm.__init__

    def counting_init(self, *args, **kwargs):
        built.append(type(self).__name__)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(FlaskForm, "__init__", counting_init)
    page = parse(officer_client.get(url))
    assert page.select_one("input[name=interpreterLanguage]")["value"] == "Somali"
    assert page.select_one("input[name=tenantPresent][value=yes]").has_attr("checked")
    assert built == []
    with officer_client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved for later.")]
    page = parse(officer_client.get(url))
    assert "Saved for later." in page.text
    assert page.select_one("input[name=interpreterLanguage]")["value"] == "Somali"
    assert "PageForm" in built
