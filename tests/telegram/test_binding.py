"""/bind in Telegram, through the fake Bot API and the real polling loop on a real database (no Rasa
needed): a card stays with the account that bound it, and that account hears of every binding and of
other accounts' tries through the outbox."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from frontdesk.config import Settings
from frontdesk.database import session_scope
from people import registry
from tests.fake_bot_api import FakeBotApi

TALENTS_CSV = (Path(__file__).parents[2] / "examples" / "talents.csv").read_text(encoding="utf-8")
HOLDER, OTHER = 5101, 5102  # Telegram user ids, which are also their private chats


@pytest.fixture
def bot_settings(bot_settings: Settings) -> Settings:
    """The bot looking at the outbox five times a second."""
    return bot_settings.model_copy(update={"outbox_poll_seconds": 0.2})


@pytest.fixture
def talents(bot_database: str, bot_settings: Settings) -> None:
    with session_scope() as session:
        secret = bot_settings.registry_secret.get_secret_value()
        assert not registry.import_csv(session, text=TALENTS_CSV, secret=secret).problems


async def message_with(api: FakeBotApi, chat_id: int, text: str) -> dict:
    return await api.wait_for_async(
        lambda fake: next((m for m in fake.sent(chat_id) if text in m["text"]), None),
        what=f"a message to {chat_id} with {text}",
    )


async def test_a_bound_card_stays_with_its_account_and_the_holder_is_told(bot, fake_api: FakeBotApi, talents):
    fake_api.send_command(HOLDER, "/bind BZ2026A001 1234")
    await message_with(fake_api, HOLDER, "绑定成功：张海峰")
    await message_with(fake_api, HOLDER, "已于")  # the security notice of the binding
    fake_api.send_command(OTHER, "/bind bz2026a001 1234")
    refusal = await message_with(fake_api, OTHER, "已绑定在另一个账号上")
    assert "张海峰" not in refusal["text"] and "A类" not in refusal["text"]
    notice = await message_with(fake_api, HOLDER, "另一个账号尝试绑定您的人才绿卡")
    assert "已被拒绝" in notice["text"]
    await asyncio.sleep(0.6)  # a poll or two more: nothing else for either account
    assert len(fake_api.sent(OTHER)) == 1 and len(fake_api.sent(HOLDER)) == 3
