"""In Debian's Chromium with JavaScript switched off: conditional and per-member questions are all
on the page, and the sign-off is completed by the typed name and declaration alone."""

import pytest

from housing_app.extensions import db
from housing_app.processes.loader import load_shipped_definitions
from housing_app.processes.service import section_statuses
from tests.conftest import PASSWORD
from tests.processes.conftest import make_tenure, start

pytestmark = pytest.mark.browser


@pytest.fixture
def no_js_page(app, chromium, live_server, officer):
    """A tablet-sized tab with JavaScript disabled, signed in, CSRF protection on."""
    app.config["WTF_CSRF_ENABLED"] = True
    context = chromium.new_context(
        base_url=live_server, viewport={"width": 1024, "height": 1366}, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto("/sign-in")
    tab.get_by_label("Email address").fill(officer.email)
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{live_server}/")
    yield tab
    context.close()
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def thc(officer):
    load_shipped_definitions()
    return start(make_tenure(), officer)


def test_conditional_and_per_member_questions_without_javascript(no_js_page, live_server, thc):
    page = no_js_page
    page.goto(f"/processes/{thc.id}/pages/present-for-check")
    assert page.locator("#tenantAbsentReason").is_visible()  # every conditional question is shown
    assert page.locator(".app-conditional__note").first.is_visible()
    members = page.locator(".app-member h2")
    assert [members.nth(i).inner_text().split("\n")[0] for i in range(members.count())] == [
        "Amina Okafor",
        "Daniel Okafor",
    ]
    page.check("#tenantPresent")
    page.check("#visitLocation")
    for radio in page.locator("input[name^='memberPresent__'][value='yes']").all():
        radio.check()
    page.check("#interpreterUsed-2")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(f"{live_server}/processes/{thc.id}/pages/tenant-id")


def test_sign_off_is_completed_without_javascript(no_js_page, live_server, thc):
    page = no_js_page
    page.goto(f"/processes/{thc.id}/pages/sign-off")
    assert page.locator(".app-signature__no-js").is_visible()
    assert not page.locator(".app-signature__canvas").is_visible()
    page.fill("#signatoryName", "Amina Okafor")
    page.check("#signatoryDeclaration")
    page.fill("#signatureDate-day", "3")
    page.fill("#signatureDate-month", "2")
    page.fill("#signatureDate-year", "2025")
    page.check("#tenantGivenCopy-2")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(f"{live_server}/processes/{thc.id}/review")

    db.session.expire_all()
    sign_off = next(s for s in thc.layout_version.sections if s.key == "sign-off")
    assert section_statuses(thc)[sign_off.id] == "complete"
