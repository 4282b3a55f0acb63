"""The Telegram bot, polling a fake Bot API server on loopback, on a real (migrated) database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import SecretStr
from telegram.ext import Application

from frontdesk import database
from frontdesk.config import Settings, get_settings
from frontdesk.migrate import upgrade_schema
from launcher.serve import free_port
from tests.fake_bot_api import FakeBotApi
from tests.telegram.running import running_bot

STAFF_CHAT_ID = -1001000000001


def _clear_cached_settings() -> None:
    for cached in (get_settings, database.get_engine, database.get_sessionmaker):
        cached.cache_clear()


@pytest.fixture
def bot_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated database that the bot's process-wide settings point at (SQLite and PostgreSQL)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    _clear_cached_settings()
    upgrade_schema(database.get_engine())
    yield database_url
    _clear_cached_settings()


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
def bot_settings(fake_api: FakeBotApi, bot_database: str) -> Settings:
    """Settings of a bot talking to the fake Bot API; no Rasa server listens at its Rasa port."""
    return Settings(
        database_url=bot_database,
        telegram_bot_token=SecretStr(fake_api.token),
        telegram_api_base_url=fake_api.base_url,
        staff_chat_id=STAFF_CHAT_ID,
        rasa_port=free_port(),
        rasa_timeout_seconds=2,
    )


@pytest.fixture
async def bot(bot_settings: Settings) -> AsyncIterator[Application]:
    async with running_bot(bot_settings) as application:
        yield application


@pytest.fixture
async def stack_bot(stack, fake_api: FakeBotApi) -> AsyncIterator[Application]:
    """The bot in front of the real stack (Rasa, actions, database), outbox polled 5 times a second."""
    settings = stack.settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(fake_api.token),
            "telegram_api_base_url": fake_api.base_url,
            "staff_chat_id": STAFF_CHAT_ID,
            "outbox_poll_seconds": 0.2,
        }
    )
    async with running_bot(settings) as application:
        yield application
