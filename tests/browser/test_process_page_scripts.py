"""In Debian's Chromium: conditional questions appear as answers change, and a signature drawn
on screen is stored as a PNG."""

import io
import uuid

import pytest
from PIL import Image

from housing_app.extensions import db
from housing_app.models import Answer, ProcessPhoto
from housing_app.processes.loader import load_shipped_definitions
from housing_app.services.storage import get_storage
from tests.browser.conftest import sign_in_with_browser
from tests.processes.conftest import make_tenure, start

pytestmark = pytest.mark.browser


@pytest.fixture
def thc(officer):
    """A Tenancy and Household Check started on a two-person household."""
    load_shipped_definitions()
    return start(make_tenure(), officer)


@pytest.fixture
def browser_page(page, live_server, officer):
    page.set_viewport_size({"width": 1024, "height": 1366})  # a tablet, portrait
    sign_in_with_browser(page, officer)
    return page, live_server


def test_conditional_questions_show_and_hide(browser_page, thc):
    page, base = browser_page
    page.goto(f"{base}/processes/{thc.id}/pages/present-for-check")
    reason = page.locator("#tenantAbsentReason")
    assert not reason.is_visible()
    assert not page.locator(".app-conditional__note").first.is_visible()
    page.check("#tenantPresent-2")  # No
    assert reason.is_visible()
    page.check("#tenantPresent")  # Yes
    assert not reason.is_visible()


def test_a_drawn_signature_is_saved_as_a_png(browser_page, thc):
    page, base = browser_page
    page.goto(f"{base}/processes/{thc.id}/pages/sign-off")
    assert not page.locator(".app-signature__no-js").is_visible()
    canvas = page.locator(".app-signature__canvas")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    for step in range(1, 20):
        page.mouse.move(box["x"] + 20 + step * 15, box["y"] + 30 + (step % 4) * 12)
    page.mouse.up()
    page.fill("#signatoryName", "Amina Okafor")
    page.click("button[value=later]")
    page.wait_for_url(f"{base}/processes/{thc.id}")

    db.session.expire_all()
    answer = db.session.scalar(db.select(Answer).where(Answer.key == "tenantSignature"))
    assert answer is not None
    photo = db.session.get(ProcessPhoto, uuid.UUID(answer.value))
    image = Image.open(io.BytesIO(get_storage().read(photo.storage_key)))
    assert image.format == "PNG" and image.size == (600, 200)
    assert image.getextrema()[3][1] == 255  # something was drawn (opaque pixels)
