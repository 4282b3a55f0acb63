"""The web chat on a real (migrated) database through Starlette's test client, with a stand-in for Rasa's
REST channel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.rasa_client import BotMessage, RasaUnavailable
from frontdesk import database
from frontdesk.config import Settings, get_settings
from frontdesk.database import session_scope
from frontdesk.migrate import upgrade_schema
from people import registry, roster
from tests.conftest import ROSTER_YAML, SECRET, TALENTS_CSV
from tickets import service
from webchat.app import create_app

ANSWER = "博乐市人才公寓：向人社局申请。\n\n依据：《博乐市人才公寓管理办法》第1版"


class RecordingRasa:
    """Rasa's REST channel as the web chat sees it: a knowledge-base answer with a button, remembered; or,
    once `down`, unavailable."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.slots: list[tuple[str, str, Any]] = []
        self.down = False

    async def send(self, sender_id: str, text: str, *, message_id: str | None = None) -> list[BotMessage]:
        self.received.append((sender_id, text))
        if self.down:
            raise RasaUnavailable("ConnectError: stopped")
        return [
            BotMessage(text=f"<b>{ANSWER}</b>", buttons=[{"title": "材料", "payload": "/ask_housing~x"}]),
            BotMessage(custom={"type": "kb_answer", "article_id": "talent-apartment-bole", "version": 1}),
        ]

    async def set_slot(self, sender_id: str, name: str, value: Any) -> None:
        self.slots.append((sender_id, name, value))

    async def close(self) -> None:
        return None


def _clear_cached_settings() -> None:
    for cached in (get_settings, database.get_engine, database.get_sessionmaker, service.default_sla):
        cached.cache_clear()


@pytest.fixture
def chat_database(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SPOOL_DIR", str(tmp_path / "spool"))
    _clear_cached_settings()
    upgrade_schema(database.get_engine())
    with session_scope() as session:
        assert not registry.import_csv(session, text=TALENTS_CSV, secret=SECRET).problems
        assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems
    yield database_url
    database.get_engine().dispose()
    _clear_cached_settings()


@pytest.fixture
def rasa() -> RecordingRasa:
    return RecordingRasa()


@pytest.fixture
def chat_settings(chat_database: str) -> Settings:
    return Settings(_env_file=None, database_url=chat_database, outbox_poll_seconds=0.1)


@pytest.fixture
def client(chat_settings: Settings, rasa: RecordingRasa) -> Iterator[TestClient]:
    with TestClient(create_app(chat_settings, rasa=rasa, deliver=False)) as test_client:
        yield test_client


def open_session(client: TestClient) -> dict[str, str]:
    """The headers of a new session's calls."""
    response = client.post("/api/session", json={})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["sender"].startswith("web:") and len(body["sender"]) == len("web:") + 22
    return {"X-Chat-Token": body["token"]}
