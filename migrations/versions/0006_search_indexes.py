"""search indexes: tenure search answered from indexes at council scale

Revision ID: 0006_search_indexes
Revises: 0005_submission
Create Date: 2026-11-23

- household_member_name_keys: the names each household member is found by (kind "first": the
  first name; kind "last": the last word and the full name from each later word on, lower-case),
  each with a copy of the tenure's sort columns (normalised postcode, address). A name search is
  one index range over it, counted and ordered without reading the tenures, instead of
  `lower(full_name) LIKE '% smith%'` over every member. Filled here from existing members.
- A prefix index on the normalised postcode; on PostgreSQL prefix indexes use the
  `varchar_pattern_ops` class, which `LIKE 'abc%'` needs outside the "C" collation. The old
  first and last name indexes of household_members are no longer used by any query and go.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_search_indexes"
down_revision = "0005_submission"
branch_labels = None
depends_on = None

BATCH = 5000


def name_keys_for(full_name):
    """As housing_app.models.tenures.name_key_rows made them when this migration was written."""
    lowered = (full_name or "").strip().lower()
    keys = {lowered[index + 1 :] for index, char in enumerate(lowered) if char == " "}
    words = lowered.split()
    if words:
        keys.add(words[-1])
    rows = [("first", words[0][:200])] if words else []
    return rows + [("last", key[:200]) for key in sorted(keys) if key.strip()]


def upgrade():
    name_keys = op.create_table(
        "household_member_name_keys",
        sa.Column("tenure_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("postcode_normalised", sa.String(length=10), nullable=True),
        sa.Column("asset_full_address", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenure_id", "person_id"],
            ["household_members.tenure_id", "household_members.id"],
            name=op.f("fk_household_member_name_keys_tenure_id_household_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenure_id", "person_id", "kind", "name_key", name=op.f("pk_household_member_name_keys")
        ),
    )
    members = sa.table(
        "household_members",
        sa.column("tenure_id", sa.Uuid()),
        sa.column("id", sa.Uuid()),
        sa.column("full_name", sa.String()),
    )
    tenures = sa.table(
        "tenures",
        sa.column("id", sa.Uuid()),
        sa.column("postcode_normalised", sa.String()),
        sa.column("asset_full_address", sa.String()),
    )
    connection = op.get_bind()
    rows = []
    existing = connection.execute(
        sa.select(
            members.c.tenure_id,
            members.c.id,
            members.c.full_name,
            tenures.c.postcode_normalised,
            tenures.c.asset_full_address,
        ).join(tenures, tenures.c.id == members.c.tenure_id)
    ).all()
    for tenure_id, person_id, full_name, postcode, address in existing:
        rows += [
            {
                "tenure_id": tenure_id,
                "person_id": person_id,
                "kind": kind,
                "name_key": key,
                "postcode_normalised": postcode,
                "asset_full_address": address,
            }
            for kind, key in name_keys_for(full_name)
        ]
        if len(rows) >= BATCH:
            connection.execute(name_keys.insert(), rows)
            rows = []
    if rows:
        connection.execute(name_keys.insert(), rows)

    with op.batch_alter_table("household_member_name_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_household_member_name_keys_search",
            ["kind", "name_key", "postcode_normalised", "asset_full_address", "tenure_id"],
            unique=False,
            postgresql_ops={"name_key": "varchar_pattern_ops"},
        )

    with op.batch_alter_table("household_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_members_first_name"))
        batch_op.drop_index(batch_op.f("ix_household_members_last_name"))

    with op.batch_alter_table("tenures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenures_postcode_normalised"))
        batch_op.create_index(
            "ix_tenures_postcode_prefix",
            ["postcode_normalised"],
            unique=False,
            postgresql_ops={"postcode_normalised": "varchar_pattern_ops"},
        )


def downgrade():
    with op.batch_alter_table("tenures", schema=None) as batch_op:
        batch_op.drop_index("ix_tenures_postcode_prefix")
        batch_op.create_index(
            batch_op.f("ix_tenures_postcode_normalised"), ["postcode_normalised"], unique=False
        )

    with op.batch_alter_table("household_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_household_members_last_name"), ["search_last_name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_household_members_first_name"), ["search_first_name"], unique=False
        )

    with op.batch_alter_table("household_member_name_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_household_member_name_keys_search")

    op.drop_table("household_member_name_keys")
