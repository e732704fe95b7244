"""The whole officer journey in Debian's Chromium: sign in, find a tenure, start a Tenancy and
Household Check, answer every page (a photo upload and a drawn signature included), leave and
resume, review, submit; then the email reaches a real SMTP server on loopback with a PDF whose
text holds the answers given. A second test stops the mail server mid-way and loses nothing.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (the `app` fixture is per database).
"""

import re
import uuid
from datetime import date

import pytest

from housing_app.extensions import db
from housing_app.models import MailDelivery, Process
from housing_app.processes.layouts import options_of
from housing_app.processes.loader import load_shipped_definitions
from housing_app.processes.service import find_page, page_slots, slot_visible
from housing_app.services import mail
from tests.browser.conftest import sign_in_with_browser
from tests.processes.complete import ANSWERS_BY_KEY as FORMATTED_ANSWERS
from tests.processes.conftest import image_bytes, make_tenure
from tests.submission.conftest import app_settings
from tests.submission.pdf_text import pdf_text
from tests.submission.smtp import SmtpServer

pytestmark = pytest.mark.browser

TEAM_MAILBOX = "tenancy-team@hackney.example"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback, and the app's in-process mail worker sending to it."""
    server = SmtpServer()
    server.start()
    with app_settings(
        app,
        MAIL_SERVER=server.host,
        MAIL_PORT=server.port,
        MAIL_TIMEOUT_SECONDS=5,
        MAIL_TEAM_ADDRESS=TEAM_MAILBOX,
        MAIL_POLL_SECONDS=0.5,
        MAIL_RETRY_BASE_SECONDS=1,
    ):
        worker = mail.background_worker(app)
        worker.start()
        yield server
        worker.stop()
    server.stop()


@pytest.fixture
def household_tenure():
    load_shipped_definitions()
    return make_tenure(address=f"Flat 7, {uuid.uuid4().hex[:6].upper()} House, London E8 1HH")


class Officer:
    """Answers a process page by page in the browser, remembering what it typed."""

    def __init__(self, page, photo_path):
        self.page = page
        self.photo_path = photo_path
        self.typed: list[str] = []
        self.answers: dict[tuple[str, str | None], object] = {}

    def current_process_and_page(self):
        match = re.search(r"/processes/([0-9a-f-]{36})/pages/([^/?#]+)", self.page.url)
        assert match, self.page.url
        db.session.expire_all()
        process = db.session.get(Process, uuid.UUID(match.group(1)))
        return process, find_page(process, match.group(2))

    def answer_this_page(self) -> None:
        process, layout_page = self.current_process_and_page()

        def answer_for(key, contact_id):
            return self.answers.get((key, contact_id))

        for slot in page_slots(process, layout_page):
            if slot_visible(slot, answer_for):
                self.answers[(slot.key, slot.contact_id)] = self.answer(slot)
        self.page.screenshots.capture(f"page-{layout_page.key}")

    def answer(self, slot):
        element, name, page = slot.element, slot.field_name, self.page
        kind = element["type"]
        if element["key"] in FORMATTED_ANSWERS:
            value = FORMATTED_ANSWERS[element["key"]]
            page.fill(f"#{name}", value)
        elif kind in ("text", "textarea"):
            value = f"{element['key']} noted {len(self.typed) + 1}"
            self.typed.append(value)
            page.fill(f"#{name}", value)
        elif kind == "number":
            value = element.get("min", 1)
            page.fill(f"#{name}", str(value))
        elif kind == "date":
            value = date.today()
            page.fill(f"#{name}-day", str(value.day))
            page.fill(f"#{name}-month", str(value.month))
            page.fill(f"#{name}-year", str(value.year))
        elif kind in ("yesno", "radios"):
            value = options_of(element)[0]["value"]
            page.check(f"input[name='{name}'][value='{value}']")
        elif kind == "checkboxes":
            value = [options_of(element)[0]["value"]]
            page.check(f"input[name='{name}'][value='{value[0]}']")
        elif kind == "select":
            value = options_of(element)[0]["value"]
            page.select_option(f"#{name}", value)
        elif kind == "photo":
            value = "photo"
            page.set_input_files(f"input[type=file][name='{name}']", str(self.photo_path))
        elif kind == "signature":
            value = "signature"
            self.draw_signature(name)
        else:
            raise AssertionError(f"the journey cannot answer a {kind} question")
        return value

    def draw_signature(self, name: str) -> None:
        box = self.page.locator(f"[data-signature='{name}'] canvas").bounding_box()
        self.page.mouse.move(box["x"] + 20, box["y"] + 40)
        self.page.mouse.down()
        for step in range(1, 16):
            self.page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 40 + (step % 3) * 15)
        self.page.mouse.up()

    def save_and_continue(self) -> None:
        self.page.get_by_role("button", name="Save and continue").click()
        self.page.wait_for_load_state()
        errors = self.page.locator(".govuk-error-summary")
        assert errors.count() == 0, errors.inner_text()


def start_a_check_from_search(page, tenure) -> None:
    page.goto("/tenures")
    page.get_by_label("Name").fill("Okafor")
    page.get_by_label("Postcode").fill("e81hh")
    page.screenshots.capture("search")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=tenure.asset_full_address).click()
    page.screenshots.capture("tenure")
    assert "Amina Okafor" in page.locator("main").inner_text()
    page.get_by_label("Tenancy and Household Check").check()
    page.get_by_role("button", name="Start visit").click()
    page.wait_for_url(re.compile(r"/processes/[0-9a-f-]{36}$"))
    page.screenshots.capture("task-list")


def answer_every_page(page, officer: Officer, resume_after: int = 2) -> str:
    """Answer page after page until the review page; part-way, leave and resume from the home
    page. Returns the process id."""
    page.locator(".govuk-task-list a").first.click()
    answered = 0
    while "/pages/" in page.url:
        officer.answer_this_page()
        if answered == resume_after:
            process, layout_page = officer.current_process_and_page()
            typed_here = {
                f"#{slot.field_name}": officer.answers[(slot.key, slot.contact_id)]
                for slot in page_slots(process, layout_page)
                if slot.element["type"] in ("text", "textarea")
                and (slot.key, slot.contact_id) in officer.answers
            }
            page.get_by_role("button", name="Save and come back later").click()
            page.wait_for_url(f"**/processes/{process.id}")
            page.goto("/")
            page.screenshots.capture("home-with-visit-in-progress")
            page.locator(f"a[href='/processes/{process.id}']").click()
            page.wait_for_url(f"**/processes/{process.id}")
            page.goto(f"/processes/{process.id}/pages/{layout_page.key}")
            # The page left behind shows what was typed on it.
            assert typed_here
            for selector, value in typed_here.items():
                assert page.input_value(selector) == value
        officer.save_and_continue()
        answered += 1
    assert page.url.endswith("/review"), page.url
    return re.search(r"/processes/([0-9a-f-]{36})/review", page.url).group(1)


def test_an_officer_completes_and_submits_a_check_and_the_pdf_is_emailed(
    page, officer, household_tenure, smtp_server, tmp_path
):
    photo = tmp_path / "tenant-id.jpg"
    photo.write_bytes(image_bytes(size=(640, 480)))
    visiting_officer = Officer(page, photo)

    sign_in_with_browser(page, officer)
    page.wait_for_url("**/")
    start_a_check_from_search(page, household_tenure)
    process_id = answer_every_page(page, visiting_officer)

    page.screenshots.capture("review")
    review_text = page.locator("main").inner_text()
    for group in ("Household and home", "Amina Okafor", "Daniel Okafor"):
        assert group in review_text
    for answer in visiting_officer.typed:
        assert answer in review_text
    assert page.locator("img.app-thumbnail").count() >= 1
    page.get_by_role("button", name="Submit the visit").click()
    page.wait_for_url(f"**/processes/{process_id}")
    page.screenshots.capture("submitted")
    assert "submitted" in page.locator(".govuk-notification-banner").inner_text()

    assert smtp_server.wait_for(1, timeout=30), "the email did not arrive"
    [received] = smtp_server.messages
    assert sorted(received.rcpt_tos) == sorted([officer.email, TEAM_MAILBOX])
    [(_name, content_type, data)] = received.attachments()
    assert content_type == "application/pdf"
    text = re.sub(r"\s+", " ", pdf_text(data))
    for answer in visiting_officer.typed:
        assert answer in text, answer
    assert "Amina Okafor" in text and "Daniel Okafor" in text

    page.reload()
    assert page.locator("[data-delivery-status='sent']").count() == 1
    with page.expect_download() as download:
        page.locator("a[data-pdf-link]").click()
    assert download.value.path().read_bytes()[:5] == b"%PDF-"


def test_stopping_the_mail_server_mid_way_loses_nothing(
    page, officer, household_tenure, smtp_server, tmp_path
):
    photo = tmp_path / "tenant-id.jpg"
    photo.write_bytes(image_bytes())
    visiting_officer = Officer(page, photo)
    sign_in_with_browser(page, officer)
    page.wait_for_url("**/")
    start_a_check_from_search(page, household_tenure)
    process_id = answer_every_page(page, visiting_officer, resume_after=-1)

    smtp_server.stop()  # the council's mail server goes down just before the officer submits
    page.get_by_role("button", name="Submit the visit").click()
    page.wait_for_url(f"**/processes/{process_id}")
    assert "submitted" in page.locator(".govuk-notification-banner").inner_text()

    def delivery():
        db.session.expire_all()
        return db.session.scalars(db.select(MailDelivery)).one()

    for _ in range(200):  # the worker tries, fails and records it
        if delivery().status == "failed":
            break
        page.wait_for_timeout(100)
    assert delivery().status == "failed"
    assert delivery().attempts >= 1
    assert delivery().last_error
    page.reload()
    # The worker keeps retrying, so the page may catch it mid-try.
    assert page.locator("[data-delivery-status]").get_attribute("data-delivery-status") in (
        "failed",
        "sending",
    )

    smtp_server.start()  # back up: the retry delivers it, once
    assert smtp_server.wait_for(1, timeout=30), "the email was lost"
    page.wait_for_timeout(1500)
    assert len(smtp_server.messages) == 1
    assert delivery().status == "sent"
