"""GET /api/v1/tenures: search by first name, last name and postcode, paged."""

import pytest

from tests.api.tenure_support import (  # noqa: F401 - the *_fixture names register fixtures
    create_fixture,
    messages,
    reader_fixture,
    writer_fixture,
)

URL = "/api/v1/tenures"


@pytest.fixture
def tenures(create):
    return {
        "bloggs": create(
            members=[("Jo Bloggs", True), ("Sam Bloggs", False)], address="1 Mare Street, London E8 1HH"
        ),
        "souza": create(members=[("Ana De Souza", True)], address="2 Mare Street, London E81HH"),
        "smith": create(
            members=[("John Smith", True), ("Mary Jones", False)], address="3 Amhurst Road, London E8 2AA"
        ),
        "smithson": create(members=[("Jane Smithson", True)], address="4 Dalston Lane, London N16 7AB"),
    }


def search(client, headers, **params):
    response = client.get(URL, query_string=params, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def addresses(body) -> list[str]:
    return [t["tenuredAsset"]["fullAddress"].split(",")[0] for t in body["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"lastName": "bloggs"}, ["1 Mare Street"]),
        ({"lastName": "SMITH"}, ["3 Amhurst Road", "4 Dalston Lane"]),  # partial: Smith and Smithson
        ({"lastName": "Souza"}, ["2 Mare Street"]),
        ({"lastName": "de souza"}, ["2 Mare Street"]),  # a surname of two words
        ({"firstName": "ja"}, ["4 Dalston Lane"]),
        ({"firstName": "Jo"}, ["1 Mare Street", "3 Amhurst Road"]),  # Jo Bloggs, John Smith
        ({"firstName": "john", "lastName": "smith"}, ["3 Amhurst Road"]),
        ({"firstName": "mary", "lastName": "smith"}, []),  # names must match the same person
        ({"postcode": "e8 1hh"}, ["1 Mare Street", "2 Mare Street"]),
        ({"postcode": "E81HH"}, ["1 Mare Street", "2 Mare Street"]),
        ({"postcode": "E8"}, ["1 Mare Street", "2 Mare Street", "3 Amhurst Road"]),
        ({"postcode": "E8 1HH", "lastName": "souza"}, ["2 Mare Street"]),
        ({"postcode": "N16 7AB", "firstName": "Jo"}, []),
        ({"lastName": "%"}, []),  # wildcards are literal
        ({}, ["1 Mare Street", "2 Mare Street", "3 Amhurst Road", "4 Dalston Lane"]),
    ],
)
def test_search_combinations(client, reader, tenures, params, expected):
    body = search(client, reader, **params)
    assert sorted(addresses(body)) == sorted(expected)
    assert body["metadata"]["resultset"]["count"] == len(expected)


def test_parameter_names_are_accepted_in_any_case(client, reader, tenures):
    assert addresses(search(client, reader, lastname="souza", FIRSTNAME="ana")) == ["2 Mare Street"]


def test_paging_is_stable_and_capped(client, reader, tenures):
    everything = search(client, reader, limit=100)
    assert [t["tenuredAsset"]["postcode"] for t in everything["results"]] == [
        "E8 1HH",
        "E8 1HH",
        "E8 2AA",
        "N16 7AB",
    ]
    pages = [search(client, reader, offset=offset, limit=2) for offset in (0, 2, 4)]
    assert [t["id"] for page in pages for t in page["results"]] == [t["id"] for t in everything["results"]]
    assert pages[1]["metadata"] == {"resultset": {"count": 4, "offset": 2, "limit": 2}}
    assert pages[2]["results"] == []
    assert search(client, reader, limit=5000)["metadata"]["resultset"]["limit"] == 100
    assert search(client, reader)["metadata"]["resultset"] == {"count": 4, "offset": 0, "limit": 20}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "ten"}, "limit"),
        ({"postcode": "E8;DROP"}, "postcode"),
        ({"firstName": "x" * 101}, "firstName"),
        ({"surname": "Smith"}, "surname"),
    ],
)
def test_bad_search_parameters_are_400(client, reader, params, field):
    response = client.get(URL, query_string=params, headers=reader)
    assert response.status_code == 400
    assert [m.split(":")[0] for m in messages(response)] == [field]


def test_last_name_matches_from_any_later_word_of_a_long_name(client, reader, create):
    create(members=[("Ana Maria De Souza", True)], address="5 Mare Street, London E8 3RR")
    for text in ("maria", "Maria de Sou", "de souza", "souza", "SOU"):
        assert addresses(search(client, reader, lastName=text)) == ["5 Mare Street"], text
    for text in ("ana", "aria", "maria souza"):
        assert addresses(search(client, reader, lastName=text)) == [], text
    assert addresses(search(client, reader, firstName="ana", lastName="de souza")) == ["5 Mare Street"]
    assert addresses(search(client, reader, firstName="maria", lastName="souza")) == []


def test_prefixes_with_wildcard_and_non_ascii_characters_match_literally(client, reader, create):
    create(members=[("Zoë O_Neil", True)], address="6 Mare Street, London E8 3RS")
    create(members=[("Zoe Oxneil", True)], address="7 Mare Street, London E8 3RT")
    assert addresses(search(client, reader, lastName="o_n")) == ["6 Mare Street"]
    assert addresses(search(client, reader, firstName="ZOË")) == ["6 Mare Street"]
    assert addresses(search(client, reader, lastName="%neil")) == []
    assert addresses(search(client, reader, postcode="e8 3r")) == ["6 Mare Street", "7 Mare Street"]


def test_renaming_and_removing_a_person_changes_what_finds_the_tenure(client, writer, reader, create):
    tenure = create(
        members=[("Jo Bloggs", True), ("Sam Bloggs", False)], address="8 Mare Street, London E8 3RU"
    )
    sam = next(m for m in tenure["householdMembers"] if m["fullName"] == "Sam Bloggs")
    person_url = f"{URL}/{tenure['id']}/person/{sam['id']}"

    def etag():
        return client.get(f"{URL}/{tenure['id']}", headers=writer).headers["ETag"]

    renamed = client.patch(
        person_url, json={"fullName": "Sam Van Der Berg"}, headers={**writer, "If-Match": etag()}
    )
    assert renamed.status_code == 200, renamed.json
    assert addresses(search(client, reader, lastName="van der")) == ["8 Mare Street"]
    assert addresses(search(client, reader, firstName="sam", lastName="bloggs")) == []
    removed = client.delete(person_url, headers={**writer, "If-Match": etag()})
    assert removed.status_code == 204
    assert addresses(search(client, reader, lastName="berg")) == []
    assert addresses(search(client, reader, lastName="bloggs")) == ["8 Mare Street"]


def test_a_moved_address_moves_the_tenure_in_name_searches(client, writer, reader, create):
    first = create(members=[("Ola Quist", True)], address="9 Mare Street, London E8 4AA")
    create(members=[("Eva Quist", True)], address="1 Well Street, London E9 1AA")
    assert addresses(search(client, reader, lastName="quist")) == ["9 Mare Street", "1 Well Street"]
    etag = client.get(f"{URL}/{first['id']}", headers=writer).headers["ETag"]
    moved = client.patch(
        f"{URL}/{first['id']}",
        json={"tenuredAsset": {"fullAddress": "2 Wick Road, London E9 7AA"}},
        headers={**writer, "If-Match": etag},
    )
    assert moved.status_code == 200, moved.json
    assert addresses(search(client, reader, lastName="quist")) == ["1 Well Street", "2 Wick Road"]
    assert addresses(search(client, reader, lastName="quist", postcode="E8")) == []
    assert addresses(search(client, reader, firstName="ola", postcode="e9 7")) == ["2 Wick Road"]
