"""Activity History API, and the guarantee behind it: a change and its activity are committed
together or not at all."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from housing_app.api.contracts import bump_version, contract_snapshot
from housing_app.api.errors import ApiError
from housing_app.extensions import db
from housing_app.models import Activity, ApiToken, Contract, ContractCharge
from housing_app.services import activity_log
from tests.api.test_contracts import new_contract


@pytest.fixture
def headers(api_token):
    return api_token("activities:read", "activities:write", name="Repairs hub")


def post_activity(client, headers, **body):
    return client.post("/api/v1/activityhistory", json=body, headers=headers)


def history(client, headers, target_id, page_size=20, token=None):
    url = f"/api/v1/activityhistory?targetId={target_id}&pageSize={page_size}"
    if token:
        url += f"&paginationToken={token}"
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_another_service_records_an_update_and_reads_it_back(client, headers):
    target = uuid.uuid4()
    author = {"id": str(uuid.uuid4()), "fullName": "Sam Caseworker", "email": "sam@hackney.gov.uk"}
    response = post_activity(
        client,
        headers,
        type="update",
        targetType="person",
        targetId=str(target),
        oldData={"firstName": "Jo", "surname": "Bloggs"},
        newData={"firstName": "Joanne", "surname": "Bloggs"},
        authorDetails=author,
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["oldData"] == {"firstName": "Jo"} and created["newData"] == {"firstName": "Joanne"}
    assert created["authorDetails"] == author
    assert created["createdAt"].endswith("Z") and "." not in created["createdAt"]

    listed = history(client, headers, target)
    assert listed["results"] == [created]
    assert listed["paginationDetails"] == {"nextToken": None}


def test_without_author_details_the_api_client_is_the_author(client, headers):
    response = post_activity(
        client, headers, type="create", targetType="asset", targetId=str(uuid.uuid4()), newData={"uprn": "1"}
    )
    assert response.status_code == 201
    token = db.session.scalar(sa.select(ApiToken))
    assert response.get_json()["authorDetails"] == {
        "id": str(token.id),
        "fullName": "API client: Repairs hub",
        "email": None,
    }


def test_migrated_history_keeps_its_date(client, headers):
    response = post_activity(
        client,
        headers,
        type="migrate",
        targetType="tenure",
        targetId=str(uuid.uuid4()),
        newData={"paymentReference": "123"},
        createdAt="2019-05-01T09:30:00Z",
    )
    assert response.status_code == 201
    assert response.get_json()["createdAt"] == "2019-05-01T09:30:00Z"


def test_every_problem_with_a_new_activity_is_reported_at_once(client, headers):
    response = post_activity(
        client,
        headers,
        type="rename",
        targetType="planet",
        targetId="nope",
        newData="text",
        authorDetails={"email": "not-an-email"},
        extra=1,
    )
    assert response.status_code == 400
    messages = " | ".join(e["developerMessage"] for e in response.get_json()["errors"])
    for field in (
        "type",
        "targetType",
        "targetId",
        "newData",
        "authorDetails.fullName",
        "authorDetails.email",
        "extra",
    ):
        assert field in messages, field
    assert count(Activity) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"type": "create", "oldData": {"a": 1}, "newData": {"a": 2}},
        {"type": "delete", "newData": {"a": 1}},
        {"type": "update", "newData": {"a": 1}},
        {"type": "update", "oldData": {"a": 1}, "newData": {"a": 1}},
        {"type": "create", "newData": {"a": 1}, "createdAt": "2999-01-01T00:00:00Z"},
    ],
)
def test_data_must_fit_the_type(client, headers, body):
    response = post_activity(client, headers, targetType="tenure", targetId=str(uuid.uuid4()), **body)
    assert response.status_code == 400, response.get_json()
    assert count(Activity) == 0


def test_scopes(client, api_token):
    target = uuid.uuid4()
    assert client.get(f"/api/v1/activityhistory?targetId={target}").status_code == 401
    read_only = api_token("activities:read")
    assert client.get(f"/api/v1/activityhistory?targetId={target}", headers=read_only).status_code == 200
    refused = post_activity(
        client, read_only, type="create", targetType="tenure", targetId=str(target), newData={}
    )
    assert refused.status_code == 403


def test_a_signed_in_officer_may_read_history(officer_client):
    response = officer_client.get(f"/api/v1/activityhistory?targetId={uuid.uuid4()}")
    assert response.status_code == 200


def add_activities(target, number, start):
    for n in range(number):
        db.session.add(
            Activity(
                type="update",
                target_type="tenure",
                target_id=target,
                created_at=start + timedelta(seconds=n // 2),  # pairs share a second
                old_data={"n": n - 1},
                new_data={"n": n},
                author_full_name="System",
            )
        )
    db.session.commit()


def test_paging_is_newest_first_and_walks_every_activity_once_with_inserts_between_pages(client, headers):
    target = uuid.uuid4()
    add_activities(target, 9, datetime(2024, 1, 1, tzinfo=UTC))
    seen, token, pages = [], None, 0
    while True:
        page = history(client, headers, target, page_size=2, token=token)
        seen += [activity["newData"]["n"] for activity in page["results"]]
        token = page["paginationDetails"]["nextToken"]
        pages += 1
        if token is None:
            break
        add_activities(target, 1, datetime.now(UTC))  # newer than everything: never in later pages
    assert pages == 5
    assert sorted(seen) == list(range(9)) and len(seen) == 9
    newest_first_seconds = [n // 2 for n in seen]
    assert newest_first_seconds == sorted(newest_first_seconds, reverse=True)


def test_bad_token_is_400(client, headers):
    response = client.get(
        f"/api/v1/activityhistory?targetId={uuid.uuid4()}&paginationToken=abc", headers=headers
    )
    assert response.status_code == 400


# --- Contract changes appear in the history -------------------------------------------------------


def test_contract_create_update_delete_appear_in_the_history(client, api_token):
    headers = api_token("contracts:read", "contracts:write", "activities:read")
    contract = client.post("/api/v1/contracts", json=new_contract(), headers=headers).get_json()
    url = f"/api/v1/contracts/{contract['id']}"
    client.patch(
        url, json={"versionNumber": 0, "lhaRate": 250.5, "lhaArea": "Inner East London"}, headers=headers
    )
    client.delete(url, headers={**headers, "If-Match": '"1"'})

    delete, update, create = history(client, headers, contract["id"])["results"]
    assert [create["type"], update["type"], delete["type"]] == ["create", "update", "delete"]
    assert {create["targetType"], update["targetType"], delete["targetType"]} == {"contract"}
    assert create["oldData"] is None and create["newData"]["relatedPeople"] == contract["relatedPeople"]
    assert update["oldData"] == {"lhaRate": None, "lhaArea": None}
    assert update["newData"] == {"lhaRate": 250.5, "lhaArea": "Inner East London"}
    assert delete["newData"] is None and delete["oldData"]["lhaRate"] == 250.5
    assert delete["authorDetails"]["fullName"].startswith("API client")


# --- No change without its activity, no activity without its change -------------------------------


def make_contract() -> Contract:
    with activity_log.logged_change("create", "contract", contract_snapshot) as change:
        change.target = Contract(target_id=uuid.uuid4(), target_type="asset", contract_type="SLA")
        db.session.add(change.target)
    return change.target


def test_logged_change_commits_the_change_with_its_activity():
    contract = make_contract()
    with activity_log.logged_change("update", "contract", contract_snapshot, contract) as change:
        contract.stage = 4
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).stage == 4
    assert change.activity.old_data == {"stage": None} and change.activity.new_data == {"stage": 4}
    assert count(Activity) == 2


def test_an_error_in_the_change_leaves_neither_change_nor_activity():
    contract = make_contract()
    with (
        pytest.raises(ValueError),
        activity_log.logged_change("update", "contract", contract_snapshot, contract),
    ):
        contract.stage = 4
        raise ValueError("validation failed half way")
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).stage is None
    assert count(Activity) == 1


def test_a_database_error_leaves_neither_change_nor_activity():
    contract = make_contract()
    with (
        pytest.raises(sa.exc.IntegrityError),
        activity_log.logged_change("update", "contract", contract_snapshot, contract),
    ):
        contract.stage = 4
        contract.target_type = None  # NOT NULL: the database refuses the flush
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).stage is None
    assert count(Activity) == 1


def test_a_concurrent_change_leaves_neither_change_nor_activity():
    contract = make_contract()
    with (
        pytest.raises(ApiError) as raised,
        activity_log.logged_change("update", "contract", contract_snapshot, contract),
    ):
        contract.stage = 4
        with db.engine.begin() as elsewhere:  # another request commits version 1 meanwhile
            elsewhere.execute(sa.update(Contract).where(Contract.id == contract.id).values(version_number=1))
        bump_version(contract, read_version=0)
    assert raised.value.status == 409
    db.session.expire_all()
    stored = db.session.get(Contract, contract.id)
    assert stored.stage is None and stored.version_number == 1
    assert count(Activity) == 1


def test_a_failed_create_leaves_no_activity():
    with (
        pytest.raises(sa.exc.IntegrityError),
        activity_log.logged_change("create", "contract", contract_snapshot) as change,
    ):
        change.target = Contract(target_id=uuid.uuid4(), target_type=None)
        db.session.add(change.target)
    assert count(Contract) == 0 and count(Activity) == 0


def test_committing_a_contract_change_without_its_activity_is_refused():
    contract = make_contract()
    contract.stage = 9
    with pytest.raises(activity_log.UnloggedChangeError):
        db.session.commit()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).stage is None


def test_a_new_contract_without_its_activity_is_refused_and_the_guard_resets():
    db.session.add(Contract(target_id=uuid.uuid4(), target_type="asset"))
    with pytest.raises(activity_log.UnloggedChangeError):
        db.session.commit()
    db.session.rollback()
    assert count(Contract) == 0
    make_contract()  # the next transaction starts clean
    assert count(Contract) == 1 and count(Activity) == 1


def test_changing_only_a_charge_still_needs_the_contract_activity():
    contract = make_contract()
    with activity_log.logged_change("update", "contract", contract_snapshot, contract):
        contract.charges = [ContractCharge(frequency="Weekly", amount=10)]
    contract.charges[0].amount = 11
    with pytest.raises(activity_log.UnloggedChangeError):
        db.session.commit()
    db.session.rollback()
