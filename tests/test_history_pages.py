"""The officer's view of contracts and activity: the tenure page's two partials, rendered with a
real Tenure, and the full history page, paged."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from flask import current_app, render_template

from housing_app.api.contracts import contract_snapshot
from housing_app.extensions import db
from housing_app.models import (
    Activity,
    Contract,
    ContractCharge,
    ContractRelatedPerson,
    HouseholdMember,
    Tenure,
)
from housing_app.services import activity_log
from tests.conftest import sign_in
from tests.html import normalise


@pytest.fixture
def tenure():
    tenure = Tenure(
        asset_id=uuid.uuid4(),
        asset_full_address="Flat 3, 12 Mare Street, London E8 1HH",
        start_of_tenure_date=date(2020, 4, 1),
        tenure_type_code="SEC",
    )
    member = HouseholdMember(id=uuid.uuid4(), is_responsible=True, person_tenure_type="Tenant")
    member.set_full_name("Jo Bloggs")
    tenure.household_members.append(member)
    db.session.add(tenure)
    db.session.commit()
    return tenure


def add_contract(target_id, **fields) -> Contract:
    with activity_log.logged_change("create", "contract", contract_snapshot) as change:
        change.target = Contract(target_id=target_id, target_type="asset", **fields)
        db.session.add(change.target)
    return change.target


def render(template: str, **context) -> BeautifulSoup:
    with current_app.test_request_context("/"):
        return BeautifulSoup(render_template(template, **context), "html.parser")


def test_contracts_partial_shows_the_property_contracts(tenure):
    add_contract(
        tenure.asset_id,
        contract_type="Private sector lease",
        start_date=datetime(2022, 10, 11, tzinfo=UTC),
        end_date=datetime(2023, 10, 11, tzinfo=UTC),
        lha_rate=Decimal("250.50"),
        related_people=[
            ContractRelatedPerson(
                name="John Smith", sub_type="Landlord", email="john@example.com", is_responsible=True
            )
        ],
        charges=[ContractCharge(type="Rent", frequency="Monthly", amount=Decimal("511.30"))],
    )
    add_contract(uuid.uuid4(), contract_type="Somewhere else")

    page = render("officer/tenure/_contracts.html", tenure=tenure)
    cards = page.select(".govuk-summary-card")
    assert len(cards) == 1
    assert normalise(cards[0].select_one(".govuk-summary-card__title").text) == "Private sector lease"
    rows = {
        normalise(row.select_one(".govuk-summary-list__key").text): normalise(
            row.select_one(".govuk-summary-list__value").text
        )
        for row in cards[0].select(".govuk-summary-list__row")
    }
    assert rows["Start date"] == "11 October 2022"
    assert rows["End date"] == "11 October 2023"
    assert rows["Charges"] == "Rent: £511.30 monthly"
    assert rows["Related people"] == "John Smith (Landlord), responsible – john@example.com"
    assert rows["LHA rate"] == "£250.50"
    assert rows["Status"] == "Active"
    assert rows["Renewal date"] == "Not set"


def test_contracts_partial_says_when_there_are_none(tenure):
    page = render("officer/tenure/_contracts.html", tenure=tenure)
    assert page.select_one("[data-empty-state]")
    assert page.select_one("h2").text.strip() == "Contracts for this property"


def test_contracts_partial_escapes_what_clients_sent(tenure):
    add_contract(tenure.asset_id, charges=[ContractCharge(type="<b>x</b>", frequency="Weekly", amount=1)])
    page = render("officer/tenure/_contracts.html", tenure=tenure)
    assert page.select_one(".govuk-summary-card b") is None
    assert "<b>x</b>" in page.text


def test_activity_partial_says_who_changed_what_from_what_to_what(tenure):
    contract = add_contract(tenure.asset_id, contract_type="SLA")
    with activity_log.logged_change("update", "contract", contract_snapshot, contract):
        contract.stage = 2
        contract.is_vat_registered = True
    activity_log.record(
        "update",
        "tenure",
        tenure.id,
        {"startOfTenureDate": "2020-04-01T00:00:00Z", "paymentReference": "123"},
        {"startOfTenureDate": "2020-04-02T00:00:00Z", "paymentReference": "123"},
        activity_log.Author(uuid.uuid4(), "Olivia Officer", "olivia@hackney.example"),
    )
    db.session.commit()

    page = render("officer/tenure/_activity.html", tenure=tenure)
    entries = page.select(".app-timeline__entry")
    titles = [normalise(entry.select_one("h3").text) for entry in entries]
    assert titles == ["Tenure updated", "Contract updated", "Contract created"]

    tenure_entry = entries[0]
    assert "By Olivia Officer (olivia@hackney.example)" in normalise(tenure_entry.text)
    (row,) = tenure_entry.select("tbody tr")
    assert normalise(row.th.text) == "Start of tenure date"
    assert normalise(row.select_one("[data-before]").text) == "1 April 2020"
    assert normalise(row.select_one("[data-after]").text) == "2 April 2020"

    contract_changes = {
        normalise(row.th.text): (
            normalise(row.select_one("[data-before]").text),
            normalise(row.select_one("[data-after]").text),
        )
        for row in entries[1].select("tbody tr")
    }
    assert contract_changes == {"Stage": ("Not set", "2"), "VAT registered": ("No", "Yes")}
    assert "By System" in normalise(entries[2].text)
    assert page.select_one("a[href]")["href"] == f"/history/{tenure.id}"


def test_activity_partial_without_activity_says_so(tenure):
    page = render("officer/tenure/_activity.html", tenure=tenure)
    assert page.select_one("[data-empty-state]")
    assert not page.select(".app-timeline__entry")


def add_tenure_history(tenure, number):
    start = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    for n in range(number):
        db.session.add(
            Activity(
                type="update",
                target_type="tenure",
                target_id=tenure.id,
                created_at=start + timedelta(minutes=n),
                old_data={"paymentReference": str(n)},
                new_data={"paymentReference": str(n + 1)},
                author_full_name="Olivia Officer",
            )
        )
    db.session.commit()


def test_history_page_pages_through_every_entry_once(tenure, get_page):
    add_tenure_history(tenure, 25)
    first = get_page(f"/history/{tenure.id}")
    assert normalise(first.h1.text) == "Activity history"
    assert normalise(first.select_one(".govuk-caption-l").text) == tenure.asset_full_address
    first_values = [normalise(cell.text) for cell in first.select("[data-after]")]
    assert len(first_values) == 20 and first_values[0] == "25"
    older = first.select_one(".govuk-pagination__next a")
    assert normalise(older.text).startswith("Older entries")
    assert first.select_one(".govuk-pagination__prev") is None

    second = get_page(older["href"])
    second_values = [normalise(cell.text) for cell in second.select("[data-after]")]
    assert second_values == ["5", "4", "3", "2", "1"]
    assert sorted(map(int, first_values + second_values)) == list(range(1, 26))
    assert second.select_one(".govuk-pagination__next") is None
    assert second.select_one(".govuk-pagination__prev a")["href"] == f"/history/{tenure.id}"


def test_history_page_of_a_contract(get_page):
    contract = add_contract(uuid.uuid4(), contract_type="SLA")
    page = get_page(f"/history/{contract.id}")
    assert [normalise(h.text) for h in page.select(".app-timeline__title")] == ["Contract created"]
    assert normalise(page.select_one(".govuk-caption-l").text) == "Contract: SLA"


def test_history_page_needs_sign_in_and_a_known_record(client, officer, tenure):
    response = client.get(f"/history/{tenure.id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(client, officer)
    assert client.get(f"/history/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/history/{tenure.id}?page=made-up").status_code == 400


def test_nested_changes_show_each_inner_field():
    from housing_app.history.timeline import describe

    activity = Activity(
        type="update",
        target_type="process",
        target_id=uuid.uuid4(),
        created_at=datetime(2024, 3, 19, 16, 34, tzinfo=UTC),
        old_data={"answers": {"hasPets": False, "visitDate": "2024-03-01", "notes": "ok"}},
        new_data={"answers": {"hasPets": True, "visitDate": "2024-03-02T10:15:00Z", "notes": "ok"}},
        author_full_name="Olivia Officer",
    )
    entry = describe(activity)
    assert entry.title == "Visit updated"
    assert [(c.label, c.before, c.after) for c in entry.changes] == [
        ("Answers: Has pets", ["No"], ["Yes"]),
        ("Answers: Visit date", ["1 March 2024"], ["2 March 2024 at 10:15am"]),
    ]
