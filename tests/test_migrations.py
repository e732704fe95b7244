"""The migrations build exactly the models' schema, and undo it, on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from housing_app import create_app
from housing_app.extensions import db
from tests.conftest import drop_postgres_schema, make_postgres_schema, postgres_schema_engine_options


@pytest.fixture
def fresh_app(database, tmp_path):
    """An app on a second, empty database of the same kind as this run's."""
    name, url, _options = database
    if name == "sqlite":
        yield create_app({"ENVIRONMENT": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})
        return
    schema = make_postgres_schema(url)
    app = create_app(
        {
            "ENVIRONMENT": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": postgres_schema_engine_options(schema),
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()
    drop_postgres_schema(url, schema)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_matches_the_models_and_downgrade_removes_everything(fresh_app):
    with fresh_app.app_context():
        upgrade()
        assert table_names() == set(db.metadata.tables)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"

        downgrade(revision="base")
        assert table_names() == set()

        upgrade()  # and back up again, as a deploy after a rollback would
        assert table_names() == set(db.metadata.tables)
