"""The first step of every journey, in a real browser."""

import pytest

from tests.browser.conftest import sign_in_with_browser

pytestmark = pytest.mark.browser


def test_an_officer_signs_in_and_lands_on_their_visits(page, officer):
    sign_in_with_browser(page, officer)

    page.wait_for_url("**/")
    page.screenshots.capture("home")
    assert page.locator("h1").inner_text() == "Your visits"
    assert page.title().startswith("Your visits")
    assert page.get_by_text("Olivia Officer").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()


def test_wrong_password_shows_the_error_summary(page, officer):
    sign_in_with_browser(page, officer, password="not the password")

    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert page.title().startswith("Error: Sign in")
    assert "Enter a correct email address and password" in summary.inner_text()
