"""Every change an API client makes to a tenure, its household and its property's contracts is in
the activity history once, with the right old and new data, and the officer's tenure page shows
it all: the property's contracts and a readable timeline."""

import uuid

import pytest

from housing_app.extensions import db
from housing_app.models import Activity
from tests.api.tenure_support import tenure_payload
from tests.html import normalise
from tests.processes.conftest import layouts  # noqa: F401 - fixture

ASSET_ID = "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6"


@pytest.fixture
def headers(api_token):
    return api_token(
        "tenures:read", "tenures:write", "contracts:read", "contracts:write", "activities:read", name="Rents"
    )


def etag(client, headers, tenure_id):
    return client.get(f"/api/v1/tenures/{tenure_id}", headers=headers).headers["ETag"]


def history(client, headers, target_id) -> list[dict]:
    results, token = [], None
    while True:
        query = {"targetId": target_id, "pageSize": 2, **({"paginationToken": token} if token else {})}
        body = client.get("/api/v1/activityhistory", query_string=query, headers=headers).json
        results += body["results"]
        token = body["paginationDetails"]["nextToken"]
        if token is None:
            return results


@pytest.fixture
def changed_tenure(client, headers):
    """A tenure changed every way the APIs allow, with a contract on its property."""
    payload = tenure_payload(members=[("Jo Bloggs", True), ("Sam Bloggs", False)])
    payload["tenuredAsset"]["id"] = ASSET_ID
    tenure = client.post("/api/v1/tenures", json=payload, headers=headers).json
    tenure_id = tenure["id"]
    sam = next(m for m in tenure["householdMembers"] if m["fullName"] == "Sam Bloggs")
    amy = str(uuid.uuid4())

    def send(method, url, body=None):
        response = client.open(
            url, method=method, json=body, headers={**headers, "If-Match": etag(client, headers, tenure_id)}
        )
        assert response.status_code in (200, 201, 204), response.json
        return response

    send("PATCH", f"/api/v1/tenures/{tenure_id}", {"paymentReference": "228008866", "isSublet": True})
    send("PATCH", f"/api/v1/tenures/{tenure_id}/person/{amy}", {"fullName": "Amy Bloggs"})
    send("PATCH", f"/api/v1/tenures/{tenure_id}/person/{sam['id']}", {"isResponsible": True})
    send("DELETE", f"/api/v1/tenures/{tenure_id}/person/{sam['id']}")

    contract = client.post(
        "/api/v1/contracts",
        json={
            "targetId": ASSET_ID,
            "targetType": "asset",
            "contractType": "Private sector lease",
            "startDate": "2022-10-11",
            "charges": [{"type": "Rent", "frequency": "Monthly", "amount": 511.3}],
        },
        headers=headers,
    ).json
    patched = client.patch(
        f"/api/v1/contracts/{contract['id']}", json={"versionNumber": 0, "stage": 2}, headers=headers
    )
    assert patched.status_code == 200
    return {"tenure": tenure, "sam": sam, "amy": amy, "contract": contract}


def test_every_tenure_and_household_change_is_in_the_tenure_history_once(client, headers, changed_tenure):
    tenure, sam, amy = changed_tenure["tenure"], changed_tenure["sam"], changed_tenure["amy"]
    entries = list(reversed(history(client, headers, tenure["id"])))  # oldest first
    assert [(e["type"], e["targetType"]) for e in entries] == [
        ("create", "tenure"),
        ("update", "tenure"),
        ("update", "tenure"),
        ("update", "tenure"),
        ("update", "tenure"),
    ]
    created, patched, added, updated, removed = entries
    assert created["oldData"] is None and created["newData"]["id"] == tenure["id"]
    assert patched["oldData"] == {"paymentReference": None, "isSublet": None}
    assert patched["newData"] == {"paymentReference": "228008866", "isSublet": True}

    def names(data):
        return [(m["fullName"], m["isResponsible"]) for m in data["householdMembers"]]

    for entry in (added, updated, removed):  # only the household changed
        assert set(entry["oldData"]) == set(entry["newData"]) == {"householdMembers"}
    assert names(added["oldData"]) == [("Jo Bloggs", True), ("Sam Bloggs", False)]
    assert names(added["newData"]) == [("Jo Bloggs", True), ("Amy Bloggs", False), ("Sam Bloggs", False)]
    assert amy in [m["id"] for m in added["newData"]["householdMembers"]]
    assert names(updated["newData"]) == [("Jo Bloggs", True), ("Sam Bloggs", True), ("Amy Bloggs", False)]
    assert names(removed["oldData"]) == names(updated["newData"])
    assert names(removed["newData"]) == [("Jo Bloggs", True), ("Amy Bloggs", False)]
    assert sam["id"] not in [m["id"] for m in removed["newData"]["householdMembers"]]
    assert {e["authorDetails"]["fullName"] for e in entries} == {"API client: Rents"}
    # ...and nothing else was recorded about them.
    known = [uuid.UUID(tenure["id"]), uuid.UUID(changed_tenure["contract"]["id"])]
    others = db.session.scalar(
        db.select(db.func.count()).select_from(Activity).where(Activity.target_id.not_in(known))
    )
    assert others == 0


def test_the_tenure_page_shows_the_property_contracts_and_a_readable_timeline(get_page, changed_tenure):
    tenure, contract = changed_tenure["tenure"], changed_tenure["contract"]
    page = get_page(f"/tenures/{tenure['id']}")

    (card,) = page.select("[data-contract-id]")
    assert card["data-contract-id"] == contract["id"]
    assert "Private sector lease" in normalise(page.select_one("#tenure-contracts-heading").parent.text)
    assert "£511.30" in normalise(card.text)

    entries = page.select(".app-timeline__entry")
    titles = [normalise(e.select_one(".app-timeline__title").text) for e in entries]
    assert titles == [
        "Contract updated",
        "Contract created",
        "Tenure updated",  # Sam removed
        "Tenure updated",  # Sam made responsible
        "Tenure updated",  # Amy added
        "Tenure updated",  # payment reference, sublet
        "Tenure created",
    ]
    assert len({e["data-activity-id"] for e in entries}) == len(entries)  # each change once

    def rows(entry):
        return [
            (
                normalise(row.th.text),
                normalise(row.select_one("[data-before]").text) if row.select_one("[data-before]") else None,
                normalise(row.select_one("[data-after]").text) if row.select_one("[data-after]") else None,
            )
            for row in entry.select("tbody tr")
        ]

    removed, responsible, added, patched = entries[2:6]
    assert rows(removed) == [("Household member removed", "Sam Bloggs (Tenant, responsible)", "Not set")]
    assert rows(responsible) == [("Household member Sam Bloggs: Responsible", "No", "Yes")]
    assert rows(added) == [("Household member added", "Not set", "Amy Bloggs")]
    assert rows(patched) == [("Payment reference", "Not set", "228008866"), ("Sublet", "Not set", "Yes")]
    assert rows(entries[0]) == [("Stage", "Not set", "2")]
    created = {what: after for what, _before, after in rows(entries[6])}
    assert created["Household members"] == "Jo Bloggs (Tenant, responsible)Sam Bloggs (Tenant)"  # <br>
    assert created["Tenure type"] == "Secure (SEC)"
    assert created["Start of tenure date"] == "19 March 2020"
    assert "Charges" not in created  # none were sent: no empty row
    assert all(created.values())
    assert all("By API client: Rents" in normalise(e.text) for e in entries)


def test_the_tenure_timeline_includes_its_visits(get_page, layouts, officer, changed_tenure):  # noqa: F811
    from housing_app.models import Tenure
    from tests.processes.conftest import start

    tenure = db.session.get(Tenure, uuid.UUID(changed_tenure["tenure"]["id"]))
    process = start(tenure, officer)
    page = get_page(f"/tenures/{tenure.id}")
    newest = page.select(".app-timeline__entry")[0]
    assert normalise(newest.select_one(".app-timeline__title").text) == "Visit created"
    rows = {normalise(row.th.text): normalise(row.td.text) for row in newest.select("tbody tr")}
    assert rows["Officer"] == "Olivia Officer"  # a name, not an id
    assert rows["Visit type"] == layouts["tenancy_household_check"].name
    assert rows["Status"] == "In progress"
    assert "Layout version" not in rows
    history = get_page(f"/history/{tenure.id}")
    titles = [normalise(h.text) for h in history.select(".app-timeline__title")]
    assert titles[0] == "Visit created" and titles[-1] == "Tenure created"
    assert str(process.id) in [str(a.target_id) for a in db.session.scalars(db.select(Activity))]
