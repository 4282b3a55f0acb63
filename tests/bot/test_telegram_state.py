"""What the Telegram channel keeps in the database (bot/state.py), on SQLite and PostgreSQL: a long
button's payload and a staff reply prompt outlive the process that made them."""

import asyncio
import datetime as dt
import gc
import types

import pytest

from bot import state
from bot.keyboards import KEY_PREFIX, assistant_keyboard, long_payloads
from bot.talent import _lock_for
from frontdesk import database
from frontdesk.config import get_settings

LONG = '/ask_housing{"kb_article": "talent-apartment-bole", "kb_part": "documents"}~0123456789ab'


@pytest.fixture
def stored(engine, monkeypatch, database_url):
    """bot/state.py's sessions on the test database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    restart()
    yield
    restart()


def restart() -> None:
    """Forget the process's settings and connections, as a new process would start without them."""
    for cached in (get_settings, database.get_engine, database.get_sessionmaker):
        cached.cache_clear()


def test_a_long_payload_travels_as_a_key_kept_in_the_database(stored):
    buttons = [{"title": "所需材料", "payload": LONG}, {"title": "转人工", "payload": "/request_human~ab"}]
    keyboard = assistant_keyboard(buttons)
    data = [button.callback_data for row in keyboard.inline_keyboard for button in row]
    assert data[0].startswith(KEY_PREFIX) and len(data[0].encode()) <= 64 and data[1] == "/request_human~ab"
    state.remember_payloads(long_payloads(buttons))
    state.remember_payloads(long_payloads(buttons))  # sent twice: kept once
    restart()
    assert state.recall_payload(data[0].removeprefix(KEY_PREFIX)) == LONG
    assert state.recall_payload("unknown") is None


def test_a_reply_prompt_is_answered_once_even_after_a_restart(stored):
    state.remember_prompt(chat_id=-100, prompt_message_id=7, card_message_id=3)
    restart()
    assert state.take_prompt(chat_id=-100, prompt_message_id=7) == 3
    assert state.take_prompt(chat_id=-100, prompt_message_id=7) is None


def test_old_payloads_and_prompts_are_forgotten(stored):
    state.remember_payloads({"k1": LONG})
    state.remember_prompt(chat_id=1, prompt_message_id=2, card_message_id=3)
    assert state.prune(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=91)) == 2
    assert state.recall_payload("k1") is None


def test_per_talent_locks_live_only_while_a_turn_needs_them():
    async def turn(context, user_id):
        async with _lock_for(context, user_id):
            await asyncio.sleep(0)

    context = types.SimpleNamespace(bot_data={})

    async def many():
        await asyncio.gather(*(turn(context, user) for user in range(1000)))

    asyncio.run(many())
    gc.collect()
    assert len(context.bot_data["talent_locks"]) == 0
