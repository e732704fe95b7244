"""How the app uses its database connections: each round trip to a database server costs as
much as the query behind a busy API call, so a call pays only for the ones it needs.

- A pooled connection is checked for life only after it has been idle a while (a server
  restart or a firewall drops idle connections; one used a moment ago is alive).
- API reads (GET and HEAD) run without a transaction on a database server: no BEGIN and no
  ROLLBACK around their queries. They never write.
"""

import time
from collections import namedtuple

from flask import Flask, request
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from housing_app.extensions import db

IDLE_SINCE = "housing_app_idle_since"


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
    if engine.dialect.name == "sqlite":
        return  # a file cannot drop the connection, and reads there start no transaction anyway
    ping_after_idle(engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])

    @app.before_request
    def api_reads_without_transaction():
        if request.method not in ("GET", "HEAD") or not request.path.startswith("/api/"):
            return
        if not db.session().in_transaction():  # always so, but in tests sharing their session
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


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
        self.row_type = namedtuple("DirectRow", self.columns)  # noqa: PYI024 - fields from the statement
        self._compiled: dict[tuple[str, str], tuple] = {}

    def _for_dialect(self, dialect) -> tuple:
        key = (dialect.name, dialect.driver)
        compiled = self._compiled.get(key)
        if compiled is None:
            sql = self.statement.compile(dialect=dialect)
            order = list(sql.positiontup) if dialect.positional else None
            binders = {
                name: self._type(dialect, bind.type).bind_processor(dialect)
                for name, bind in sql.binds.items()
            }
            readers = [
                self._type(dialect, column.type).result_processor(dialect, None)
                for column in self.statement.selected_columns
            ]
            compiled = self._compiled[key] = (sql.string, order, binders, readers)
        return compiled

    @staticmethod
    def _type(dialect, type_):
        """The dialect's own version of a type (SQLite's DATE reads text into a date, say), as
        SQLAlchemy's execution uses it: a TypeDecorator keeps its own conversion on top."""
        return type_.dialect_impl(dialect)

    def first(self, connection, **params):
        """The first row (a named tuple) or None. `connection` is a SQLAlchemy Connection: its
        pooled DBAPI connection runs the statement, in whatever transaction it is in."""
        sql, order, binders, readers = self._for_dialect(connection.dialect)
        values = {name: binders[name](value) if binders[name] else value for name, value in params.items()}
        arguments = tuple(values[name] for name in order) if order is not None else values
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, arguments)
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        return self.row_type(
            *(read(value) if read else value for read, value in zip(readers, row, strict=True))
        )
