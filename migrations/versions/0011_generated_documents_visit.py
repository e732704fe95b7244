"""generated documents: each one names a visit that exists

Revision ID: 0011_generated_documents_visit
Revises: 0010_officer_sessions
Create Date: 2026-12-07

A submitted visit's PDF is recorded in generated_documents by the visit's id. The column was
a plain UUID while the two tables arrived in separate changes; a foreign key now refuses a
record of a visit that does not exist, and refuses deleting a visit that has a PDF.

The app never deletes visits, so no document should name a missing one. If some do, the
upgrade stops and changes nothing: say which, so an operator can decide what to keep.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_generated_documents_visit"
down_revision = "0010_officer_sessions"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_generated_documents_process_id_processes"


def upgrade():
    missing = op.get_bind().execute(
        sa.text(
            "SELECT id, process_id FROM generated_documents AS document"
            " WHERE NOT EXISTS (SELECT 1 FROM processes WHERE processes.id = document.process_id)"
            " ORDER BY id"
        ).columns(id=sa.Uuid(), process_id=sa.Uuid())
    )
    orphans = missing.all()
    if orphans:
        listed = ", ".join(f"{document_id} (visit {process_id})" for document_id, process_id in orphans[:10])
        raise RuntimeError(
            f"{len(orphans)} generated document(s) name a visit that does not exist, so the foreign"
            f" key cannot be added: {listed}{' and more' if len(orphans) > 10 else ''}."
            " Nothing was changed. Restore those visits or remove those rows, then upgrade again."
        )
    with op.batch_alter_table("generated_documents", schema=None) as batch_op:
        batch_op.create_foreign_key(FOREIGN_KEY, "processes", ["process_id"], ["id"])


def downgrade():
    with op.batch_alter_table("generated_documents", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
