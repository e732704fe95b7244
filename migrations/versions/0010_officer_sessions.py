"""officer sessions: signing out ends the session on the server, not only in the browser

Revision ID: 0010_officer_sessions
Revises: 0009_one_answer_per_question
Create Date: 2026-12-05

An officer's session cookie is signed, not stored: a copy of it taken before sign-out (from a
shared computer, say) signed in again until it expired. Each sign-in now keeps a row here,
named by the SHA-256 of a random secret the cookie holds; every signed-in request checks the
row is still here, and signing out deletes it.

Sessions signed in before this revision have no row, so their officers sign in once more.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_officer_sessions"
down_revision = "0009_one_answer_per_question"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "officer_sessions",
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_officer_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("secret_hash", name=op.f("pk_officer_sessions")),
    )
    with op.batch_alter_table("officer_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officer_sessions_signed_in_at"), ["signed_in_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_officer_sessions_user_id"), ["user_id"], unique=False)


def downgrade():
    # Sessions go back to being the cookie alone: everyone stays signed in as before.
    with op.batch_alter_table("officer_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officer_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_officer_sessions_signed_in_at"))
    op.drop_table("officer_sessions")
