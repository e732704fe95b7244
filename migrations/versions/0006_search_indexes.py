"""search indexes: tenure search answered from indexes at council scale

Revision ID: 0006_search_indexes
Revises: 0005_submission
Create Date: 2026-11-23

- household_member_name_keys: each member's last-name search keys (the last word, and the full
  name from each later word on, lower-cased), so a last-name search is an index range instead
  of `lower(full_name) LIKE '% smith%'` over every member. Filled here from existing members.
- Prefix indexes on the first name (covering the tenure id) and the normalised postcode; on
  PostgreSQL with the `varchar_pattern_ops` class, which `LIKE 'abc%'` needs outside the "C"
  collation. The plain last-name index is no longer used by any query and goes.
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
    """As housing_app.models.tenures.name_keys_for was when this migration was written."""
    lowered = (full_name or "").strip().lower()
    keys = {lowered[index + 1 :] for index, char in enumerate(lowered) if char == " "}
    words = lowered.split()
    if words:
        keys.add(words[-1])
    return {key[:200] for key in keys if key.strip()}


def upgrade():
    name_keys = op.create_table(
        "household_member_name_keys",
        sa.Column("tenure_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenure_id", "person_id"],
            ["household_members.tenure_id", "household_members.id"],
            name=op.f("fk_household_member_name_keys_tenure_id_household_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenure_id", "person_id", "name_key", name=op.f("pk_household_member_name_keys")
        ),
    )
    members = sa.table(
        "household_members",
        sa.column("tenure_id", sa.Uuid()),
        sa.column("id", sa.Uuid()),
        sa.column("full_name", sa.String()),
    )
    connection = op.get_bind()
    rows = []
    for tenure_id, person_id, full_name in connection.execute(
        sa.select(members.c.tenure_id, members.c.id, members.c.full_name)
    ).all():
        rows += [
            {"tenure_id": tenure_id, "person_id": person_id, "name_key": key}
            for key in sorted(name_keys_for(full_name))
        ]
        if len(rows) >= BATCH:
            connection.execute(name_keys.insert(), rows)
            rows = []
    if rows:
        connection.execute(name_keys.insert(), rows)

    with op.batch_alter_table("household_member_name_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_household_member_name_keys_prefix",
            ["name_key", "tenure_id"],
            unique=False,
            postgresql_ops={"name_key": "varchar_pattern_ops"},
        )

    with op.batch_alter_table("household_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_members_first_name"))
        batch_op.drop_index(batch_op.f("ix_household_members_last_name"))
        batch_op.create_index(
            "ix_household_members_first_name_prefix",
            ["search_first_name", "tenure_id"],
            unique=False,
            postgresql_ops={"search_first_name": "varchar_pattern_ops"},
        )

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
        batch_op.drop_index("ix_household_members_first_name_prefix")
        batch_op.create_index(
            batch_op.f("ix_household_members_last_name"), ["search_last_name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_household_members_first_name"), ["search_first_name"], unique=False
        )

    with op.batch_alter_table("household_member_name_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_household_member_name_keys_prefix")

    op.drop_table("household_member_name_keys")
