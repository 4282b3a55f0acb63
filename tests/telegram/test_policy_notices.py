"""Policy-change notices through the fake Bot API and the real polling loop on a real database: a talent
answered from v1 hears of v2 with its buttons, asks for the new answer, stops the notices, and hears
nothing of v3; /notices turns them on again. Rasa is a stand-in that records what the bot asks it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.orm import Session

from actions.inquiry import article_payload
from bot import state
from bot.keyboards import KEY_PREFIX
from bot.rasa_client import BotMessage
from conversations import scheduled
from conversations import service as conversations
from conversations.models import TurnOutcome
from frontdesk.config import Settings
from policies_kb import service
from policies_kb.files import load_directory
from tests.fake_bot_api import FakeBotApi
from tests.telegram.test_delivery import buttons, in_db

TALENT, ENGLISH = 6101, 6102  # Telegram user ids, which are also their private chats
ARTICLE = "talent-apartment-bole"


class RecordingRasa:
    """Rasa's REST channel as the bot sees it: every message answered with one line, and remembered."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []

    async def send(self, sender_id: str, text: str, *, message_id: str | None = None) -> list[BotMessage]:
        self.received.append((sender_id, text))
        return [BotMessage(text="博乐市人才公寓：向人社局申请。")]

    async def set_slot(self, sender_id: str, name: str, value: Any) -> None:
        return None

    async def close(self) -> None:
        return None


@pytest.fixture
def bot_settings(bot_settings: Settings) -> Settings:
    """The bot looking at the outbox five times a second."""
    return bot_settings.model_copy(update={"outbox_poll_seconds": 0.2})


@pytest.fixture
async def recording_bot(bot):
    await bot.bot_data["rasa"].close()
    bot.bot_data["rasa"] = RecordingRasa()
    return bot


def publish(session: Session, *, note: str, keyword: str) -> None:
    """A new version of the article from the command line."""
    content = next(a for a in load_directory().articles.values() if a.id == ARTICLE)
    service.import_draft(session, content=content.model_copy(update={"keywords": [keyword]}), editor="李编辑")
    service.publish(session, article_id=ARTICLE, editor="李编辑", note=note)


def v1_answered_both(session: Session) -> None:
    publish(session, note="首次发布", keyword="公寓")
    for user_id, language in ((TALENT, "zh"), (ENGLISH, "en")):
        conversations.record_turn(
            session,
            sender_id=f"telegram:{user_id}",
            language=language,
            text="人才公寓怎么申请？",
            from_button=False,
            intent="ask_housing",
            confidence=0.9,
            outcome=TurnOutcome.ANSWERED,
            topic="housing",
            article_id=ARTICLE,
            version=1,
        )


def publish_and_sweep(note: str, keyword: str):
    def work(session: Session) -> int:
        publish(session, note=note, keyword=keyword)
        session.flush()
        return scheduled.notify_policy_changes(session)

    return work


def titles(message: dict[str, Any]) -> list[list[str]]:
    return [[b["text"] for b in row] for row in message["reply_markup"]["inline_keyboard"]]


async def message_with(api: FakeBotApi, chat_id: int, text: str) -> dict:
    return await api.wait_for_async(
        lambda fake: next((m for m in fake.sent(chat_id) if text in m["text"]), None),
        what=f"a message to {chat_id} with {text}",
    )


async def test_a_notice_of_a_new_version_asks_for_the_new_answer_and_stops(
    recording_bot, fake_api: FakeBotApi
):
    await in_db(v1_answered_both)
    assert await in_db(publish_and_sweep("租金标准调整为每月10元/㎡ <含物业费>", "租金")) == 2

    notice = await message_with(fake_api, TALENT, "政策变动提醒")
    assert "博乐市人才公寓申请" in notice["text"] and "租金标准调整为每月10元/㎡ <含物业费>" in notice["text"]
    assert titles(notice) == [["查看新的答复"], ["不再接收政策变动提醒"]]
    english = await message_with(fake_api, ENGLISH, "Policy update")
    assert "Talent apartments in Bole City" in english["text"]
    assert titles(english) == [["See the new answer"], ["Stop these notices"]]

    see, stop = buttons(notice)
    expected = article_payload("housing", ARTICLE)  # as an answer's own button for the article
    payload = (
        await asyncio.to_thread(state.recall_payload, see.removeprefix(KEY_PREFIX))
        if see.startswith(KEY_PREFIX)
        else see
    )
    assert payload == expected
    fake_api.press_button(TALENT, notice, see)
    await fake_api.wait_for_async(lambda fake: len(fake.sent(TALENT)) >= 2, what="the new answer")
    assert recording_bot.bot_data["rasa"].received == [(f"telegram:{TALENT}", expected)]

    fake_api.press_button(TALENT, notice, stop)
    await message_with(fake_api, TALENT, "不再向您发送政策变动提醒")
    assert not await in_db(lambda s: conversations.policy_notices_on(s, sender_id=f"telegram:{TALENT}"))

    assert await in_db(publish_and_sweep("申请材料增加社保证明", "社保")) == 1  # the English talent only
    await message_with(fake_api, ENGLISH, "申请材料增加社保证明")
    await asyncio.sleep(0.6)  # a poll or two more: nothing for the talent who stopped them
    assert len(fake_api.sent(TALENT)) == 3

    fake_api.send_command(TALENT, "/notices on")
    await message_with(fake_api, TALENT, "我们会提醒您")
    assert await in_db(lambda s: conversations.policy_notices_on(s, sender_id=f"telegram:{TALENT}"))
    fake_api.send_command(TALENT, "/notices")
    await message_with(fake_api, TALENT, "政策变动提醒目前已开启")
