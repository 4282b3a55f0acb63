"""The back office on a real (migrated) database through Starlette's test client: people signed in by the
login form, as a browser does."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from backoffice import accounts
from backoffice.app import create_app
from frontdesk import database
from frontdesk.config import Settings, get_settings
from frontdesk.database import session_scope
from frontdesk.migrate import upgrade_schema
from people import registry, roster
from tests.conftest import ROSTER_YAML, SECRET, TALENTS_CSV
from tickets import service

PASSWORD = "correct horse battery"
PEOPLE = ("staff-bole", "staff-jinghe", "officer-hr", "leader-bole", "leader-region")
ADMIN = "officer-hr"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _clear_cached_settings() -> None:
    for cached in (get_settings, database.get_engine, database.get_sessionmaker, service.default_sla):
        cached.cache_clear()


@pytest.fixture
def office_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The roster and registry of tests/conftest.py, an account for each person (officer-hr an admin)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    _clear_cached_settings()
    upgrade_schema(database.get_engine())
    with session_scope() as session:
        assert not registry.import_csv(session, text=TALENTS_CSV, secret=SECRET).problems
        assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems
        for person_id in PEOPLE:
            accounts.create_account(session, person_id=person_id, password=PASSWORD, admin=person_id == ADMIN)
    yield database_url
    database.get_engine().dispose()
    _clear_cached_settings()


@pytest.fixture
def app(office_database: str):
    """The application as in the local demo, on plain http (see test_pages for the HTTPS settings)."""
    return create_app(Settings(_env_file=None, database_url=office_database, backoffice_secure_cookies=False))


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(client: TestClient, person_id: str, password: str = PASSWORD):
    """The login form, filled in and sent; returns the response to the POST."""
    form = client.get("/login")
    return client.post(
        "/login",
        data={"person_id": person_id, "password": password, "csrf": csrf_of(form.text), "next": "/queue"},
        follow_redirects=False,
    )


@pytest.fixture
def browser(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        yield client


def new_ticket(
    *, district: str = "博乐市", topic: str = "housing", question: str = "人才公寓怎么申请？"
) -> str:
    with session_scope() as session:
        return service.create_ticket(
            session,
            channel="telegram",
            sender_id="telegram:42",
            question=question,
            reason="talent_request",
            sla=service.default_sla(),
            district=district,
            topic=topic,
            card_number="BZ2026A001" if district == "博乐市" else None,
            transcript=[
                {"who": "talent", "text": question},
                {"who": "bot", "text": "<b>抱歉</b>，我转人工。"},
            ],
        ).id
