"""How the app uses its database connections: each round trip to a database server costs as
much as the query behind a busy API call, so a call pays only for the ones it needs.

- A pooled connection is checked for life only after it has been idle a while (a server
  restart or a firewall drops idle connections; one used a moment ago is alive).
- Reads (GET and HEAD: the API's and officers' pages) run without a transaction on a database
  server: no BEGIN and no ROLLBACK around their queries, two of a process page's five round
  trips. They never write; a flush in one is refused (ReadOnlyRequestError). A read makes an ORM
  session only if its view uses one (AppSession gives it the read engine as it is made).
- The busiest reads (tenure by id, tenure search, the health check, the signed-in officer, a
  process page's visit and answers) run on a plain connection of the request's own
  (read_connection), not the ORM session: they read rows, never objects, and the session's
  life cycle would cost more than their queries.
"""

import threading
import time
import weakref
from collections import namedtuple

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine

from housing_app.extensions import READ_ONLY_BIND, SESSION_READ_ENGINE, AppSession, db

IDLE_SINCE = "housing_app_idle_since"
HELD_IDLE_SINCE = "housing_app_held_idle_since"  # in a held read connection's info
READ_CONNECTION = "housing_app.read_connection"  # in the request's WSGI environ
READ_ENGINE = "housing_app.read_engine"  # in app.extensions
_REQUIRED = object()  # a parameter the statement has no value for


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """On checkout, ping a connection that has been back in the pool for `idle_seconds` or
    more; a dead one is replaced by a new connection (the pool retries on DisconnectionError).
    SQLAlchemy's pool_pre_ping would ping on every checkout: one more round trip per request."""

    @event.listens_for(engine, "checkin")
    def remember_when_idle(_dbapi_connection, record) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get(IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping's own transaction, so the caller starts clean
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError("the pooled connection was dropped while idle") from error


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine

    @app.teardown_request
    def give_back_read_connection(_error=None):
        connection = request.environ.pop(READ_CONNECTION, None)
        if connection is not None:
            held_read_connections.put_back(connection)

    app.extensions[READ_ENGINE] = engine
    if engine.dialect.name == "sqlite":
        enforce_foreign_keys(engine)
        write_ahead_log(engine)
        return  # a file cannot drop the connection, and reads there start no transaction anyway
    ping_after_idle(engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    app.extensions[READ_ENGINE] = read_engine = autocommit_engine(
        engine, app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    ping_after_idle(read_engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])

    app.extensions[SESSION_READ_ENGINE] = read_engine  # a GET's session, once made (AppSession)

    @app.teardown_request
    def session_reads_as_it_did(_error=None):
        # The session outlives the request only where tests share it; it writes as before.
        if db.session.registry.has():
            db.session().info.pop(READ_ONLY_BIND, None)


def enforce_foreign_keys(engine: Engine) -> None:
    """Have SQLite check every foreign key, as PostgreSQL does. SQLite leaves them unchecked
    unless each connection asks: without this a visit could be saved against a tenure deleted
    a moment before, and ON DELETE CASCADE would leave its rows behind. Migrations turn the
    check off while they rebuild tables (migrations/env.py)."""

    @event.listens_for(engine, "connect")
    def check_foreign_keys(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = ON")


def write_ahead_log(engine: Engine) -> None:
    """Keep a SQLite file in write-ahead-log mode: a commit is one sync of the log, not three of
    a rollback journal and the file, and officers' pages read while a save is being written
    instead of waiting for it. `synchronous = FULL` keeps every commit on disk before it
    returns, as the rollback journal did. A database in memory has no log to keep."""
    if engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def log_ahead(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA journal_mode = WAL").fetchone()
        dbapi_connection.execute("PRAGMA synchronous = FULL")


def autocommit_engine(engine: Engine, options: dict) -> Engine:
    """An engine of the same database and options whose connections are opened in autocommit,
    for read_connection and for the session of every GET or HEAD on a database server. Lending
    the main pool's connections for reads set autocommit and the isolation level on each
    checkout and reset them on return, with the pool's rollback: psycopg's wait loop five times
    a call, about a tenth of a read by id in Python. These connections never start a
    transaction, so there is nothing to roll back."""
    options = {**options, "isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None, "echo": engine.echo}
    return create_engine(engine.url, **options)


def read_engine(app: Flask | None = None) -> Engine:
    """The engine read_connection lends from and GET and HEAD requests' sessions read on: the
    app's own on SQLite (reads there start no transaction anyway), an autocommit one on a
    database server."""
    return (app or current_app).extensions[READ_ENGINE]


def is_read() -> bool:
    """Whether this request reads only (GET or HEAD): it writes nothing."""
    return request.method in ("GET", "HEAD")


class ReadOnlyRequestError(RuntimeError):
    """A GET or HEAD request tried to write: its session reads outside any transaction."""


@event.listens_for(AppSession, "before_flush")
def refuse_writes_in_reads(session, _flush_context, _instances) -> None:
    if session.info.get(READ_ONLY_BIND) is None:
        return
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        raise ReadOnlyRequestError(
            "a GET or HEAD request tried to write to the database; reads run outside any "
            "transaction on a database server, so writes belong in a POST, PUT, PATCH or DELETE"
        )


def read_connection() -> Connection:
    """The connection to read rows on. In a read (GET or HEAD: the API's or an officer's page),
    a pooled connection of the request's own, outside any transaction on a database server,
    given back when the request ends: it skips the ORM session's life cycle (about as much
    Python as a tenure-by-id call's own work, and a seventh of a process page's time as
    served). A read writes nothing, so it has nothing of its own to see. Anywhere else (writes,
    the command line, tests calling services) the session's connection, so reads see what the
    caller has written and not yet committed."""
    if not has_request_context() or not is_read():
        return db.session.connection()
    connection = request.environ.get(READ_CONNECTION)
    if connection is None:
        idle_seconds = current_app.config["DATABASE_PING_AFTER_IDLE_SECONDS"]
        connection = held_read_connections.take(read_engine(), idle_seconds)
        request.environ[READ_CONNECTION] = connection
    return connection


class HeldReadConnections(threading.local):
    """The connection each thread reads on, kept from one read request to the next.

    Checking a connection out of the pool and back in cost a tenure-by-id call about a tenth of
    its Python (and on a database server the pool's idle check on each). Reads hold no
    transaction between requests (a database server's read connections are in autocommit; on
    SQLite anything SQLAlchemy began is rolled back at the end of the request), so keeping the
    connection costs nothing but the connection itself, one per worker thread, which the pool
    would have kept open anyway. One idle for DATABASE_PING_AFTER_IDLE_SECONDS is pinged before
    use and replaced if it was dropped, as the pool does with its own; a thread that ends gives
    its connection back to the pool."""

    def __init__(self):
        self.connections: dict[Engine, Connection] = {}
        self.finalizers: dict[Engine, weakref.finalize] = {}

    def take(self, engine: Engine, idle_seconds: float) -> Connection:
        connection = self.connections.get(engine)
        if connection is not None and self._usable(engine, connection, idle_seconds):
            return connection
        self.close(engine)
        connection = self.connections[engine] = engine.connect()
        # A thread that ends (a development server's thread per request) gives it back.
        self.finalizers[engine] = weakref.finalize(threading.current_thread(), connection.close)
        return connection

    @staticmethod
    def _usable(engine: Engine, connection: Connection, idle_seconds: float) -> bool:
        if connection.closed or connection.invalidated:
            return False
        idle_since = connection.info.get(HELD_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return True
        try:
            engine.dialect.do_ping(connection.connection.dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            connection.invalidate()
            return False
        return True

    @staticmethod
    def put_back(connection: Connection) -> None:
        """End the request's use: roll back anything SQLAlchemy began (nothing was written)."""
        if connection.closed:
            return
        if connection.invalidated:
            connection.close()
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        except exc.DBAPIError:
            connection.invalidate()  # broken: the next read takes a new one
            connection.close()
            return
        connection.info[HELD_IDLE_SINCE] = time.monotonic()

    def close(self, engine: Engine) -> None:
        """Give this thread's connection to `engine` back to its pool (before disposing of it)."""
        connection = self.connections.pop(engine, None)
        finalizer = self.finalizers.pop(engine, None)
        if finalizer is not None:
            finalizer.detach()
        if connection is not None:
            connection.close()


held_read_connections = HeldReadConnections()


def reading_apart_from_session() -> bool:
    """Whether read_connection() is a connection of its own (so it cannot see, and need not
    count, changes the session has not committed)."""
    return has_request_context() and is_read()


_KEPT_CURSOR = "housing_app.direct_statement_cursor"


def _kept_cursor(pooled):
    """The cursor DirectStatements run on over this pooled connection to a database server, made
    once: making one each time was a fifth of a read's client-side work. psycopg reads each result
    whole before execute returns, so between calls the cursor holds no statement open, only the
    last result's rows until the next. It lives in the pool's record of the connection, which
    SQLAlchemy empties when it replaces the connection."""
    cursor = pooled.info.get(_KEPT_CURSOR)
    if cursor is None or cursor.closed or cursor.connection is not pooled.dbapi_connection:
        cursor = pooled.info[_KEPT_CURSOR] = pooled.dbapi_connection.cursor()
    return cursor


class DirectStatement:
    """A SELECT that every API call runs, compiled by SQLAlchemy once per dialect and run on the
    connection's DBAPI cursor.

    SQLAlchemy's execution of a statement built once still costs about 0.15 ms each time (its
    cache key, an execution context, the result's machinery): as much as everything else a
    tenure-by-id call does in Python, and more than the query in the database. The SQL, the
    parameter conversions and the column conversions here are SQLAlchemy's own (the dialect's
    compiled string and its types' bind and result processors), so the values are the same as
    `connection.execute(statement)` gives; only the per-call machinery is skipped.
    """

    def __init__(self, statement):
        self.statement = statement
        self.columns = [column.key for column in statement.selected_columns]
        self.row_type = namedtuple("DirectRow", self.columns, rename=True)  # noqa: PYI024 - fields from the statement
        self._compiled: dict[tuple[str, str], tuple] = {}

    def _for_dialect(self, dialect) -> tuple:
        key = (dialect.name, dialect.driver)
        compiled = self._compiled.get(key)
        if compiled is None:
            sql = self.statement.compile(dialect=dialect)
            if sql.post_compile_params or sql.literal_execute_params:
                # Their SQL is rewritten per call from the values (an expanding IN list, say).
                raise ValueError("a DirectStatement cannot hold expanding or literal-execute parameters")
            order = list(sql.positiontup) if dialect.positional else None
            # name in the SQL: (the caller's parameter, the value written in the statement, conversion)
            binders = {
                name: (
                    bind.key,
                    _REQUIRED if bind.required else bind.effective_value,
                    self._type(dialect, bind.type).bind_processor(dialect),
                )
                for bind, name in sql.bind_names.items()
            }
            readers = [  # (column's index, its conversion) of the columns that have one
                (index, reader)
                for index, column in enumerate(self.statement.selected_columns)
                if (reader := self._type(dialect, column.type).result_processor(dialect, None))
            ]
            compiled = self._compiled[key] = (sql.string, order, binders, readers)
        return compiled

    @staticmethod
    def _type(dialect, type_):
        """The dialect's own version of a type (SQLite's DATE reads text into a date, say), as
        SQLAlchemy's execution uses it: a TypeDecorator keeps its own conversion on top."""
        return type_.dialect_impl(dialect)

    @staticmethod
    def _watched(connection) -> bool:
        """Whether something sees each statement the engine runs (echo, a cursor event): then
        the statement goes through SQLAlchemy's execution, so it is seen as any other."""
        if connection._echo:
            return True
        if not (connection._has_events or connection.engine._has_events):
            return False  # nothing ever listened (a served app): the quick answer
        # The listeners themselves: _has_events stays set after they are removed.
        dispatch = connection.dispatch
        return bool(
            dispatch.before_cursor_execute
            or dispatch.after_cursor_execute
            or dispatch.before_execute
            or dispatch.after_execute
        )

    def _run(self, connection, params: dict, fetch):
        sql, order, binders, readers = self._for_dialect(connection.dialect)
        # The caller's value, else the statement's own (a literal); others are ignored, as
        # SQLAlchemy ignores them.
        values = {}
        for name, (key, written, convert) in binders.items():
            value = params[key] if key in params or written is _REQUIRED else written
            values[name] = convert(value) if convert else value
        arguments = tuple(values[name] for name in order) if order is not None else values
        pooled = connection.connection
        if connection.dialect.name == "sqlite":
            # SQLite's cursor keeps its statement (and its read of the file) open until closed.
            cursor = pooled.cursor()
            try:
                cursor.execute(sql, arguments)
                return fetch(cursor), readers
            finally:
                cursor.close()
        cursor = _kept_cursor(pooled)
        try:
            cursor.execute(sql, arguments)
            return fetch(cursor), readers
        except BaseException:
            pooled.info.pop(_KEPT_CURSOR, None)  # whatever state it is in, the next call starts anew
            cursor.close()
            raise

    def _row(self, readers, row):
        """A named tuple of the row, its columns converted as SQLAlchemy converts them."""
        if not readers:
            return self.row_type._make(row)
        values = list(row)
        for index, read in readers:
            values[index] = read(values[index])
        return self.row_type._make(values)

    def first(self, connection, **params):
        """The first row (a named tuple) or None. `connection` is a SQLAlchemy Connection: its
        pooled DBAPI connection runs the statement, in whatever transaction it is in."""
        if self._watched(connection):
            return connection.execute(self.statement, params).first()
        row, readers = self._run(connection, params, lambda cursor: cursor.fetchone())
        return None if row is None else self._row(readers, row)

    def all(self, connection, **params) -> list:
        """Every row (named tuples), as first() reads one."""
        if self._watched(connection):
            return connection.execute(self.statement, params).all()
        rows, readers = self._run(connection, params, lambda cursor: cursor.fetchall())
        return [self._row(readers, row) for row in rows]

    def scalar(self, connection, **params):
        """The first column of the first row, or None."""
        row = self.first(connection, **params)
        return None if row is None else row[0]
