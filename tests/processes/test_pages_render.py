"""Every page of both shipped processes renders as a well-formed GOV.UK page."""

from housing_app.models import Process
from tests.html import parse


def all_pages(process: Process):
    return [page.key for page in process.layout_version.pages]


def test_every_tenancy_and_household_check_page_renders(officer_client, thc):
    for page_key in all_pages(thc):
        response = officer_client.get(f"/processes/{thc.id}/pages/{page_key}")
        assert response.status_code == 200, page_key
        page = parse(response)
        title = next(p.title for p in thc.layout_version.pages if p.key == page_key)
        assert page.select_one("h1").text.strip() == title
        form = page.select_one("form[enctype='multipart/form-data']")
        assert form is not None and form.select("button[name=action]"), page_key


def test_every_home_check_page_renders(officer_client, home_check):
    for page_key in all_pages(home_check):
        response = officer_client.get(f"/processes/{home_check.id}/pages/{page_key}")
        assert response.status_code == 200, page_key
        parse(response)
