"""Contracts API: create, read, page by target, patch with optimistic locking, delete; every
change in the activity history."""

import copy
import uuid

import pytest

from housing_app.api.contracts import NEW_CONTRACT_EXAMPLE
from housing_app.extensions import db
from housing_app.models import Activity, Contract

READ_WRITE = ("contracts:read", "contracts:write")


@pytest.fixture
def headers(api_token):
    return api_token(*READ_WRITE, name="Temporary accommodation")


def new_contract(target_id=None, **overrides) -> dict:
    body = copy.deepcopy(NEW_CONTRACT_EXAMPLE)
    if target_id is not None:
        body["targetId"] = str(target_id)
    body.update(overrides)
    return body


def post(client, headers, body):
    return client.post("/api/v1/contracts", json=body, headers=headers)


def create(client, headers, **overrides) -> dict:
    response = post(client, headers, new_contract(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def activities_for(target_id) -> list[Activity]:
    return list(
        db.session.scalars(
            db.select(Activity)
            .where(Activity.target_id == uuid.UUID(str(target_id)))
            .order_by(Activity.created_at)
        )
    )


def error_messages(response) -> list[str]:
    return [error["developerMessage"] for error in response.get_json()["errors"]]


def test_spec_example_is_created_with_server_ids_and_version_zero(client, headers):
    response = post(client, headers, new_contract())
    assert response.status_code == 201
    contract = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/contracts/{contract['id']}")
    assert response.headers["ETag"] == '"0"'
    assert contract["versionNumber"] == 0
    assert contract["targetId"] == NEW_CONTRACT_EXAMPLE["targetId"]
    assert contract["startDate"] == "2022-10-11T20:28:41Z"
    assert contract["isVATRegistered"] is False and contract["isActive"] is True
    assert contract["charges"][0]["amount"] == 1.3 and contract["charges"][0]["frequency"] == "Monthly"
    assert contract["charges"][0]["subType"] is None
    person = contract["relatedPeople"][0]
    assert person["name"] == "Bob Smith" and person["phone"] is None
    for made_here in (contract["id"], person["id"], contract["charges"][0]["id"]):
        assert uuid.UUID(made_here).int != 0

    fetched = client.get(response.headers["Location"], headers=headers)
    assert fetched.status_code == 200
    assert fetched.get_json() == contract


SPEC_CONTRACT_FIELDS = {
    "id",
    "targetId",
    "targetType",
    "contractType",
    "startDate",
    "endDate",
    "renewalDate",
    "approvalDate",
    "relatedPeople",
    "charges",
    "versionNumber",
    "fundingSource",
    "costCentre",
    "lhaArea",
    "lhaRate",
    "isActive",
    "isVATRegistered",
    "stage",
}
SPEC_PERSON_FIELDS = {
    "id",
    "type",
    "subType",
    "name",
    "email",
    "isResponsible",
    "description",
    "phone",
    "relatedId",
}
SPEC_CHARGE_FIELDS = {"id", "type", "subType", "frequency", "amount"}


def test_a_contract_has_exactly_the_spec_fields(client, headers):
    contract = create(client, headers)
    assert set(contract) == SPEC_CONTRACT_FIELDS
    assert set(contract["relatedPeople"][0]) == SPEC_PERSON_FIELDS
    assert set(contract["charges"][0]) == SPEC_CHARGE_FIELDS


def test_fractional_seconds_as_in_the_spec_are_accepted_and_dropped(client, headers):
    contract = create(client, headers, startDate="2022-10-11T20:28:41.2041531Z", endDate="2023-10-11")
    assert contract["startDate"] == "2022-10-11T20:28:41Z"
    assert contract["endDate"] == "2023-10-11T00:00:00Z"


def test_create_is_recorded_as_an_activity_by_the_api_client(client, headers):
    contract = create(client, headers)
    (activity,) = activities_for(contract["id"])
    assert activity.type == "create" and activity.target_type == "contract"
    assert activity.old_data is None
    assert activity.new_data["charges"] == contract["charges"]
    assert activity.new_data["targetId"] == contract["targetId"]
    assert activity.author_full_name == "API client: Temporary accommodation"


def test_every_problem_in_the_body_is_reported_in_one_400(client, headers):
    body = new_contract(
        targetType="planet",
        startDate="19-03-2020",
        isActive="yes",
        stage=-1,
        charges=[
            {"type": "Rent", "frequency": "Hourly", "amount": -5},
            {"frequency": "Weekly", "amount": "12"},
        ],
        colour="green",
    )
    response = post(client, headers, body)
    assert response.status_code == 400
    messages = " | ".join(error_messages(response))
    for field in ("targetType", "startDate", "isActive", "stage", "charges.0.frequency", "charges.0.amount"):
        assert field in messages, field
    assert "charges.1.amount" in messages
    assert "colour" in messages
    assert db.session.scalar(db.select(db.func.count()).select_from(Contract)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 0


def test_end_date_must_be_after_start_date(client, headers):
    response = post(client, headers, new_contract(startDate="2023-01-01", endDate="2022-01-01"))
    assert response.status_code == 400
    assert any("endDate must be after startDate" in m for m in error_messages(response))


@pytest.mark.parametrize(
    "amount, accepted",
    [(0, True), (12, True), (12.5, True), (12.345, False), (-0.01, False), ("12.50", False), (True, False)],
)
def test_amounts_are_non_negative_json_numbers_in_pence(client, headers, amount, accepted):
    response = post(client, headers, new_contract(charges=[{"frequency": "Weekly", "amount": amount}]))
    assert (response.status_code == 201) is accepted, response.get_json()


def test_nested_ids_are_made_by_the_server(client, headers):
    body = new_contract(charges=[{"id": str(uuid.uuid4()), "frequency": "Weekly", "amount": 3}])
    response = post(client, headers, body)
    assert response.status_code == 400
    assert any("charges.0.id" in m for m in error_messages(response))


def test_unknown_contract_is_404_in_the_standard_format(client, headers):
    response = client.get(f"/api/v1/contracts/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["userMessage"]


def test_scopes_are_required(client, api_token):
    read_only = api_token("contracts:read")
    assert post(client, read_only, new_contract()).status_code == 403
    assert client.get(f"/api/v1/contracts?targetId={uuid.uuid4()}").status_code == 401
    tenures_only = api_token("tenures:read")
    assert client.get(f"/api/v1/contracts?targetId={uuid.uuid4()}", headers=tenures_only).status_code == 403


# --- Paging ---------------------------------------------------------------------------------------


def walk(client, headers, target_id, page_size, between_pages=None) -> list[list[str]]:
    pages, token = [], None
    while True:
        url = f"/api/v1/contracts?targetId={target_id}&pageSize={page_size}"
        if token:
            url += f"&paginationToken={token}"
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages.append([contract["id"] for contract in body["results"]])
        token = body["paginationDetails"]["nextToken"]
        if token is None:
            return pages
        if between_pages:
            between_pages(len(pages))
        assert len(pages) < 100, "paging does not end"


def test_paging_walks_every_contract_of_the_target_exactly_once(client, headers):
    target = uuid.uuid4()
    made = {create(client, headers, target_id=target)["id"] for _ in range(7)}
    create(client, headers, target_id=uuid.uuid4())  # another target's contract is never listed

    pages = walk(client, headers, target, page_size=3)
    assert [len(page) for page in pages] == [3, 3, 1]
    seen = [contract_id for page in pages for contract_id in page]
    assert sorted(seen) == sorted(made)


def test_last_page_has_a_null_next_token_even_when_exactly_full(client, headers):
    target = uuid.uuid4()
    for _ in range(4):
        create(client, headers, target_id=target)
    pages = walk(client, headers, target, page_size=2)
    assert [len(page) for page in pages] == [2, 2]


def test_paging_is_stable_when_contracts_are_added_between_pages(client, headers):
    target = uuid.uuid4()
    existing = {create(client, headers, target_id=target)["id"] for _ in range(6)}
    added = set()

    def add_two(page_number):
        if page_number <= 3:  # new contracts go to the end; stop so the walk can finish
            for _ in range(2):
                added.add(create(client, headers, target_id=target)["id"])

    seen = [
        contract_id
        for page in walk(client, headers, target, 2, between_pages=add_two)
        for contract_id in page
    ]
    assert len(seen) == len(set(seen)), "a contract was listed twice"
    assert existing <= set(seen), "a contract that was there all along was skipped"
    assert set(seen) == existing | added  # oldest first: the added ones come after the cursor


def test_spec_example_read_back_by_target_page_by_page(client, headers):
    target = uuid.uuid4()
    posted = [create(client, headers, target_id=target, contractType=f"contract {n}") for n in range(5)]
    pages = walk(client, headers, target, page_size=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [contract_id for page in pages for contract_id in page] == [c["id"] for c in posted]


def test_empty_target_is_one_empty_page(client, headers):
    response = client.get(f"/api/v1/contracts?targetId={uuid.uuid4()}", headers=headers)
    assert response.get_json() == {"results": [], "paginationDetails": {"nextToken": None}}


SOME_TARGET = uuid.uuid4()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "pageSize=5",
        "targetId=not-a-uuid",
        f"targetId={SOME_TARGET}&pageSize=0",
        f"targetId={SOME_TARGET}&pageSize=101",
        f"targetId={SOME_TARGET}&pageSize=x",
    ],
)
def test_bad_list_queries_are_400(client, headers, query):
    response = client.get(f"/api/v1/contracts?{query}", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["errors"]


def test_tampered_or_foreign_tokens_are_400(client, headers):
    target = uuid.uuid4()
    for _ in range(3):
        create(client, headers, target_id=target)
    token = client.get(f"/api/v1/contracts?targetId={target}&pageSize=1", headers=headers).get_json()[
        "paginationDetails"
    ]["nextToken"]
    assert token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for url in (
        f"/api/v1/contracts?targetId={target}&paginationToken={tampered}",
        f"/api/v1/contracts?targetId={target}&paginationToken=garbage",
        f"/api/v1/contracts?targetId={uuid.uuid4()}&paginationToken={token}",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 400, url
        assert "paginationToken" in error_messages(response)[0]


# --- Changes --------------------------------------------------------------------------------------


def patch(client, headers, contract_id, body, extra_headers=None):
    return client.patch(
        f"/api/v1/contracts/{contract_id}", json=body, headers={**headers, **(extra_headers or {})}
    )


def test_patch_changes_only_what_is_sent_and_increments_the_version(client, headers):
    contract = create(client, headers)
    response = patch(
        client, headers, contract["id"], {"versionNumber": 0, "stage": 2, "isVATRegistered": True}
    )
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["versionNumber"] == 1 and response.headers["ETag"] == '"1"'
    assert changed["stage"] == 2 and changed["isVATRegistered"] is True
    assert changed["charges"] == contract["charges"]
    assert changed["relatedPeople"] == contract["relatedPeople"]
    assert client.get(f"/api/v1/contracts/{contract['id']}", headers=headers).get_json() == changed


def test_update_activity_holds_only_the_changed_fields(client, headers):
    contract = create(client, headers)
    patch(client, headers, contract["id"], {"versionNumber": 0, "stage": 2, "contractType": "contract type"})
    create_activity, update_activity = activities_for(contract["id"])
    assert update_activity.type == "update"
    assert update_activity.old_data == {"stage": None}
    assert update_activity.new_data == {"stage": 2}


def test_stale_version_number_is_409_and_changes_nothing(client, headers):
    contract = create(client, headers)
    assert patch(client, headers, contract["id"], {"versionNumber": 0, "stage": 1}).status_code == 200
    stale = patch(client, headers, contract["id"], {"versionNumber": 0, "stage": 5})
    assert stale.status_code == 409
    assert "stale" in error_messages(stale)[0]
    assert client.get(f"/api/v1/contracts/{contract['id']}", headers=headers).get_json()["stage"] == 1
    assert [a.type for a in activities_for(contract["id"])] == ["create", "update"]


def test_if_match_works_instead_of_version_number_and_stale_is_412(client, headers):
    contract = create(client, headers)
    fresh = patch(client, headers, contract["id"], {"stage": 3}, {"If-Match": '"0"'})
    assert fresh.status_code == 200 and fresh.get_json()["versionNumber"] == 1
    stale = patch(client, headers, contract["id"], {"stage": 4}, {"If-Match": '"0"'})
    assert stale.status_code == 412
    assert fresh.headers["ETag"] == '"1"'


def test_patch_without_any_version_is_428(client, headers):
    contract = create(client, headers)
    response = patch(client, headers, contract["id"], {"stage": 3})
    assert response.status_code == 428
    assert "versionNumber" in error_messages(response)[0]


def test_patch_that_changes_nothing_keeps_the_version_and_logs_nothing(client, headers):
    contract = create(client, headers)
    response = patch(client, headers, contract["id"], {"versionNumber": 0, "contractType": "contract type"})
    assert response.status_code == 200 and response.get_json()["versionNumber"] == 0
    assert [a.type for a in activities_for(contract["id"])] == ["create"]


def test_patch_lists_keep_ids_of_kept_items_and_make_new_ones(client, headers):
    contract = create(client, headers)
    kept = contract["charges"][0]
    body = {
        "versionNumber": 0,
        "charges": [
            {**kept, "amount": 50.3, "subType": "Cleaning fee"},
            {"frequency": "Weekly", "amount": 34},
        ],
        "relatedPeople": [],
    }
    response = patch(client, headers, contract["id"], body)
    assert response.status_code == 200, response.get_json()
    charges = response.get_json()["charges"]
    assert charges[0]["id"] == kept["id"] and charges[0]["amount"] == 50.3
    assert charges[1]["id"] not in (kept["id"], None)
    assert response.get_json()["relatedPeople"] == []
    update = activities_for(contract["id"])[-1]
    assert update.old_data["charges"] == contract["charges"]
    assert update.new_data["charges"] == charges
    assert (
        update.old_data["relatedPeople"] == contract["relatedPeople"]
        and update.new_data["relatedPeople"] == []
    )


def test_patch_with_an_id_from_elsewhere_is_400(client, headers):
    contract = create(client, headers)
    other = create(client, headers)
    body = {"versionNumber": 0, "charges": [other["charges"][0]]}
    response = patch(client, headers, contract["id"], body)
    assert response.status_code == 400
    assert "charges.0.id" in error_messages(response)[0]


def test_patch_checks_end_after_start_against_the_stored_dates(client, headers):
    contract = create(client, headers)  # 2022-10-11 to 2023-10-11
    response = patch(client, headers, contract["id"], {"versionNumber": 0, "endDate": "2021-01-01"})
    assert response.status_code == 400
    assert any("endDate" in m for m in error_messages(response))


def test_target_cannot_be_moved_by_patch(client, headers):
    contract = create(client, headers)
    response = patch(client, headers, contract["id"], {"versionNumber": 0, "targetId": str(uuid.uuid4())})
    assert response.status_code == 400
    assert any("targetId" in m for m in error_messages(response))


def test_delete_removes_the_contract_and_records_its_last_state(client, headers):
    contract = create(client, headers)
    stale = client.delete(f"/api/v1/contracts/{contract['id']}", headers={**headers, "If-Match": '"7"'})
    assert stale.status_code == 412
    response = client.delete(f"/api/v1/contracts/{contract['id']}?versionNumber=0", headers=headers)
    assert response.status_code == 204
    assert client.get(f"/api/v1/contracts/{contract['id']}", headers=headers).status_code == 404
    delete = activities_for(contract["id"])[-1]
    assert delete.type == "delete" and delete.new_data is None
    assert delete.old_data["charges"] == contract["charges"]
    assert delete.old_data["contractType"] == "contract type"
