"""one answer per question: a visit keeps one answer for each question and household member

Revision ID: 0009_one_answer_per_question
Revises: 0008_name_search_order
Create Date: 2026-12-05

Two saves of the same page at once (an officer's double click, or the API and a browser) each
read the visit's answers before either wrote, and each added the answers it did not find: the
visit then held two answers to one question, and later saves changed only one of them. Saves of
one visit now take turns (housing_app.processes.service.load_visit_for_save), and two unique
indexes allow one answer per question about the household (contact_id NULL) and one per
question and member, whatever writes them.

Existing duplicates are removed first, keeping the answer saved last (the latest updated_at,
then the greatest id), which is the one the pages and the PDF showed.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_one_answer_per_question"
down_revision = "0008_name_search_order"
branch_labels = None
depends_on = None

TABLE = "process_answers"
HOUSEHOLD_INDEX = "ux_process_answers_household_question"
MEMBER_INDEX = "ux_process_answers_member_question"


def upgrade():
    # Every answer with a later one to the same question (same visit, key and member) goes.
    op.execute(
        sa.text(
            """
            DELETE FROM process_answers
            WHERE EXISTS (
                SELECT 1 FROM process_answers AS later
                WHERE later.process_id = process_answers.process_id
                  AND later.key = process_answers.key
                  AND (later.contact_id = process_answers.contact_id
                       OR (later.contact_id IS NULL AND process_answers.contact_id IS NULL))
                  AND (later.updated_at > process_answers.updated_at
                       OR (later.updated_at = process_answers.updated_at
                           AND later.id > process_answers.id))
            )
            """
        )
    )
    household = sa.text("contact_id IS NULL")
    member = sa.text("contact_id IS NOT NULL")
    op.create_index(
        HOUSEHOLD_INDEX,
        TABLE,
        ["process_id", "key"],
        unique=True,
        sqlite_where=household,
        postgresql_where=household,
    )
    op.create_index(
        MEMBER_INDEX,
        TABLE,
        ["process_id", "key", "contact_id"],
        unique=True,
        sqlite_where=member,
        postgresql_where=member,
    )


def downgrade():
    op.drop_index(MEMBER_INDEX, table_name=TABLE)
    op.drop_index(HOUSEHOLD_INDEX, table_name=TABLE)
