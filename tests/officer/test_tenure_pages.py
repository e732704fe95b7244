"""Officers' pages: find a tenure, and a tenure's page."""

import uuid

from housing_app.api.tenure_schemas import TenureCreateSchema
from housing_app.services.tenures import create_tenure
from tests.api.tenure_support import seed_example, tenure_payload
from tests.html import error_summary, normalise, parse


def make_tenure(**kwargs):
    return create_tenure(TenureCreateSchema().load(tenure_payload(**kwargs)))


def result_addresses(page) -> list[str]:
    return [normalise(a.text) for a in page.select("[data-results] tbody tr td:first-child a")]


def test_search_needs_signing_in(client):
    response = client.get("/tenures?name=smith")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_search_page_is_in_the_navigation_and_starts_empty(get_page):
    page = get_page("/tenures")
    assert page.h1.text.strip() == "Find a tenure"
    nav = [normalise(a.text) for a in page.select(".govuk-service-navigation a")]
    assert "Find a tenure" in nav
    assert page.select_one('form[method="get"] input[name="name"]')
    assert page.select_one('label[for="name"]').text.strip() == "Name"
    assert page.select_one('label[for="postcode"]').text.strip() == "Postcode"
    assert (
        not error_summary(page)
        and not page.select("[data-results]")
        and not page.select("[data-empty-state]")
    )


def test_search_by_name_and_by_postcode(get_page):
    make_tenure(members=[("Jo Bloggs", True)], address="1 Mare Street, London E8 1HH")
    make_tenure(members=[("Ana De Souza", True)], address="2 Amhurst Road, London N16 7AB")
    assert result_addresses(get_page("/tenures?name=bloggs")) == ["1 Mare Street, London E8 1HH"]
    assert result_addresses(get_page("/tenures?name=Ana+Souza")) == ["2 Amhurst Road, London N16 7AB"]
    assert result_addresses(get_page("/tenures?postcode=n167ab")) == ["2 Amhurst Road, London N16 7AB"]
    page = get_page("/tenures?name=jo&postcode=E8")
    assert result_addresses(page) == ["1 Mare Street, London E8 1HH"]
    assert normalise(page.select_one("#results-heading").text) == "1 tenure found"
    row = page.select_one("[data-results] tbody tr")
    assert "Jo Bloggs (responsible)" in normalise(row.text) and "Current" in row.text
    assert page.select_one('input[name="name"]')["value"] == "jo"  # the search is kept in the form


def test_empty_search_shows_an_error_summary(get_page):
    page = get_page("/tenures?name=&postcode=")
    assert page.title.text.strip().startswith("Error: Find a tenure")
    assert error_summary(page) == ["Enter a name or a postcode"]
    assert page.select_one("#name-error")


def test_bad_postcode_is_explained(get_page):
    page = get_page("/tenures?postcode=E8%3B1HH")
    assert error_summary(page) == ["Postcode must only include letters, numbers and a space"]
    assert not page.select("[data-results]")


def test_no_results_has_an_empty_state(get_page):
    page = get_page("/tenures?name=Nobody")
    assert "No tenures found" in page.select_one("[data-empty-state]").text


def test_results_are_paged(get_page):
    for number in range(45):
        make_tenure(members=[("Pat Page", True)], address=f"{number:02d} Page Street, London E8 1AA")
    first = get_page("/tenures?name=page")
    assert normalise(first.select_one("#results-heading").text) == "45 tenures found"
    assert len(result_addresses(first)) == 20 and result_addresses(first)[0].startswith("00 ")
    assert "Showing 1 to 20." in normalise(first.text)
    pagination = first.select_one("nav.govuk-pagination")
    assert [normalise(a.text) for a in pagination.select(".govuk-pagination__item a")] == ["1", "2", "3"]
    next_href = pagination.select_one(".govuk-pagination__next a")["href"]
    assert "name=page" in next_href and "page=2" in next_href
    third = get_page("/tenures?name=page&page=3")
    assert len(result_addresses(third)) == 5 and result_addresses(third)[0].startswith("40 ")
    assert not third.select(".govuk-pagination__next")
    past_the_end = get_page("/tenures?name=page&page=9")
    assert result_addresses(past_the_end) == result_addresses(third)
    assert result_addresses(get_page("/tenures?name=page&page=x")) == result_addresses(first)


def test_tenure_page_shows_everything_an_officer_needs(get_page):
    tenure = create_tenure(
        TenureCreateSchema().load(
            seed_example()
            | {
                "householdMembers": [
                    {"fullName": "Zed Member", "isResponsible": False, "personTenureType": "HouseholdMember"},
                    {
                        "fullName": "Amy Tenant",
                        "isResponsible": True,
                        "personTenureType": "Tenant",
                        "dateOfBirth": "1980-06-01",
                    },
                ],
                "tenuredAsset": {
                    "type": "Dwelling",
                    "fullAddress": "Flat 3, 12 Hillman Street, London E8 1DY",
                },
                "charges": {"rent": 125.5, "currentBalance": 40.25, "serviceCharge": 12},
                "isSublet": True,
                "isMutualExchange": True,
                "endOfTenureDate": None,
            }
        )
    )
    page = get_page(f"/tenures/{tenure.id}")
    assert page.h1.text.strip() == "Flat 3, 12 Hillman Street, London E8 1DY"
    household = [normalise(th.text) for th in page.select("[data-household] tbody th")]
    assert household == ["Amy Tenant", "Zed Member"]  # responsible person first
    assert "Responsible" in page.select("[data-household] tbody tr")[0].text
    assert "1 June 1980" in page.select_one("[data-household]").text
    details = {
        normalise(dt.text): normalise(dd.text)
        for dt, dd in zip(
            page.select("[data-tenure-details] dt"), page.select("[data-tenure-details] dd"), strict=True
        )
    }
    assert details["Tenure type"] == "Introductory (INT)"
    assert details["Status"] == "Current"
    assert details["Start date"] == "19 March 2020"
    assert details["End date"] == "No end date"
    assert details["Postcode"] == "E8 1DY"
    assert details["Sublet"] == "Yes, until 30 June 2021"
    assert details["Mutual exchange"] == "Yes"
    charges = normalise(page.select_one("[data-charges]").text)
    assert "£40.25 in arrears" in charges and "£125.50" in charges and "£12.00" in charges
    assert "Notice to quit" in page.select_one("[data-notices]").text
    assert "29 March 2021" in page.select_one("[data-notices]").text
    assert "Current tenancy" in page.select_one("[data-status]").text


def test_former_tenancy_is_labelled(get_page):
    tenure = make_tenure(start="2001-01-01", endOfTenureDate="2005-01-01")
    page = get_page(f"/tenures/{tenure.id}")
    assert "Former tenancy" in page.select_one("[data-status]").text
    assert "1 January 2005" in page.select_one("[data-tenure-details]").text
    assert page.select_one("[data-notices-empty]")


def test_unknown_tenure_is_a_404_page(officer_client):
    response = officer_client.get(f"/tenures/{uuid.uuid4()}")
    assert response.status_code == 404
    assert parse(response).h1.text.strip() == "Page not found"


def test_the_tenure_template_ends_with_the_shared_section_includes():
    from pathlib import Path

    template = (Path(__file__).parents[2] / "templates/officer/tenure.html").read_text()
    main_column = template.split("data-tenure-main>")[1].split("</div>\n</div>")[0]
    assert main_column.rstrip().splitlines()[-3:] == [
        '    {% include "officer/tenure/_processes.html" ignore missing %}',
        '    {% include "officer/tenure/_contracts.html" ignore missing %}',
        '    {% include "officer/tenure/_activity.html" ignore missing %}',
    ]


def test_a_feature_partial_is_included_with_the_tenure(app, get_page):
    from jinja2 import ChoiceLoader, DictLoader

    tenure = make_tenure()
    original = app.jinja_loader
    app.jinja_loader = ChoiceLoader(
        [DictLoader({"officer/tenure/_contracts.html": "<p data-partial>{{ tenure.id }}</p>"}), original]
    )
    app.jinja_env.cache.clear()
    try:
        page = get_page(f"/tenures/{tenure.id}")
    finally:
        app.jinja_loader = original
        app.jinja_env.cache.clear()
    assert page.select_one("[data-tenure-main] [data-partial]").text == str(tenure.id)
