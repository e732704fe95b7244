"""Helpers shared by the Tenure API tests: payloads, tokens and a small HTTP vocabulary."""

import copy
import uuid

import pytest

from housing_app.extensions import db
from housing_app.models import ApiToken

# The seed's POST example (tenure-api.md) with its JSON made valid: braces and brackets closed,
# and its "string" placeholders replaced by values of the documented kinds (dates, a UPRN, a
# UUID for the person id, since identifiers are UUIDs). Every field and nesting is kept.
SEED_EXAMPLE = {
    "paymentReference": "string",
    "householdMembers": [
        {
            "id": "8f2b8ce4-2a4e-4b32-9d4b-5c6b0d1e2f3a",
            "type": "person",
            "fullName": "string",
            "isResponsible": True,
            "dateOfBirth": "1951-02-11",
            "personTenureType": "Tenant",
        }
    ],
    "tenuredAsset": {
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "type": "Block",
        "fullAddress": "string",
        "uprn": "100021045676",
    },
    "charges": {
        "rent": 0,
        "currentBalance": 0,
        "billingFrequency": "string",
        "serviceCharge": 0,
        "otherCharges": 0,
        "combinedServiceCharges": 0,
        "combinedRentCharges": 0,
        "tenancyInsuranceCharge": 0,
        "originalRentCharge": 0,
        "originalServiceCharge": 0,
    },
    "startOfTenureDate": "2020-03-19",
    "endOfTenureDate": "2030-03-19",
    "tenureType": {"code": "INT", "description": "Introductory"},
    "isTenanted": True,
    "terminated": {"isTerminated": False, "reasonForTermination": "string"},
    "successionDate": "2021-01-01",
    "evictionDate": "2022-01-01",
    "potentialEndDate": "2030-03-19",
    "notices": [
        {
            "type": "Notice to quit",
            "servedDate": "2021-03-29",
            "expiryDate": "2021-04-29",
            "endDate": "2021-05-29",
            "effectiveDate": "2021-03-29",
        }
    ],
    "legacyReferences": [{"name": "u_saff_tenancy", "value": "123456"}],
    "isMutualExchange": False,
    "informHousingBenefitsForChanges": False,
    "isSublet": False,
    "subletEndDate": "2021-06-30",
}


def tenure_payload(
    members=(("Jo Bloggs", True),),
    address="Flat 3, 12 Hillman Street, London E8 1DY",
    start="2020-03-19",
    code="SEC",
    **extra,
) -> dict:
    payload = {
        "tenuredAsset": {"type": "Dwelling", "fullAddress": address},
        "startOfTenureDate": start,
        "tenureType": {"code": code},
        "householdMembers": [
            {"fullName": name, "isResponsible": responsible, "personTenureType": "Tenant"}
            for name, responsible in members
        ],
    }
    payload.update(extra)
    return payload


def seed_example() -> dict:
    return copy.deepcopy(SEED_EXAMPLE)


def make_token(*scopes: str) -> dict:
    token, secret = ApiToken.issue("tests", list(scopes))
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(name="writer")
def writer_fixture():
    return make_token("tenures:read", "tenures:write")


@pytest.fixture(name="reader")
def reader_fixture():
    return make_token("tenures:read")


@pytest.fixture(name="create")
def create_fixture(client, writer):
    """POST a tenure and return the JSON response (asserting 201)."""

    def post(payload=None, **kwargs) -> dict:
        response = client.post("/api/v1/tenures", json=payload or tenure_payload(**kwargs), headers=writer)
        assert response.status_code == 201, response.json
        return response.json

    return post


def messages(response) -> list[str]:
    return [e["developerMessage"] for e in response.json["errors"]]


def new_id() -> str:
    return str(uuid.uuid4())
