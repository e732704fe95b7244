"""A visit as showing one of its pages reads it: a read-only ProcessView, not an ORM Process.

Every GET of a process page read the visit as an ORM object (the session, its identity map, the
loader's machinery, the process type joined in) and its answers through the session again: half
of what a signed-in page costs beyond the sign-in check, for a page that only reads. So a page
GET reads the visit's row, its type's name, its officer's team and (when the page shows them)
its answers in one precompiled statement on the request's read connection: the same values,
read-only. Saving a page, the task list and the review still load the Process.
"""

import re
import uuid
from datetime import datetime

from sqlalchemy import JSON, Select, bindparam, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from housing_app.auth.signed_in import NOT_READ, ReadAlongside, read_alongside_officer, row_read_alongside
from housing_app.database import DirectStatement, read_connection
from housing_app.models import Answer, Process, ProcessType, User

_PROCESSES = Process.__table__
_TYPES = ProcessType.__table__
_USERS = User.__table__
_ANSWERS = Answer.__table__

_PROCESS_COLUMNS = (
    _PROCESSES.c.id,
    _PROCESSES.c.reference,
    _PROCESSES.c.status,
    _PROCESSES.c.submitted_at,
    _PROCESSES.c.created_at,
    _PROCESSES.c.updated_at,
    _PROCESSES.c.tenure_id,
    _PROCESSES.c.layout_version_id,
    _PROCESSES.c.officer_id,
    _PROCESSES.c.tenure_snapshot,
    _TYPES.c.code.label("type_code"),
    _TYPES.c.name.label("type_name"),
    _USERS.c.team.label("officer_team"),
)


class answer_rows_json(FunctionElement):  # noqa: N801 - named as SQL functions are
    """The visit's answers as one JSON array of [key, contact_id, value] (NULL or [] for none).

    Read as rows, a page's answers cost a second round trip and, in Python, a UUID and a JSON
    value made for each row. On PostgreSQL (psycopg alone, 68 answers) the visit's row took
    74 us, the row then its answers 321 us, both in one statement with the answers as one JSON
    text, parsed once, 154 us."""

    type = JSON()
    inherit_cache = True
    name = "answer_rows_json"


@compiles(answer_rows_json, "postgresql")
def _answer_rows_json_postgresql(element, compiler, **kw):
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(answer_rows_json, "sqlite")
def _answer_rows_json_sqlite(element, compiler, **kw):
    # The value column holds JSON text there: json() keeps it JSON rather than a string.
    key, contact_id, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"json_group_array(json_array({key}, {contact_id}, json({value})))"


# A submitted visit's pages do not show its answers (Process.is_submitted): they are read if asked for.
_ANSWERS_JSON = (
    select(answer_rows_json(_ANSWERS.c.key, _ANSWERS.c.contact_id, _ANSWERS.c.value))
    .where(_ANSWERS.c.process_id == _PROCESSES.c.id, _PROCESSES.c.status != "submitted")
    .scalar_subquery()
    .label("answers_json")
)


def _process_by_id(*extra_columns) -> Select:
    return (
        select(*_PROCESS_COLUMNS, *extra_columns)
        .join(_TYPES, _TYPES.c.id == _PROCESSES.c.process_type_id)
        .outerjoin(_USERS, _USERS.c.id == _PROCESSES.c.officer_id)
        .where(_PROCESSES.c.id == bindparam("process_id"))
    )


_VISIT = _process_by_id()
_VISIT_WITH_ANSWERS = _process_by_id(_ANSWERS_JSON)
_PROCESS_BY_ID = DirectStatement(_VISIT)
_PROCESS_WITH_ANSWERS_BY_ID = DirectStatement(_VISIT_WITH_ANSWERS)
_ANSWERS_OF_PROCESS = DirectStatement(
    select(_ANSWERS.c.key, _ANSWERS.c.contact_id, _ANSWERS.c.value).where(
        _ANSWERS.c.process_id == bindparam("process_id")
    )
)


class ProcessTypeName:
    """The visit's type as its pages name it."""

    __slots__ = ("code", "name")

    def __init__(self, code: str, name: str):
        self.code = code
        self.name = name


class OfficerTeam:
    """The visit's officer as the access check reads them (can_access: a manager's team)."""

    __slots__ = ("id", "team")

    def __init__(self, officer_id: uuid.UUID, team: str | None):
        self.id = officer_id
        self.team = team


class ProcessView:
    """What a process page's GET reads of a Process, under the same names (the page view, its
    form, skeletons and template take either). Read-only; its answers are read when first asked
    for (a submitted visit's page does not show them)."""

    __slots__ = (
        "id",
        "reference",
        "status",
        "submitted_at",
        "created_at",
        "updated_at",
        "tenure_id",
        "layout_version_id",
        "officer_id",
        "tenure_snapshot",
        "process_type",
        "officer",
        "household_members",
        "address",
        "_answer_values",
    )

    def __init__(self, row):
        self.id: uuid.UUID = row.id
        self.reference: str = row.reference
        self.status: str = row.status
        self.submitted_at: datetime | None = row.submitted_at
        self.created_at: datetime = row.created_at
        self.updated_at: datetime = row.updated_at
        self.tenure_id: uuid.UUID = row.tenure_id
        self.layout_version_id: uuid.UUID = row.layout_version_id
        self.officer_id: uuid.UUID = row.officer_id
        self.tenure_snapshot: dict = row.tenure_snapshot
        self.process_type = ProcessTypeName(row.type_code, row.type_name)
        self.officer = OfficerTeam(row.officer_id, row.officer_team)
        # Process's properties, worked out once: the pages read them several times.
        self.household_members: list[dict] = Process.household_members.fget(self)
        self.address: str = Process.address.fget(self)
        self._answer_values: dict | None = None

    is_submitted = Process.is_submitted

    def answer_values(self) -> dict[tuple[str, str | None], object]:
        """{(key, contact_id): value} of the visit's stored answers, as service.answer_values
        gives them for a Process."""
        if self._answer_values is None:
            rows = _ANSWERS_OF_PROCESS.all(read_connection(), process_id=self.id)
            self._answer_values = {
                (key, str(contact_id) if contact_id else None): value for key, contact_id, value in rows
            }
        return self._answer_values

    def __repr__(self) -> str:
        return f"<ProcessView {self.id}>"


def answers_from_json(answers: list | None) -> dict[tuple[str, str | None], object]:
    """answer_values from answer_rows_json's array. A contact id is text there, as the database
    writes a UUID (SQLite: 32 hex digits): given in the form str(UUID) writes."""
    values = {}
    for key, contact_id, value in answers or ():
        if contact_id is not None and len(contact_id) != 36:
            contact_id = _dashed_uuid(contact_id)
        values[key, contact_id] = value
    return values


_UUID_HEX = re.compile("[0-9a-f]{32}")


def _dashed_uuid(text: str) -> str:
    """str(UUID(text)). Sliced when the text is 32 hex digits, as SQLite's Uuid column writes
    them: a third of the time. A page showing 18 members' answers makes 18: about 40 us less."""
    if _UUID_HEX.fullmatch(text):
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return str(uuid.UUID(text))


def read_visit_alongside_officer(endpoint: str, with_answers: bool = False) -> None:
    """Read the visit named by the URL's process_id in the signed-in officer's statement, for
    read requests to `endpoint` (a view that starts with read_process_view, as asked here)."""
    read_alongside_officer(
        ReadAlongside(endpoint, "process_id", _VISIT_WITH_ANSWERS if with_answers else _VISIT)
    )


def read_process_view(process_id: uuid.UUID, with_answers: bool = False) -> ProcessView | None:
    """The visit with this id as a ProcessView, or None if there is none. `with_answers`: its
    answers are read in the same statement, for a page that will show them (unless the visit
    is submitted: its pages show none). Read alongside the officer when the request did."""
    row = row_read_alongside(_VISIT_WITH_ANSWERS if with_answers else _VISIT, process_id)
    if row is NOT_READ:
        statement = _PROCESS_WITH_ANSWERS_BY_ID if with_answers else _PROCESS_BY_ID
        row = statement.first(read_connection(), process_id=process_id)
    if row is None or row.id is None:
        return None
    process = ProcessView(row)
    if with_answers and not process.is_submitted:
        process._answer_values = answers_from_json(row.answers_json)
    return process
