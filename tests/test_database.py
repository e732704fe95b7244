"""Database connections (housing_app/database.py): idle connections are checked before use and
reads (API calls and officers' pages) run without a transaction, on a real PostgreSQL server."""

import gc
import json
import threading
import uuid
from contextlib import contextmanager
from datetime import date

import psycopg
import pytest
import sqlalchemy as sa
from flask import request

from housing_app.api.auth import _TOKEN_BY_HASH
from housing_app.database import (
    _KEPT_CURSOR,
    READ_CONNECTION,
    DirectStatement,
    HeldReadConnections,
    ReadOnlyRequestError,
    ping_after_idle,
    read_engine,
)
from housing_app.extensions import db
from housing_app.models import Answer, ApiToken, Process, User
from housing_app.models.base import utcnow
from housing_app.processes.loader import load_shipped_definitions
from housing_app.services import tenures as service
from housing_app.services.tenures import _DOCUMENT_BY_ID
from tests.api.tenure_support import make_token, tenure_payload
from tests.conftest import make_user
from tests.processes.conftest import make_tenure, start


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def terminate(url: str, pid: int) -> None:
    other = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with other.connect() as connection:
        assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    other.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(postgres_url):
    engine = sa.create_engine(postgres_url, pool_size=1, max_overflow=0)
    ping_after_idle(engine, idle_seconds=0)
    first = backend_pid(engine)
    terminate(postgres_url, first)

    second = backend_pid(engine)  # would raise OperationalError if the dead one were handed out

    assert second != first
    engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(postgres_url):
    engine = sa.create_engine(postgres_url, pool_size=1, max_overflow=0)
    ping_after_idle(engine, idle_seconds=3600)
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    backend_pid(engine)
    backend_pid(engine)
    assert statements == ["SELECT pg_backend_pid()"] * 2
    # Which is why the threshold exists: a dead connection inside it fails its next query.
    terminate(postgres_url, backend_pid(engine))
    with pytest.raises(sa.exc.OperationalError):
        backend_pid(engine)
    engine.dispose()


@contextmanager
def statements_run():
    """The SQL of each statement the app's engine runs inside the block."""
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


@contextmanager
def seen_in_requests(app, describe):
    """describe(connection, sql) of each statement requests run inside the block, on every
    engine (not those the test itself runs)."""
    seen = []

    def record(connection, _cursor, statement, *_args):
        if request:
            seen.append(describe(connection, statement))

    engines = every_engine(app)
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def autocommit_seen(app):
    """(method, whether the DBAPI connection was in autocommit) of each statement requests run."""
    with seen_in_requests(
        app, lambda connection, _sql: (request.method, connection.connection.dbapi_connection.autocommit)
    ) as seen:
        yield seen


def every_engine(app) -> list:
    """The app's engine and, on a database server, the autocommit one reads use."""
    return list({id(engine): engine for engine in (db.engine, read_engine(app))}.values())


def test_api_reads_run_without_a_transaction_and_writes_in_one(app, client, autocommit_seen):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads start no transaction anyway; the setting is for database servers")
    writer = make_token("tenures:read", "tenures:write")
    created = client.post("/api/v1/tenures", json=tenure_payload(), headers=writer)
    assert created.status_code == 201
    db.session.remove()  # as between two real requests

    read = client.get(f"/api/v1/tenures/{created.json['id']}", headers=writer)
    searched = client.get("/api/v1/tenures?lastName=bloggs", headers=writer)
    db.session.remove()
    patched = client.patch(
        f"/api/v1/tenures/{created.json['id']}",
        json={"isSublet": True},
        headers={**writer, "If-Match": read.headers["ETag"]},
    )

    assert (read.status_code, searched.status_code, patched.status_code) == (200, 200, 200)
    assert searched.json["results"][0]["id"] == created.json["id"]
    reads = [autocommit for method, autocommit in autocommit_seen if method == "GET"]
    writes = [autocommit for method, autocommit in autocommit_seen if method in ("POST", "PATCH")]
    assert reads and all(reads)
    assert writes and not any(writes)


def test_officers_pages_read_without_a_transaction_and_save_in_one(app, officer_client, autocommit_seen):
    """A process page's GET reads outside any transaction (no BEGIN, no ROLLBACK: two of its five
    round trips); saving it writes in one transaction; the page read afterwards shows the save."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads start no transaction anyway; the setting is for database servers")
    load_shipped_definitions()
    visit = start(make_tenure(), officer_client.user)
    path = f"/processes/{visit.id}/pages/present-for-check"
    db.session.remove()  # as between two real requests

    before = officer_client.get(path)
    saved = officer_client.post(path, data={"tenantPresent": "no", "action": "later"})
    db.session.remove()
    after = officer_client.get(path)
    db.session.remove()
    task_list = officer_client.get(f"/processes/{visit.id}")

    assert (before.status_code, saved.status_code, after.status_code, task_list.status_code) == (
        200,
        302,
        200,
        200,
    )
    assert 'value="no" checked' in after.get_data(as_text=True).replace("\n", " ")
    reads = [autocommit for method, autocommit in autocommit_seen if method == "GET"]
    writes = [autocommit for method, autocommit in autocommit_seen if method == "POST"]
    assert len(reads) >= 6 and all(reads)  # the officer, the visit and its answers, each GET
    assert writes and not any(writes)
    stored = db.session.scalars(sa.select(Answer.value).where(Answer.process_id == visit.id)).all()
    assert stored == ["no"]


def add_user_in_request(app, method: str, email: str) -> None:
    """In a request of `method`, as its view would: add an officer and commit."""
    db.session.remove()  # as a real request's own session
    with app.test_request_context("/processes", method=method):
        app.preprocess_request()
        user = User(email=email, name="Test Officer", role="officer", team="T")
        user.set_password("test-password-1")
        db.session.add(user)
        try:
            db.session.commit()
        finally:
            db.session.rollback()
    db.session.remove()


def test_a_read_that_tries_to_write_is_refused_and_a_write_is_not(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("on SQLite reads run in the session's usual way")
    with pytest.raises(ReadOnlyRequestError, match="GET or HEAD request tried to write"):
        add_user_in_request(app, "GET", "reader@hackney.example")
    add_user_in_request(app, "POST", "writer@hackney.example")
    emails = db.session.scalars(sa.select(User.email)).all()
    assert "writer@hackney.example" in emails and "reader@hackney.example" not in emails


# --- DirectStatement: SQLAlchemy's compiled SQL and conversions, without its per-call machinery ---


def test_a_direct_statement_reads_what_sqlalchemy_reads(client):
    writer = make_token("tenures:read", "tenures:write")
    created = client.post(
        "/api/v1/tenures",
        json=tenure_payload(
            endOfTenureDate="2031-01-02", terminated={"isTerminated": True, "reasonForTermination": "Moved"}
        ),
        headers=writer,
    )
    assert created.status_code == 201, created.json
    tenure_id = uuid.UUID(created.json["id"])
    token = db.session.scalar(db.select(ApiToken))
    token.revoked_at = utcnow()
    db.session.commit()
    connection = db.session.connection()

    for direct, params in (
        (_DOCUMENT_BY_ID, {"id": tenure_id}),
        (_TOKEN_BY_HASH, {"hash": token.token_hash}),
    ):
        expected = connection.execute(direct.statement, params).one()
        row = direct.first(connection, **params)
        assert tuple(row) == tuple(expected)
        assert [type(value) for value in row] == [type(value) for value in expected]
        assert row._fields == tuple(expected._fields)

    document = _DOCUMENT_BY_ID.first(connection, id=tenure_id)
    assert isinstance(document.id, uuid.UUID) and document.is_terminated is True
    assert document.start_of_tenure_date == date(2020, 3, 19)
    assert document.end_of_tenure_date == date(2031, 1, 2)
    assert json.loads(document.api_document)["id"] == str(tenure_id)
    assert _TOKEN_BY_HASH.first(connection, hash=token.token_hash).revoked_at == token.revoked_at


def test_a_direct_statement_finding_nothing_gives_none(app):
    assert _DOCUMENT_BY_ID.first(db.session.connection(), id=uuid.uuid4()) is None
    assert _TOKEN_BY_HASH.first(db.session.connection(), hash="0" * 64) is None


def test_a_direct_read_by_id_runs_without_a_transaction(app, client, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads start no transaction anyway; the setting is for database servers")
    headers = make_token("tenures:read", "tenures:write")
    created = client.post("/api/v1/tenures", json=tenure_payload(), headers=headers)
    db.session.remove()  # as between two real requests
    seen = []
    real_first = DirectStatement.first

    def recording_first(self, connection, **params):
        seen.append(connection.connection.dbapi_connection.autocommit)
        return real_first(self, connection, **params)

    monkeypatch.setattr(DirectStatement, "first", recording_first)
    read = client.get(f"/api/v1/tenures/{created.json['id']}", headers=headers)
    assert read.status_code == 200 and read.json["id"] == created.json["id"]
    assert seen and all(seen)


def test_a_direct_statement_needs_each_parameter_it_has_no_value_for(app):
    with pytest.raises(KeyError):
        _DOCUMENT_BY_ID.first(db.session.connection())


def test_a_statement_watched_by_an_engine_event_goes_through_sqlalchemy(client):
    headers = make_token("tenures:read", "tenures:write")
    created = client.post("/api/v1/tenures", json=tenure_payload(), headers=headers)
    with statements_run() as statements:
        row = _DOCUMENT_BY_ID.first(db.session.connection(), id=uuid.UUID(created.json["id"]))
    assert row.id == uuid.UUID(created.json["id"])
    assert len(statements) == 1 and "api_document" in statements[0]


SEARCHES = [
    {"last_name": "bl"},
    {"last_name": "bloggs", "offset": 1, "limit": 1},
    {"first_name": "jo"},
    {"first_name": "s", "last_name": "bloggs"},
    {"postcode": "E8"},
    {"postcode": "e8 1", "limit": 1},
    {"last_name": "b", "postcode": "E8"},
    {"name": "bloggs"},
    {"name": "sam bloggs"},
    {"last_name": "nobody"},
]


def test_search_statements_read_what_sqlalchemy_reads(client, monkeypatch):
    """Each shape of search, run directly and through SQLAlchemy's execution, finds the same
    page, total and position (the statements hold literal values as well as parameters)."""
    headers = make_token("tenures:read", "tenures:write")
    for number, address in enumerate(["1 Mare Street, London E8 1HH", "2 Mare Street, London E8 2HH", ""]):
        members = [(f"Jo Bloggs{number}", True), ("Sam Bloggs", False)]
        response = client.post(
            "/api/v1/tenures",
            json=tenure_payload(members=members, address=address or "Somewhere"),
            headers=headers,
        )
        assert response.status_code == 201
    first = service.search_tenures(last_name="bloggs", limit=1)
    searches = [*SEARCHES, {"last_name": "bloggs", "limit": 1, "offset": 1, "after": first.last_position}]

    def pages(as_documents):
        return [
            (
                [(t.id, t.version) for t in page.tenures],
                page.count,
                page.last_position,
                [t.json for t in page.tenures] if as_documents else None,
            )
            for page in (service.search_tenures(**search, as_documents=as_documents) for search in searches)
        ]

    assert not DirectStatement._watched(db.session.connection())  # so `direct` is direct
    for as_documents in (False, True):
        direct = pages(as_documents)
        monkeypatch.setattr(DirectStatement, "_watched", staticmethod(lambda _connection: True))
        through_sqlalchemy = pages(as_documents)
        monkeypatch.undo()
        assert direct == through_sqlalchemy
        assert [len(ids) for ids, *_rest in direct] == [3, 1, 3, 3, 2, 1, 2, 3, 3, 0, 1]
        assert all(isinstance(tenure_id, uuid.UUID) for ids, *_rest in direct for tenure_id, _v in ids)


def test_a_search_by_one_name_is_one_statement(client):
    """The page, its stored documents (a join) and the name's kept count (the total, when the
    page is full or not the first) in one statement; the documents are those read by id."""
    headers = make_token("tenures:read", "tenures:write")
    for number in range(3):
        members = [(f"Jo Bloggs{number}", True)]
        assert (
            client.post("/api/v1/tenures", json=tenure_payload(members=members), headers=headers).status_code
            == 201
        )
    with statements_run() as statements:
        not_full = service.search_tenures(last_name="bloggs", as_documents=True)
        seen_for_not_full = len(statements)
        full = service.search_tenures(last_name="bloggs", limit=2, as_documents=True)
        deeper = service.search_tenures(
            last_name="bloggs", limit=2, offset=2, after=full.last_position, as_documents=True
        )
    assert seen_for_not_full == 1 and len(statements) == 3
    assert all("api_document" in sql and "name_prefix_counts" in sql for sql in statements)
    assert (not_full.count, full.count, deeper.count) == (3, 3, 3)
    by_id = service.read_tenure_documents([t.id for t in not_full.tenures])
    assert [t.json for t in not_full.tenures] == [by_id[t.id].json for t in not_full.tenures]
    assert [t.id for t in full.tenures + deeper.tenures] == [t.id for t in not_full.tenures]
    past_the_end = service.search_tenures(
        last_name="bloggs", limit=2, offset=3, after=deeper.last_position, as_documents=True
    )
    assert (past_the_end.tenures, past_the_end.count) == ([], 3)  # the kept count read apart


def test_a_search_by_postcode_alone_is_one_statement(client):
    """The page, its stored documents (a join, in the page's order) and the total in one
    statement, whether or not the page is full or the first."""
    headers = make_token("tenures:read", "tenures:write")
    for number in (3, 1, 2):
        payload = tenure_payload(address=f"Flat {number}, 12 Hillman Street, London E8 1DY")
        assert client.post("/api/v1/tenures", json=payload, headers=headers).status_code == 201
    payload = tenure_payload(address="Flat 1, 40 Mare Street, London E9 6AA")
    assert client.post("/api/v1/tenures", json=payload, headers=headers).status_code == 201
    with statements_run() as statements:
        not_full = service.search_tenures(postcode="e81dy", as_documents=True)
        full = service.search_tenures(postcode="E8 1", limit=2, as_documents=True)
        second = service.search_tenures(postcode="E8 1", limit=2, offset=2, as_documents=True)
    assert len(statements) == 3 and all("api_document" in sql for sql in statements)
    addresses = [json.loads(t.json)["tenuredAsset"]["fullAddress"] for t in not_full.tenures]
    assert addresses == [f"Flat {n}, 12 Hillman Street, London E8 1DY" for n in (1, 2, 3)]
    by_id = service.read_tenure_documents([t.id for t in not_full.tenures])
    assert [t.json for t in not_full.tenures] == [by_id[t.id].json for t in not_full.tenures]
    assert (not_full.count, full.count, second.count) == (3, 3, 3)  # E9 6AA is not counted
    assert [t.id for t in full.tenures + second.tenures] == [t.id for t in not_full.tenures]
    past_the_end = service.search_tenures(postcode="E8 1", limit=2, offset=4, as_documents=True)
    assert (past_the_end.tenures, past_the_end.count) == ([], 3)  # counted apart: no row to hold it


# --- read_connection: the busiest API reads skip the ORM session ---


@pytest.fixture
def connections_seen(app):
    """(method, whether on the request's own read connection) of each statement requests run."""
    with seen_in_requests(
        app, lambda connection, _sql: (request.method, request.environ.get(READ_CONNECTION) is connection)
    ) as seen:
        yield seen


def test_api_reads_run_on_a_connection_of_their_own_kept_between_requests(app, client, connections_seen):
    headers = make_token("tenures:read", "tenures:write")
    created = client.post("/api/v1/tenures", json=tenure_payload(), headers=headers)
    assert created.status_code == 201
    db.session.remove()  # as between two real requests
    checked_out = [engine.pool.checkedout() for engine in every_engine(app)]
    used = set()
    app.after_request_funcs.setdefault(None, []).append(remember := lambda r: used.add(read_conn()) or r)
    try:
        read = client.get(f"/api/v1/tenures/{created.json['id']}", headers=headers)
        searched = client.get("/api/v1/tenures?lastName=bloggs", headers=headers)
        healthy = client.get("/api/v1/healthcheck/ping")
    finally:
        app.after_request_funcs[None].remove(remember)

    assert (read.status_code, searched.status_code, healthy.status_code) == (200, 200, 200)
    assert searched.json["results"][0]["id"] == created.json["id"]
    assert not db.session.registry.has()  # no ORM session was opened for them
    assert len(used) == 1  # one connection, kept from one read to the next
    held = used.pop()
    assert not held.in_transaction()  # nothing left open between requests
    dbapi_connection = held.connection.dbapi_connection
    if db.engine.dialect.name == "postgresql":
        assert dbapi_connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    else:
        assert dbapi_connection.in_transaction is False
    after = [engine.pool.checkedout() for engine in every_engine(app)]
    assert sum(after) - sum(checked_out) in (0, 1)  # at most the one this thread keeps
    reads = [own for method, own in connections_seen if method == "GET"]
    writes = [own for method, own in connections_seen if method == "POST"]
    assert len(reads) >= 3 and all(reads)  # by id, the search (one statement), the health check
    assert writes and not any(writes)


def read_conn():
    return request.environ.get(READ_CONNECTION)


@pytest.fixture
def file_engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'held.sqlite'}")
    yield engine
    engine.dispose()


def test_a_held_connection_is_kept_and_what_it_began_rolled_back(file_engine):
    held = HeldReadConnections()
    first = held.take(file_engine, idle_seconds=30)
    first.execute(sa.text("SELECT 1")).scalar()  # SQLAlchemy begins a transaction
    assert first.in_transaction()
    held.put_back(first)
    assert not first.in_transaction()
    assert held.take(file_engine, idle_seconds=30) is first
    assert file_engine.pool.checkedout() == 1
    held.close(file_engine)
    assert first.closed and file_engine.pool.checkedout() == 0


def test_a_threads_held_connection_goes_back_to_the_pool_when_the_thread_ends(file_engine):
    held = HeldReadConnections()

    def one_request():
        held.put_back(held.take(file_engine, idle_seconds=30))

    thread = threading.Thread(target=one_request)
    thread.start()
    thread.join()
    assert file_engine.pool.checkedout() == 1  # until the thread is gone
    del thread
    gc.collect()
    assert file_engine.pool.checkedout() == 0


def test_a_listener_added_after_a_connection_was_kept_sees_its_statements(file_engine):
    """Instrumentation (or a test) attached to the engine later still sees what reads run."""
    held = HeldReadConnections()
    first = held.take(file_engine, idle_seconds=30)
    held.put_back(first)
    statements = []
    sa.event.listen(file_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert held.take(file_engine, idle_seconds=30) is first
    assert _TOKEN_BY_HASH._watched(first)
    first.execute(sa.text("SELECT 2")).scalar()
    assert statements == ["SELECT 2"]
    held.close(file_engine)


def test_a_held_connection_dropped_while_idle_is_replaced_before_use(postgres_url):
    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    held = HeldReadConnections()
    first = held.take(engine, idle_seconds=0)
    pid = first.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    held.put_back(first)
    assert held.take(engine, idle_seconds=3600) is first  # used a moment ago: kept, not pinged
    held.put_back(first)
    terminate(postgres_url, pid)

    second = held.take(engine, idle_seconds=0)  # idle past the threshold: pinged, found dead

    assert second is not first
    assert second.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
    held.close(engine)
    engine.dispose()


def test_a_write_reads_on_the_session_it_writes_with(client, connections_seen):
    headers = make_token("tenures:read", "tenures:write")
    created = client.post("/api/v1/tenures", json=tenure_payload(), headers=headers)
    db.session.remove()
    patched = client.patch(
        f"/api/v1/tenures/{created.json['id']}",
        json={"isSublet": True},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200 and patched.json["isSublet"] is True
    assert connections_seen and not any(own for _method, own in connections_seen)


def test_a_direct_statement_refuses_parameters_rewritten_per_call(app):
    tenures = sa.table("tenures", sa.column("id"))
    expanding = DirectStatement(
        sa.select(tenures.c.id).where(tenures.c.id.in_(sa.bindparam("ids", expanding=True)))
    )
    with pytest.raises(ValueError, match="expanding"):
        expanding.all(db.session.connection(), ids=[1, 2])


def test_api_reads_on_a_database_server_use_connections_opened_in_autocommit(app, client):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("on SQLite API reads use the app's own engine")
    engine = read_engine(app)
    assert engine is not db.engine and engine.url == db.engine.url
    with engine.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is True
        # the app's engine options (here the test schema's search_path) apply to it too
        assert (
            connection.exec_driver_sql("SHOW search_path").scalar()
            == db.session.connection().exec_driver_sql("SHOW search_path").scalar()
        )
    with db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is False  # writes keep transactions


def test_direct_statements_on_a_database_server_share_one_cursor_per_connection(postgres_url):
    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    doubled = DirectStatement(sa.select((sa.bindparam("n", type_=sa.Integer) * 2).label("doubled")))
    divided = DirectStatement(
        sa.select(sa.type_coerce(sa.bindparam("n", type_=sa.Integer) / 0, sa.Integer).label("divided"))
    )
    held = HeldReadConnections()
    connection = held.take(engine, idle_seconds=3600)
    pooled = connection.connection

    assert doubled.scalar(connection, n=2) == 4
    kept = pooled.info[_KEPT_CURSOR]
    assert doubled.all(connection, n=3) == [(6,)] and doubled.scalar(connection, n=5) == 10
    assert pooled.info[_KEPT_CURSOR] is kept  # one cursor for every call on the connection

    with pytest.raises(psycopg.errors.DivisionByZero):
        divided.scalar(connection, n=1)
    assert kept.closed and _KEPT_CURSOR not in pooled.info  # an error: that cursor is dropped
    assert doubled.scalar(connection, n=7) == 14  # and the next call makes another
    assert pooled.info[_KEPT_CURSOR] is not kept

    pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    held.put_back(connection)
    terminate(postgres_url, pid)
    replaced = held.take(engine, idle_seconds=0)  # pinged, found dead, replaced
    assert replaced is not connection
    assert doubled.scalar(replaced, n=8) == 16  # a cursor of the new connection
    assert replaced.connection.info[_KEPT_CURSOR].connection is replaced.connection.dbapi_connection
    held.close(engine)
    engine.dispose()


def test_direct_statements_on_sqlite_close_their_cursor_each_time(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own behaviour")
    connection = db.session.connection()
    assert _DOCUMENT_BY_ID.first(connection, id=uuid.uuid4()) is None
    assert _KEPT_CURSOR not in connection.connection.info  # its open statement would hold the file


def test_every_foreign_key_is_checked_on_sqlite_as_on_postgresql(app):
    """A row naming one that does not exist is refused, and deleting a visit in SQL takes its
    answers with it (ON DELETE CASCADE). SQLite does neither unless each connection asks, and
    the migrations the app fixture ran turned the check off on their connection for a while."""
    load_shipped_definitions()
    visit = start(make_tenure(), make_user())
    page_id = visit.layout_version.pages[0].id
    db.session.add(Answer(process_id=visit.id, page_id=page_id, key="tenantPresent", value="yes"))
    db.session.commit()

    db.session.add(Answer(process_id=uuid.uuid4(), page_id=page_id, key="tenantPresent", value="no"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()

    db.session.execute(sa.delete(Process).where(Process.id == visit.id))  # no ORM cascade here
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_sqlite_reads_go_on_while_a_save_commits_and_every_commit_is_synced(app):
    """The SQLite file keeps a write-ahead log: an officer's page reading in a transaction of
    its own does not hold up a save's commit (with a rollback journal the commit waited for the
    read to end, then failed after five seconds), and reads the data as it was when it began."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own behaviour")
    reader = db.engine.raw_connection()
    try:
        assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert reader.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM users").fetchone() == (0,)

        make_user()  # commits while the read is still open

        assert reader.execute("SELECT count(*) FROM users").fetchone() == (0,)  # as it began
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM users").fetchone() == (1,)
    finally:
        reader.close()
