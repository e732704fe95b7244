"""tenure documents: each tenure's Tenure API JSON stored with it

Revision ID: 0007_tenure_documents
Revises: 0006_search_indexes
Create Date: 2026-11-23

- tenures.api_document: the tenure as GET /api/v1/tenures/{id} shows it, without isActive,
  as JSON text (see housing_app.services.tenure_documents). Filled here for existing tenures,
  in batches, by the product's own function: the document is whatever the API shows today,
  and a tenure left without one is still served, from its rows.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_tenure_documents"
down_revision = "0006_search_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tenures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_document", sa.Text(), nullable=True))

    from housing_app.services.tenure_documents import fill_missing_documents

    fill_missing_documents(op.get_bind())


def downgrade():
    with op.batch_alter_table("tenures", schema=None) as batch_op:
        batch_op.drop_column("api_document")
