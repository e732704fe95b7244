"""GET /api/v1/tenures: search by first name, last name and postcode, paged."""

import uuid

import pytest
import sqlalchemy as sa

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


def stored_links_are_current(db) -> bool:
    """Every name key's previous_key is what linking all of its tenure's keys afresh gives."""
    from housing_app.models.tenures import HouseholdMemberNameKey, link_name_keys

    stored = [row._asdict() for row in db.session.execute(sa.select(HouseholdMemberNameKey.__table__)).all()]
    relinked = link_name_keys([{**row, "previous_key": "?"} for row in stored])
    return all(
        row["previous_key"] == again["previous_key"] for row, again in zip(stored, relinked, strict=True)
    )


def test_a_tenure_is_found_once_however_many_of_its_people_match(client, reader, create, db):
    family = create(
        members=[("Mohammed Ali", True), ("Mona Ali", False), ("Mo Ali", False), ("Mohammed Begum", False)],
        address="1 Morning Lane, London E9 6NA",
    )
    create(members=[("Moira Ali", True)], address="2 Morning Lane, London E9 6NB")

    for params, count in (
        ({"firstName": "mo"}, 2),  # four people of the family match, under three first names
        ({"firstName": "moh"}, 1),
        ({"lastName": "ali"}, 2),  # three people of the family are Ali
        ({"lastName": "ali", "postcode": "E9 6NA"}, 1),
    ):
        body = search(client, reader, **params)
        ids = [t["id"] for t in body["results"]]
        assert len(ids) == len(set(ids)) == body["metadata"]["resultset"]["count"] == count, params
    assert search(client, reader, firstName="mona")["results"][0]["id"] == family["id"]
    assert stored_links_are_current(db)


def test_one_name_searches_are_ordered_by_the_name_then_the_address(client, reader, create):
    create(members=[("Kim Smithson", True)], address="1 Amhurst Road, London E8 1AA")
    create(members=[("Lee Smith", True)], address="9 Wick Road, London E9 5AA")
    create(members=[("Ray Smith", True)], address="2 Amhurst Road, London E8 2AA")
    create(members=[("Uma Smith", True)], address="A boat on the Lea")  # no postcode: first
    body = search(client, reader, lastName="smi")
    assert addresses(body) == ["A boat on the Lea", "2 Amhurst Road", "9 Wick Road", "1 Amhurst Road"]
    # Two names: by postcode and address (and no postcode last), as before.
    assert addresses(search(client, reader, lastName="smith", firstName="r")) == ["2 Amhurst Road"]
    assert addresses(search(client, reader, lastName="smi", firstName="k")) == ["1 Amhurst Road"]
    create(members=[("Uma Smithers", True)], address="3 Amhurst Road, London E8 2AB")
    assert addresses(search(client, reader, lastName="smi", firstName="u")) == [
        "3 Amhurst Road",
        "A boat on the Lea",  # no postcode: last when ordered by postcode
    ]


def test_walking_the_pages_of_a_name_search_gives_every_tenure_once(client, reader, create):
    for number in range(7):
        members = [(f"Tom Kaur{'a' * (number % 3)}", True), (f"Tia Kaur{'a' * ((number + 1) % 3)}", False)]
        create(members=members, address=f"{number} Kenninghall Road, London E5 8BY")
    everything = search(client, reader, lastName="kaur", limit=100)
    assert everything["metadata"]["resultset"]["count"] == 7
    walked = [
        t["id"]
        for offset in range(0, 9, 3)
        for t in search(client, reader, lastName="kaur", offset=offset, limit=3)["results"]
    ]
    assert walked == [t["id"] for t in everything["results"]]
    assert len(set(walked)) == 7


def test_name_key_links_follow_renames_removals_and_new_people(client, writer, reader, create, db):
    tenure = create(
        members=[("Mo Patel", True), ("Mona Patel", False)], address="3 Morning Lane, London E9 6NC"
    )
    url = f"{URL}/{tenure['id']}"
    mo = next(m for m in tenure["householdMembers"] if m["fullName"] == "Mo Patel")

    def etag():
        return client.get(url, headers=writer).headers["ETag"]

    removed = client.delete(f"{url}/person/{mo['id']}", headers={**writer, "If-Match": etag()})
    assert removed.status_code == 204
    assert stored_links_are_current(db)
    assert search(client, reader, firstName="mo")["metadata"]["resultset"]["count"] == 1
    mona = next(m for m in client.get(url, headers=writer).json["householdMembers"])
    renamed = client.patch(
        f"{url}/person/{mona['id']}", json={"fullName": "Amy Patel"}, headers={**writer, "If-Match": etag()}
    )
    assert renamed.status_code == 200, renamed.json
    assert stored_links_are_current(db)
    assert search(client, reader, firstName="mo")["results"] == []
    assert search(client, reader, firstName="amy")["metadata"]["resultset"]["count"] == 1


def kept_counts(db) -> dict:
    from housing_app.models.tenures import NamePrefixCount

    rows = db.session.execute(
        sa.select(NamePrefixCount.kind, NamePrefixCount.prefix, NamePrefixCount.tenures)
    )
    return {(kind, prefix): tenures for kind, prefix, tenures in rows if tenures}


def recounted(db) -> dict:
    """name_prefix_counts as counting every key afresh gives it (left as it was)."""
    from housing_app.models.tenures import count_name_prefixes

    db.session.rollback()
    count_name_prefixes(db.session.connection())
    counts = kept_counts(db)
    db.session.rollback()
    return counts


def test_kept_prefix_counts_follow_every_change_of_names(client, writer, create, db):
    tenure = create(members=[("Mo Patel", True), ("Mona Patel", False), ("Al Pa", False)])
    create(members=[("Moira Paterson", True)], address="4 Morning Lane, London E9 6ND")
    url = f"{URL}/{tenure['id']}"
    kept = kept_counts(db)
    assert kept[("first", "mo")] == 2 and kept[("first", "mon")] == 1 and kept[("last", "pat")] == 2
    assert kept[("last", "p")] == 2  # the Patels and Pa: one tenure
    assert kept == recounted(db)

    people = {m["fullName"]: m["id"] for m in client.get(url, headers=writer).json["householdMembers"]}
    for method, person, body in (
        ("patch", "Mona Patel", {"fullName": "Amy Patel"}),
        ("delete", "Mo Patel", None),
        ("patch", "Al Pa", {"fullName": "Al Smith-Jones"}),
    ):
        headers = {**writer, "If-Match": client.get(url, headers=writer).headers["ETag"]}
        response = getattr(client, method)(f"{url}/person/{people[person]}", json=body, headers=headers)
        assert response.status_code in (200, 204), response.json
        db.session.remove()
        assert kept_counts(db) == recounted(db), (method, person)
    assert kept_counts(db)[("first", "mo")] == 1  # Moira only
    assert ("first", "mon") not in kept_counts(db)


def test_the_total_of_a_one_name_search_is_the_kept_count(client, reader, create, db):
    from housing_app.models.tenures import NamePrefixCount

    for number in range(5):
        create(members=[(f"Ola Kaur{number}", True)], address=f"{number} Kenninghall Road, London E5 8BY")
    page = search(client, reader, lastName="kaur", limit=2)
    assert page["metadata"]["resultset"]["count"] == 5
    # The total comes from name_prefix_counts, not from counting the keys again:
    db.session.execute(sa.update(NamePrefixCount).where(NamePrefixCount.prefix == "kaur").values(tenures=7))
    db.session.commit()
    assert search(client, reader, lastName="kaur", limit=2)["metadata"]["resultset"]["count"] == 7
    # ... where it is the whole criterion; with a postcode, or a longer prefix, it is counted.
    assert (
        search(client, reader, lastName="kaur", postcode="E5", limit=2)["metadata"]["resultset"]["count"] == 5
    )
    assert search(client, reader, lastName="kaur1", limit=2)["metadata"]["resultset"]["count"] == 1


def test_a_rolled_back_change_leaves_the_counts_as_they_were(create, db):
    from housing_app.models import HouseholdMember, Tenure

    create(members=[("Ed Quist", True)])
    before = kept_counts(db)
    tenure = Tenure(asset_full_address="1 Wick Road, London E9 7AA", is_terminated=False)
    tenure.household_members.append(
        HouseholdMember(id=uuid.uuid4(), full_name="Eva Quist", type="person", is_responsible=True)
    )
    db.session.add(tenure)
    db.session.flush()
    db.session.rollback()
    db.session.commit()  # nothing left over to write
    assert kept_counts(db) == before == recounted(db)


def walk(client, headers, **params) -> list[dict]:
    """Every page of a search, following nextToken from the first."""
    pages = [search(client, headers, **params)]
    while pages[-1]["paginationDetails"]["nextToken"]:
        token = pages[-1]["paginationDetails"]["nextToken"]
        pages.append(search(client, headers, **params, paginationToken=token))
        assert len(pages) < 50
    return pages


@pytest.mark.parametrize("criteria", [{"lastName": "kaur"}, {"lastName": "kaur", "firstName": "t"}])
def test_next_tokens_walk_the_same_pages_as_offsets(client, reader, create, criteria):
    for number in range(7):
        members = [(f"Tom Kaur{'a' * (number % 3)}", True), (f"Tia Kaur{'a' * ((number + 1) % 3)}", False)]
        create(members=members, address=f"{number} Kenninghall Road, London E5 8BY")
    pages = walk(client, reader, **criteria, limit=3)
    by_offset = [search(client, reader, **criteria, offset=offset, limit=3) for offset in (0, 3, 6)]
    assert [[t["id"] for t in p["results"]] for p in pages] == [
        [t["id"] for t in p["results"]] for p in by_offset
    ]
    assert [p["metadata"]["resultset"] for p in pages] == [
        {"count": 7, "offset": offset, "limit": 3} for offset in (0, 3, 6)
    ]
    assert pages[-1]["paginationDetails"] == {"nextToken": None}


def test_a_next_token_carries_on_after_its_tenure_when_others_are_added(client, reader, create):
    for number in range(4):
        create(members=[(f"Ola Kaur{number}", True)], address=f"{number} Kenninghall Road, London E5 8BY")
    first = search(client, reader, lastName="kaur", limit=2)
    create(members=[("Ada Kaur", True)], address="0 Kenninghall Road, London E5 8BY")  # sorts first
    second = search(
        client, reader, lastName="kaur", limit=2, paginationToken=first["paginationDetails"]["nextToken"]
    )
    seen = [t["id"] for t in first["results"] + second["results"]]
    assert len(set(seen)) == 4  # nothing twice, nothing after the position skipped
    assert [t["householdMembers"][0]["fullName"] for t in second["results"]] == ["Ola Kaur2", "Ola Kaur3"]


def test_a_token_from_another_search_or_changed_is_refused(client, reader, create):
    for number in range(3):
        create(members=[(f"Ola Kaur{number}", True)], address=f"{number} Kenninghall Road, London E5 8BY")
    token = search(client, reader, lastName="kaur", limit=1)["paginationDetails"]["nextToken"]
    assert search(client, reader, lastName="KAUR ", limit=1, paginationToken=token)["results"]  # same search
    for params in (
        {"lastName": "kau", "paginationToken": token},
        {"lastName": "kaur", "postcode": "E5", "paginationToken": token},
        {"lastName": "kaur", "paginationToken": token[:-2] + ("AA" if token[-2:] != "AA" else "BB")},
        {"lastName": "kaur", "paginationToken": "not-a-token"},
    ):
        response = client.get(URL, query_string=params, headers=reader)
        assert response.status_code == 400, params
        assert "paginationToken" in messages(response)[0]


def test_a_next_token_enters_the_index_at_its_position(client, reader, create, db):
    """The next page of a one-name search is found by the index, not by reading what comes
    before it: the position is one of the index scan's bounds (EXPLAIN, on each database)."""
    from housing_app.services import tenures as service

    for number in range(3):
        create(members=[(f"Ola Kaur{number}", True)], address=f"{number} Kenninghall Road, London E5 8BY")
    first = service.search_tenures(last_name="kaur", limit=1)
    captured = []

    def capture(_connection, _cursor, statement, parameters, *_args):
        captured.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        page = service.search_tenures(last_name="kaur", limit=1, offset=1, after=first.last_position)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert [t.id for t in page.tenures] == [
        service.search_tenures(last_name="kaur", limit=1, offset=1).tenures[0].id
    ]
    statement, parameters = next(
        (sql, params) for sql, params in captured if "household_member_name_keys" in sql
    )
    connection = db.session.connection().connection.dbapi_connection
    cursor = connection.cursor()
    if db.engine.dialect.name == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "(name_key,postcode_normalised,asset_full_address,tenure_id)>" in plan, plan
    else:
        cursor.execute("SET LOCAL enable_seqscan = off")  # three rows: a table scan is cheaper here
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = " ".join(row[0] for row in cursor.fetchall())
        assert "Index Cond" in plan and "ROW(name_key, postcode_normalised" in plan, plan
