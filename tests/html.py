"""Parse pages the way an officer's browser would, checking what every page must get right.

Modelled on GOV.UK Notify's `client_request`: each parsed page has exactly one <h1>, a <title>
that starts with it (after any "Error: "), forms with an action, and no duplicate ids.
"""

from collections import Counter

from bs4 import BeautifulSoup


def parse(response, check=True) -> BeautifulSoup:
    assert response.mimetype == "text/html", response.mimetype
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    if check:
        assert_well_formed(page)
    return page


def normalise(text: str) -> str:
    return " ".join(text.split())


def assert_well_formed(page: BeautifulSoup) -> None:
    headings = page.find_all("h1")
    assert len(headings) == 1, f"expected one <h1>, found {len(headings)}"
    title = normalise(page.title.text).removeprefix("Error: ")
    assert title.startswith(normalise(headings[0].text)), (title, headings[0].text)
    for form in page.find_all("form"):
        assert form.get("action"), f"form without action: {str(form)[:200]}"
    ids = Counter(tag["id"] for tag in page.find_all(id=True))
    duplicated = [i for i, n in ids.items() if n > 1]
    assert not duplicated, f"duplicate ids: {duplicated}"


def error_summary(page: BeautifulSoup) -> list[str]:
    summary = page.select_one(".govuk-error-summary")
    return [normalise(a.text) for a in summary.select("a")] if summary else []


def csrf_token(page: BeautifulSoup) -> str:
    return page.select_one('input[name="csrf_token"]')["value"]
