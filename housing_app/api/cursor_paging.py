"""Cursor (keyset) paging for lists of one target's records, as the Contracts and Activity History
APIs page: `pageSize` and `paginationToken` in, `paginationDetails.nextToken` out (null on the
last page).

Pages are cut on (created_at, id), a total order, so a walk through every page sees each record
that existed when it began exactly once, however many records are added meanwhile. Tokens are
signed (opaque to clients, and a changed one is refused) and tied to the list they came from.
"""

import uuid
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from marshmallow import Schema, fields, validate
from sqlalchemy import and_, or_

from housing_app.api.errors import ApiError
from housing_app.api.value_fields import Text
from housing_app.extensions import db

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class PageQuerySchema(Schema):
    """Query parameters every cursor-paged list shares (combine with the list's own filters)."""

    pageSize = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Results per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."},
    )
    paginationToken = Text(
        max_length=500,
        load_default=None,
        metadata={"description": "The `nextToken` of the previous page, unchanged. Omit for the first page."},
    )


class PaginationDetailsSchema(Schema):
    nextToken = fields.String(
        allow_none=True,
        metadata={"description": "Send as `paginationToken` for the next page; null on the last page."},
    )


def _serializer(list_name: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=f"page-token:{list_name}")


def encode_token(list_name: str, scope: str, created_at: datetime, record_id: uuid.UUID) -> str:
    return _serializer(list_name).dumps([scope, created_at.isoformat(), str(record_id)])


def decode_token(list_name: str, scope: str, token: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) a token points after; a 400 for anything not made by encode_token for
    this same list."""
    try:
        token_scope, created_at, record_id = _serializer(list_name).loads(token)
        if token_scope != scope:
            raise ValueError("token from another list")
        return datetime.fromisoformat(created_at), uuid.UUID(record_id)
    except (BadSignature, ValueError, TypeError):
        raise ApiError(
            400,
            "paginationToken is not valid for this list: send the nextToken of the previous page unchanged, "
            "with the same filters.",
            "The page you asked for could not be found. Start again from the first page.",
        ) from None


def keyset_page(
    statement, model, *, list_name: str, scope: str, page_size: int, token: str | None, newest_first: bool
):
    """Run `statement` (a select of `model` already filtered to one list) for one page.
    Returns (records, next_token)."""
    created_at, record_id = model.created_at, model.id
    if token:
        after_created, after_id = decode_token(list_name, scope, token)
        if newest_first:
            statement = statement.where(
                or_(created_at < after_created, and_(created_at == after_created, record_id < after_id))
            )
        else:
            statement = statement.where(
                or_(created_at > after_created, and_(created_at == after_created, record_id > after_id))
            )
    order = (created_at.desc(), record_id.desc()) if newest_first else (created_at.asc(), record_id.asc())
    records = list(db.session.scalars(statement.order_by(*order).limit(page_size + 1)))
    if len(records) <= page_size:
        return records, None
    records = records[:page_size]
    last = records[-1]
    return records, encode_token(list_name, scope, last.created_at, last.id)
