"""The interactive API docs in a real browser: Swagger UI renders every endpoint under the app's
Content Security Policy, and a client can authorise with a token and call the API from it."""

import pytest

from tests.api.tenure_support import make_token

pytestmark = pytest.mark.browser

OPERATIONS = [
    "GET /api/v1/tenures",
    "POST /api/v1/tenures",
    "GET /api/v1/tenures/{tenure_id}",
    "PATCH /api/v1/tenures/{tenure_id}",
    "PATCH /api/v1/tenures/{tenure_id}/person/{person_id}",
    "DELETE /api/v1/tenures/{tenure_id}/person/{person_id}",
    "GET /api/v1/contracts",
    "POST /api/v1/contracts",
    "GET /api/v1/contracts/{contract_id}",
    "PATCH /api/v1/contracts/{contract_id}",
    "DELETE /api/v1/contracts/{contract_id}",
    "GET /api/v1/activityhistory",
    "POST /api/v1/activityhistory",
]


def test_the_docs_page_lists_every_endpoint_and_calls_one_with_a_token(page):
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    token = make_token("tenures:read")["Authorization"].split(" ", 1)[1]

    page.goto("/api/docs")
    page.locator(".opblock").first.wait_for()
    page.screenshots.capture("docs")
    shown = [
        f"{block.locator('.opblock-summary-method').inner_text().strip()} "
        f"{block.locator('.opblock-summary-path').inner_text().strip().replace(chr(8203), '')}"
        for block in page.locator(".opblock").all()
    ]
    for operation in OPERATIONS:
        assert operation in shown, (operation, shown)

    page.get_by_role("button", name="Authorize").first.click()
    page.locator("#auth-bearer-value").fill(token)
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()

    search = page.locator(".opblock-get").filter(has=page.locator('[data-path="/api/v1/tenures"]')).first
    search.locator(".opblock-summary").click()
    search.get_by_role("button", name="Try it out").click()
    search.get_by_role("button", name="Execute").click()
    status = search.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    page.screenshots.capture("executed")
    assert status.inner_text().strip() == "200"
    assert '"resultset"' in search.locator(".live-responses-table .microlight").first.inner_text()
    assert not [p for p in problems if "Content Security Policy" in p], problems
