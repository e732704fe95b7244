"""answer_values reads plain rows when the answers are not loaded, and the loaded answers (with
any unflushed change) when they are: both give the same values."""

import sqlalchemy as sa

from housing_app.extensions import db
from housing_app.models import Answer, Process
from housing_app.processes.service import answer_values
from tests.processes.complete import answer_every_question


def test_rows_and_loaded_answers_give_the_same_values(thc):
    answer_every_question(thc)
    process_id = thc.id
    db.session.expire_all()
    process = db.session.get(Process, process_id)
    assert "answers" in sa.inspect(process).unloaded
    from_rows = answer_values(process)
    assert "answers" in sa.inspect(process).unloaded  # no objects were loaded for it
    assert len(process.answers) == len(from_rows) > 50
    from_objects = answer_values(process)
    assert from_rows == from_objects
    assert any(contact_id for _key, contact_id in from_rows)
    assert any(isinstance(value, list) for value in from_rows.values())


def test_loaded_answers_include_changes_not_yet_flushed(thc):
    with db.session.no_autoflush:
        thc.answers.append(Answer(page_id=thc.layout_version.pages[0].id, key="tenantPresent", value="yes"))
        assert answer_values(thc)[("tenantPresent", None)] == "yes"
    db.session.rollback()
