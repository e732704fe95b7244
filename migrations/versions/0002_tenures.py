"""tenures: a version number for optimistic locking (ETag / If-Match)

Revision ID: 0002_tenures
Revises: 0001_foundation
Create Date: 2026-11-23

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_tenures"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tenures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("tenures", schema=None) as batch_op:
        batch_op.drop_column("version")
