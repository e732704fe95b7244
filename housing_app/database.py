"""How the app uses its database connections: each round trip to a database server costs as
much as the query behind a busy API call, so a call pays only for the ones it needs.

- A pooled connection is checked for life only after it has been idle a while (a server
  restart or a firewall drops idle connections; one used a moment ago is alive).
- API reads (GET and HEAD) run without a transaction on a database server: no BEGIN and no
  ROLLBACK around their queries. They never write.
"""

import time

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
