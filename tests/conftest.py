"""Shared fixtures.

Every test runs on SQLite; when TEST_DATABASE_URL is set (CI sets the local PostgreSQL) every
test runs again on it. Each PostgreSQL run uses its own schema, dropped afterwards, so runs can
repeat and overlap on one server. The schema is built by the real migrations, and each test
starts from empty tables.
"""

import os
import secrets
import uuid

import pytest
import sqlalchemy as sa
from flask import g
from flask_migrate import upgrade

from housing_app import create_app
from housing_app.database import held_read_connections, read_engine
from housing_app.extensions import db as _db
from housing_app.models import ApiToken, User
from tests.html import parse

PASSWORD = "correct horse battery staple"
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def postgres_schema_engine_options(schema: str) -> dict:
    return {"connect_args": {"options": f"-csearch_path={schema}"}}


@pytest.fixture(scope="session")
def postgres_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set")
    try:
        with sa.create_engine(url).connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # CI must never pass quietly without its PostgreSQL run
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", returncode=3)
    return url


def make_postgres_schema(url: str) -> str:
    schema = f"test_{os.getpid()}_{secrets.token_hex(4)}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return schema


def drop_postgres_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database(request, tmp_path_factory):
    """(name, SQLAlchemy URL, engine options) of a fresh, empty database."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite"
        yield "sqlite", f"sqlite:///{path}", {}
        return
    url = request.getfixturevalue("postgres_url")
    schema = make_postgres_schema(url)
    yield "postgresql", url, postgres_schema_engine_options(schema)
    drop_postgres_schema(url, schema)


def test_settings(database, tmp_path_factory) -> dict:
    _name, url, engine_options = database
    files = tmp_path_factory.mktemp("files")
    return {
        "ENVIRONMENT": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "UPLOAD_FOLDER": str(files / "uploads"),
        "MAIL_OUTBOX_FOLDER": str(files / "outbox"),
        "WTF_CSRF_ENABLED": False,
    }


@pytest.fixture(scope="session")
def app(database, tmp_path_factory):
    app = create_app(test_settings(database, tmp_path_factory))

    # Tests run inside one app context, which Flask reuses for test-client requests, so `g` (and
    # the signed-in user Flask-Login caches there) would leak from one client to the next. In
    # production every request has a fresh context: start each test request the same way.
    def forget_cached_user():
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_cached_user)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        for engine in {_db.engine, read_engine(app)}:
            held_read_connections.close(engine)  # the one this thread kept for API reads
            engine.dispose()  # read_engine: API reads' autocommit pool on PostgreSQL


@pytest.fixture(autouse=True)
def app_context(app):
    """Each test runs in an app context and starts with empty tables."""
    with app.app_context():
        yield
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def make_user(role="officer", email=None, name=None, team="Estate team north") -> User:
    user = User(
        email=email or f"{role}-{uuid.uuid4().hex[:8]}@hackney.example",
        name=name or f"Test {role.title()}",
        role=role,
        team=team,
    )
    user.set_password(PASSWORD)
    _db.session.add(user)
    _db.session.commit()
    return user


@pytest.fixture
def officer():
    return make_user("officer", name="Olivia Officer")


@pytest.fixture
def manager():
    return make_user("manager", name="Marcus Manager")


def sign_in(client, user: User, password: str = PASSWORD):
    return client.post("/sign-in", data={"email": user.email, "password": password})


@pytest.fixture
def officer_client(client, officer):
    """A test client signed in as an officer, through the real sign-in form."""
    response = sign_in(client, officer)
    assert response.status_code == 302, response.get_data(as_text=True)
    client.user = officer
    return client


@pytest.fixture
def manager_client(app, manager):
    client = app.test_client()
    assert sign_in(client, manager).status_code == 302
    client.user = manager
    return client


@pytest.fixture
def get_page(officer_client):
    """GET a page as the signed-in officer and return it parsed and checked."""

    def get(url, expected_status=200):
        response = officer_client.get(url)
        assert response.status_code == expected_status, response.status_code
        return parse(response)

    return get


@pytest.fixture
def api_token():
    """Make a bearer token with the given scopes; returns the headers to send."""

    def make(*scopes: str, name="test client") -> dict:
        token, secret = ApiToken.issue(name, list(scopes))
        _db.session.add(token)
        _db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make
