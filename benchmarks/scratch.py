"""A PostgreSQL schema of its own for one benchmark run, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from frontdesk import database
from frontdesk.database import make_engine


@contextmanager
def scratch_schema(database_url: str) -> Iterator[str]:
    """The URL of `database_url` with a new schema first on its search path; the schema is dropped (and the
    front desk's engine disposed of) afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{database_url}{'&' if '?' in database_url else '?'}options=-csearch_path%3D{schema}"
    finally:
        database.get_engine().dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
