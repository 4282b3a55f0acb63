"""One SQL database for the knowledge base and the ticket store (SQLite by default)."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import DateTime, Dialect, Engine, Enum, MetaData, TypeDecorator, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from frontdesk.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment in time, stored in UTC and read back time-zone aware, on every database.

    SQLite keeps no offset: without this, a Beijing-time deadline and a UTC "now" would be compared as
    bare wall-clock strings, eight hours apart.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"a time-zone-aware datetime is required, got {value!r}")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every table the project owns."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets its folder created, WAL and foreign keys.

    Statement parameters never appear in error messages (they hold what talents wrote), and a pooled
    connection is tested before use, so the first transaction after a database restart does not fail.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_recycle=1800, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for DATABASE_URL."""
    return make_engine(get_settings().database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = (factory or get_sessionmaker())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def string_enum(cls: type[enum.Enum]) -> Enum:
    """A column of a string enum, stored as its values (portable: no native database enum)."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


def holds_lock(session: Session, *, name: str) -> bool:
    """Whether this transaction got the lock called `name` (PostgreSQL's transaction-level advisory lock,
    released at commit or rollback): of several processes doing the same periodic work (two launchers), one
    at a time does it, the others skip that turn. SQLite is one machine's database: always True."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar())
