"""name search order: a name search's page read straight from the name keys' index

Revision ID: 0008_name_search_order
Revises: 0007_tenure_documents
Create Date: 2026-11-23

A search for one name used to group and sort every matching key (35,000 for "smith" at a
million tenures) to order its page by postcode and address. Now its results are ordered by
the matching name, then postcode, address and id: the order of the search index itself, so a
page is read from the index without sorting.

- household_member_name_keys.previous_key: the key before this one among the tenure's keys of
  the same kind, in (name_key, person_id) order (NULL for the first). A search keeps the
  entries whose previous_key does not start with its prefix: one per tenure, with no grouping
  (see housing_app.models.tenures.HouseholdMemberNameKey). Filled here with a window function.
- On PostgreSQL name keys compare in the "C" collation (code point order, as on SQLite), so
  the keys starting with a prefix are one contiguous range whatever the database's collation,
  and one plain index serves both LIKE 'prefix%' and the order of a page.
- The copies of the tenure's postcode and address are "" instead of NULL, so that a tenure
  without them sorts first on every database in plain index order.
- The search index gains previous_key, so a search and its count read only the index.
- name_prefix_counts: for each prefix (up to 12 characters) of any name key, how many tenures
  a search for it finds, so that the exact total of a search for a common name is one row.
  Filled here from the linked keys (one key per tenure and prefix is the one whose previous
  key does not start the same way); kept by the product's events from then on.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_name_search_order"
down_revision = "0007_tenure_documents"
branch_labels = None
depends_on = None

TABLE = "household_member_name_keys"
INDEX = "ix_household_member_name_keys_search"
NAME_KEY = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")

FILL_PREVIOUS_KEYS = """
UPDATE household_member_name_keys AS k SET previous_key = linked.previous_key
FROM (
    SELECT tenure_id, person_id, kind, name_key,
           lag(name_key) OVER (PARTITION BY tenure_id, kind ORDER BY name_key, person_id) AS previous_key
    FROM household_member_name_keys
) AS linked
WHERE linked.previous_key IS NOT NULL
  AND k.tenure_id = linked.tenure_id AND k.person_id = linked.person_id
  AND k.kind = linked.kind AND k.name_key = linked.name_key
"""


COUNTED_PREFIX_LENGTH = 12
COUNT_PREFIXES = """
INSERT INTO name_prefix_counts (kind, prefix, tenures)
SELECT kind, substr(name_key, 1, :length), count(*)
FROM household_member_name_keys
WHERE length(name_key) >= :length
  AND (previous_key IS NULL OR substr(previous_key, 1, :length) <> substr(name_key, 1, :length))
GROUP BY 1, 2
"""


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index(INDEX, table_name=TABLE)
    if postgresql:
        op.execute(
            'ALTER TABLE household_member_name_keys ALTER COLUMN name_key TYPE VARCHAR(200) COLLATE "C"'
        )
    op.add_column(TABLE, sa.Column("previous_key", NAME_KEY, nullable=True))
    op.execute(
        "UPDATE household_member_name_keys SET postcode_normalised = '' WHERE postcode_normalised IS NULL"
    )
    op.execute(
        "UPDATE household_member_name_keys SET asset_full_address = '' WHERE asset_full_address IS NULL"
    )
    op.execute(FILL_PREVIOUS_KEYS)
    op.create_index(
        INDEX,
        TABLE,
        ["kind", "name_key", "postcode_normalised", "asset_full_address", "tenure_id", "previous_key"],
        unique=False,
    )
    op.create_table(
        "name_prefix_counts",
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("prefix", NAME_KEY, nullable=False),
        sa.Column("tenures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "prefix", name=op.f("pk_name_prefix_counts")),
    )
    for length in range(1, COUNTED_PREFIX_LENGTH + 1):
        op.get_bind().execute(sa.text(COUNT_PREFIXES), {"length": length})
    if postgresql:
        # Every key row was rewritten: vacuum now (autovacuum would, later) so that searches
        # read the index alone at once instead of visiting each row to check it is visible.
        with op.get_context().autocommit_block():
            op.execute("VACUUM (ANALYZE) household_member_name_keys, name_prefix_counts")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_table("name_prefix_counts")
    op.drop_index(INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column("previous_key")
    op.execute(
        "UPDATE household_member_name_keys SET postcode_normalised = NULL WHERE postcode_normalised = ''"
    )
    op.execute(
        "UPDATE household_member_name_keys SET asset_full_address = NULL WHERE asset_full_address = ''"
    )
    if postgresql:
        op.execute(
            'ALTER TABLE household_member_name_keys ALTER COLUMN name_key TYPE VARCHAR(200) COLLATE "default"'
        )
    op.create_index(
        INDEX,
        TABLE,
        ["kind", "name_key", "postcode_normalised", "asset_full_address", "tenure_id"],
        unique=False,
        postgresql_ops={"name_key": "varchar_pattern_ops"},
    )
