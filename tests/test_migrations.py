"""The migrations build exactly the models' schema, and undo it, on SQLite and PostgreSQL."""

import json
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command as alembic_command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from housing_app import create_app
from housing_app.extensions import db
from housing_app.models import Answer, GeneratedDocument
from housing_app.processes.loader import load_shipped_definitions
from tests.conftest import (
    drop_postgres_schema,
    make_postgres_schema,
    make_user,
    postgres_schema_engine_options,
)
from tests.processes.conftest import TENANT_ID, make_tenure, start

# Tables as the early revisions have them, for rows written below the models.
TENURES = sa.table(
    "tenures",
    sa.column("id", sa.Uuid()),
    sa.column("is_terminated", sa.Boolean()),
    sa.column("version", sa.Integer()),  # from 0002
    sa.column("postcode_normalised", sa.String()),
    sa.column("asset_full_address", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
HOUSEHOLD_MEMBERS = sa.table(
    "household_members",
    sa.column("tenure_id", sa.Uuid()),
    sa.column("id", sa.Uuid()),
    sa.column("type", sa.String()),
    sa.column("full_name", sa.String()),
    sa.column("is_responsible", sa.Boolean()),
)


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


def test_search_indexes_migration_fills_the_name_keys_of_existing_members(fresh_app):
    """0006 builds household_member_name_keys from the members already there; its downgrade
    removes the table and leaves the members."""
    tenure_id, person_id = uuid.uuid4(), uuid.uuid4()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with fresh_app.app_context():
        upgrade(revision="0005_submission")
        with db.engine.begin() as connection:
            connection.execute(
                TENURES.insert().values(
                    id=tenure_id,
                    is_terminated=False,
                    version=1,
                    created_at=now,
                    updated_at=now,
                    postcode_normalised="E81HH",
                    asset_full_address="1 Mare Street, London E8 1HH",
                )
            )
            connection.execute(
                HOUSEHOLD_MEMBERS.insert().values(
                    tenure_id=tenure_id,
                    id=person_id,
                    type="person",
                    full_name="Ana Maria De Souza",
                    is_responsible=True,
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            keys = connection.execute(
                sa.text(
                    "SELECT kind, name_key, postcode_normalised, asset_full_address "
                    "FROM household_member_name_keys ORDER BY kind, name_key"
                )
            ).all()
            address = ("E81HH", "1 Mare Street, London E8 1HH")
            assert [tuple(k) for k in keys] == [
                ("first", "ana", *address),
                ("last", "de souza", *address),
                ("last", "maria de souza", *address),
                ("last", "souza", *address),
            ]
        downgrade(revision="0005_submission")
        assert "household_member_name_keys" not in table_names()
        with db.engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(HOUSEHOLD_MEMBERS)).scalar() == 1


def test_tenure_documents_migration_fills_the_document_of_existing_tenures(fresh_app):
    """0007 stores each existing tenure's API JSON (as the product makes it); the API then
    serves that text. Its downgrade drops the column and keeps the tenures."""
    from housing_app.services.tenures import read_tenure, tenure_to_json

    tenure_id = uuid.uuid4()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with fresh_app.app_context():
        upgrade(revision="0006_search_indexes")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO tenures (id, is_terminated, version, created_at, updated_at, "
                    "asset_full_address, payment_reference) VALUES (:id, :no, 1, :now, :now, :address, '77')"
                ),
                {
                    "id": tenure_id.hex if db.engine.dialect.name == "sqlite" else tenure_id,
                    "no": False,
                    "now": now,
                    "address": "1 Mare Street, London E8 1HH",
                },
            )
        upgrade()
        with db.engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT api_document FROM tenures")).scalar_one()
        expected = tenure_to_json(read_tenure(tenure_id))
        del expected["isActive"]
        db.session.remove()  # its transaction would hold a lock that the downgrade's ALTER waits for
        assert json.loads(stored) == expected
        assert json.loads(stored)["paymentReference"] == "77"
        downgrade(revision="0006_search_indexes")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM tenures")).scalar_one() == 1
            columns = {c["name"] for c in sa.inspect(connection).get_columns("tenures")}
        assert "api_document" not in columns


def test_name_search_order_migration_links_the_keys_of_existing_members(fresh_app):
    """0008 links each tenure's name keys (previous_key) and gives tenures without a postcode
    or address "" in the key rows; its downgrade puts the columns back as they were."""
    from housing_app.services.tenures import search_tenures

    tenure_id = uuid.uuid4()
    people = {uuid.uuid4(): "Mo Ali", uuid.uuid4(): "Mona Ali"}
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with fresh_app.app_context():
        upgrade(revision="0007_tenure_documents")
        sqlite = db.engine.dialect.name == "sqlite"

        def uid(value):
            return value.hex if sqlite else value

        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO tenures (id, is_terminated, version, created_at, updated_at, "
                    "asset_full_address) "
                    "VALUES (:id, :no, 1, :now, :now, 'A boat on the Lea')"
                ),
                {"id": uid(tenure_id), "no": False, "now": now},
            )
            for person_id, full_name in people.items():
                connection.execute(
                    sa.text(
                        "INSERT INTO household_members (tenure_id, id, type, full_name, is_responsible) "
                        "VALUES (:tenure, :id, 'person', :name, :no)"
                    ),
                    {"tenure": uid(tenure_id), "id": uid(person_id), "name": full_name, "no": False},
                )
                first, last = full_name.lower().split()
                for kind, key in (("first", first), ("last", last)):
                    connection.execute(
                        sa.text(
                            "INSERT INTO household_member_name_keys (tenure_id, person_id, kind, name_key, "
                            "postcode_normalised, asset_full_address) "
                            "VALUES (:tenure, :id, :kind, :key, NULL, 'A boat on the Lea')"
                        ),
                        {"tenure": uid(tenure_id), "id": uid(person_id), "kind": kind, "key": key},
                    )
        upgrade()
        query = (
            "SELECT kind, name_key, previous_key, postcode_normalised FROM household_member_name_keys "
            "ORDER BY kind, name_key, previous_key"
        )
        with db.engine.connect() as connection:
            keys = [tuple(row) for row in connection.execute(sa.text(query))]
        assert sorted(keys, key=str) == sorted(
            [
                ("first", "mo", None, ""),
                ("first", "mona", "mo", ""),
                ("last", "ali", None, ""),
                ("last", "ali", "ali", ""),  # the tenure's second Ali: not the first of its kind
            ],
            key=str,
        )
        with db.engine.connect() as connection:
            counts = dict(
                ((kind, prefix), tenures)
                for kind, prefix, tenures in connection.execute(
                    sa.text("SELECT kind, prefix, tenures FROM name_prefix_counts")
                )
            )
        assert counts == {
            ("first", "m"): 1,
            ("first", "mo"): 1,
            ("first", "mon"): 1,
            ("first", "mona"): 1,
            ("last", "a"): 1,
            ("last", "al"): 1,
            ("last", "ali"): 1,
        }
        for criteria in ({"first_name": "mo"}, {"last_name": "ali"}):
            page = search_tenures(**criteria)
            assert (page.count, [t.id for t in page.tenures]) == (1, [tenure_id]), criteria
        db.session.remove()

        downgrade(revision="0007_tenure_documents")
        with db.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("household_member_name_keys")}
            postcodes = connection.execute(
                sa.text("SELECT DISTINCT postcode_normalised FROM household_member_name_keys")
            ).all()
        assert "previous_key" not in columns
        assert postcodes == [(None,)]


def test_one_answer_per_question_migration_keeps_the_answer_saved_last(fresh_app):
    """0009 removes an answer with a later one to the same question (same visit, key and
    member), then refuses a second answer; its downgrade drops the indexes again."""
    with fresh_app.app_context():
        upgrade(revision="0008_name_search_order")
        load_shipped_definitions()
        visit = start(make_tenure(), make_user())
        page_id = visit.layout_version.pages[0].id

        def answer(key, value, when, member=None):
            saved = Answer(process_id=visit.id, page_id=page_id, key=key, value=value, contact_id=member)
            saved.updated_at = datetime(2026, 1, when, tzinfo=UTC)
            return saved

        db.session.add_all(
            [
                answer("tenantPresent", "no", 1),
                answer("tenantPresent", "yes", 2),  # saved last: kept
                answer("memberPresent", "yes", 3, TENANT_ID),  # saved last: kept
                answer("memberPresent", "no", 1, TENANT_ID),
                answer("interpreterUsed", "no", 1),  # the only one: kept
            ]
        )
        db.session.commit()
        visit_id = visit.id
        db.session.remove()

        upgrade()
        kept = {
            (a.key, a.contact_id): a.value
            for a in db.session.scalars(db.select(Answer).where(Answer.process_id == visit_id))
        }
        assert kept == {
            ("tenantPresent", None): "yes",
            ("memberPresent", TENANT_ID): "yes",
            ("interpreterUsed", None): "no",
        }
        for member in (None, TENANT_ID):
            db.session.add(answer("tenantPresent" if member is None else "memberPresent", "again", 4, member))
            with pytest.raises(sa.exc.IntegrityError):
                db.session.commit()
            db.session.rollback()

        downgrade(revision="0008_name_search_order")
        indexes = {index["name"] for index in sa.inspect(db.engine).get_indexes("process_answers")}
        assert "ux_process_answers_household_question" not in indexes
        assert "ux_process_answers_member_question" not in indexes
        db.session.remove()


def test_officer_sessions_migration_adds_the_sessions_table_and_its_downgrade_removes_it(fresh_app):
    """0010 adds officer_sessions (a sign-in's row, removed at sign-out); its downgrade drops
    it and leaves the officers as they were."""
    with fresh_app.app_context():
        upgrade(revision="0009_one_answer_per_question")
        assert "officer_sessions" not in table_names()
        officer = make_user("officer")
        upgrade(revision="0010_officer_sessions")
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("officer_sessions")}
        assert columns == {"secret_hash", "user_id", "signed_in_at"}
        indexes = {index["name"] for index in sa.inspect(db.engine).get_indexes("officer_sessions")}
        assert {"ix_officer_sessions_user_id", "ix_officer_sessions_signed_in_at"} <= indexes
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO officer_sessions (secret_hash, user_id, signed_in_at) VALUES (:h, :u, :t)"
                ),
                {
                    "h": "f" * 64,
                    "u": officer.id.hex if db.engine.dialect.name == "sqlite" else officer.id,
                    "t": datetime.now(UTC).replace(tzinfo=None),
                },
            )
        db.session.remove()  # its transaction would hold a lock that the downgrade's DROP waits for

        downgrade(revision="0009_one_answer_per_question")
        assert "officer_sessions" not in table_names()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM users")).scalar() == 1

        upgrade()
        assert "officer_sessions" in table_names()


def test_a_table_rebuilt_by_a_migration_keeps_the_rows_that_refer_to_it(fresh_app):
    """0002's downgrade rebuilds tenures on SQLite (copy, drop the old table, rename). The app's
    connections check foreign keys, and with the check on that drop would cascade into every
    household member; env.py turns it off for migrations and on again for the app after them."""
    with fresh_app.app_context():
        upgrade(revision="0002_tenures")
        tenure_id, now = uuid.uuid4(), datetime.now(UTC)
        with db.engine.begin() as connection:
            connection.execute(
                TENURES.insert().values(id=tenure_id, is_terminated=False, created_at=now, updated_at=now)
            )
            connection.execute(
                HOUSEHOLD_MEMBERS.insert().values(
                    tenure_id=tenure_id,
                    id=uuid.uuid4(),
                    type="person",
                    full_name="Ann Smith",
                    is_responsible=True,
                )
            )

        downgrade(revision="0001_foundation")
        with db.engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(HOUSEHOLD_MEMBERS)).scalar() == 1
            if db.engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        upgrade()


def test_generated_documents_migration_refuses_a_document_of_no_visit_and_its_downgrade_allows_one(
    fresh_app,
):
    """0011 adds the foreign key from a generated document to its visit. A document naming a
    visit that does not exist stops the upgrade with the rows to look at, changing nothing;
    once it is gone the upgrade adds the key, which the downgrade removes again."""

    def document(process_id) -> GeneratedDocument:
        key = uuid.uuid4().hex
        return GeneratedDocument(
            process_id=process_id, storage_key=key, filename=f"{key}.pdf", size=1, sha256="0" * 64
        )

    def revision() -> str:
        with db.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    with fresh_app.app_context():
        upgrade(revision="0010_officer_sessions")
        load_shipped_definitions()
        visit = start(make_tenure(), make_user())
        kept, orphan = document(visit.id), document(uuid.uuid4())
        db.session.add_all([kept, orphan])
        db.session.commit()
        kept_id, orphan_id, missing_visit_id = kept.id, orphan.id, orphan.process_id
        db.session.remove()

        # Alembic's own command, which raises what `flask db upgrade` prints before exiting 1.
        refused = f"1 generated document.*{orphan_id} .visit {missing_visit_id}.*Nothing was changed"
        with pytest.raises(RuntimeError, match=refused):
            alembic_command.upgrade(fresh_app.extensions["migrate"].migrate.get_config(), "head")
        assert revision() == "0010_officer_sessions"
        assert set(db.session.scalars(db.select(GeneratedDocument.id))) == {kept_id, orphan_id}

        db.session.execute(db.delete(GeneratedDocument).where(GeneratedDocument.id == orphan_id))
        db.session.commit()
        db.session.remove()
        upgrade()
        assert revision() == "0011_generated_documents_visit"
        db.session.add(document(uuid.uuid4()))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()

        downgrade(revision="0010_officer_sessions")
        db.session.add(document(uuid.uuid4()))
        db.session.commit()  # no key to refuse it
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GeneratedDocument)) == 2
        db.session.remove()
