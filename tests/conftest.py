"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), and the roster,
registry and SLA policy the domain tests work with."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.clock import LOCAL_TZ
from frontdesk.database import make_engine
from frontdesk.migrate import upgrade_schema
from people import registry, roster
from tickets import service

pytest_plugins = ["tests.stack"]  # the `stack` fixture: real Rasa and action servers on loopback

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def _postgres_schema_url(base_url: str, schema: str) -> str:
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


def _database_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=[pytest.mark.postgres]
            + ([] if POSTGRES_URL else [pytest.mark.skip("TEST_DATABASE_URL not set")]),
        )
    )
    return params


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a fresh schema in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}")
    try:
        yield _postgres_schema_url(POSTGRES_URL, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the newest schema."""
    engine = make_engine(database_url)
    upgrade_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session
        session.rollback()


# -- the ticket store's people and clock, for the domain tests ------------------------------------
SECRET = "test-secret"
# Monday 30 November 2026, 11:00 in Bortala (Asia/Shanghai time): inside office hours.
MONDAY_11 = dt.datetime(2026, 11, 30, 11, 0, tzinfo=LOCAL_TZ)

TALENTS_CSV = """card_number,name,tier,district,phone
BZ2026A001,张教授,A类,博乐市,13900001234
BZ2026C002,李医生,C类,精河县,139-0000-5678
"""

ROSTER_YAML = """
- {id: staff-bole, name: 王窗口, role: staff, districts: [博乐市], topics: [all], telegram_user_id: 1001}
- {id: staff-jinghe, name: 赵窗口, role: staff, districts: [精河县], topics: [all], telegram_user_id: 1002}
- {id: officer-hr, name: 钱科长, role: officer, districts: [all], topics: [all], telegram_user_id: 2001}
- {id: leader-bole, name: 孙书记, role: leader, districts: [博乐市], topics: [all], telegram_user_id: 3001,
   talents: [BZ2026A001]}
- {id: leader-region, name: 周部长, role: leader, districts: [all], topics: [all], telegram_user_id: 3002}
"""


@pytest.fixture
def sla():
    return service.sla_policy(
        office_hours="10:00-14:00,16:00-20:00",
        first_response_hours=4,
        urgent_first_response_hours=1,
        resolution_hours=24,
    )


@pytest.fixture
def people(session):
    """The registry and roster above, imported."""
    assert not registry.import_csv(session, text=TALENTS_CSV, secret=SECRET).problems
    assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems
    session.commit()
    return session
