"""Talents' feedback through the fake Bot API: 👍/👎 under answers (from a stand-in for Rasa), 1–5 under the
notice that a ticket is resolved, and presses that are refused."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.rasa_client import BotMessage
from bot.votes import rating_payload, vote_payload
from feedback import service as feedback
from feedback.models import AnswerVote
from frontdesk.config import Settings
from frontdesk.contract import PayloadType
from frontdesk.payloads import sign
from tests.fake_bot_api import FakeBotApi
from tests.telegram import test_delivery
from tests.telegram.test_delivery import TALENT, buttons, in_db, open_ticket
from tickets import service

OTHER = 4343  # another talent's Telegram user id
ARTICLE = "talent-apartment-bole"
people = test_delivery.people  # the fixture: the talent bound, a window staff member and a leader


class AnsweringRasa:
    """Rasa's REST channel as the bot sees it: every message answered from one article version."""

    def __init__(self, language: str = "zh", article_id: str = ARTICLE) -> None:
        self.language, self.article_id = language, article_id

    async def send(self, sender_id: str, text: str, *, message_id: str | None = None) -> list[BotMessage]:
        english = self.language == "en"
        person = {"title": "Talk to a person" if english else "转人工", "payload": sign("/request_human")}
        text = (
            "Bole talent apartments: apply to the HR bureau." if english else "博乐市人才公寓：向人社局申请。"
        )
        return [
            BotMessage(text=text, buttons=[person]),
            BotMessage(
                custom={
                    "type": PayloadType.KB_ANSWER,
                    "topic": "housing",
                    "article_id": self.article_id,
                    "version": 3,
                    "language": self.language,
                }
            ),
        ]

    async def set_slot(self, sender_id: str, name: str, value: Any) -> None:
        return None

    async def close(self) -> None:
        return None


@pytest.fixture
def bot_settings(bot_settings: Settings) -> Settings:
    """The bot looking at the outbox five times a second."""
    return bot_settings.model_copy(update={"outbox_poll_seconds": 0.2})


@pytest.fixture
async def answering_bot(bot):
    await bot.bot_data["rasa"].close()
    bot.bot_data["rasa"] = AnsweringRasa()
    return bot


def votes(session: Session) -> list[tuple[str, str, str, int, bool]]:
    rows = session.scalars(select(AnswerVote).order_by(AnswerVote.id))
    return [(r.sender_id, r.message_ref, r.article_id, r.version, r.helpful) for r in rows]


def titles(message: dict[str, Any]) -> list[list[str]]:
    return [[b["text"] for b in row] for row in message.get("reply_markup", {}).get("inline_keyboard", [])]


async def test_a_vote_under_an_answer_is_recorded_and_a_second_press_changes_it(
    answering_bot, fake_api: FakeBotApi
):
    fake_api.send_text(TALENT, "博乐市的人才公寓怎么申请？")
    [answer] = await fake_api.wait_for_messages_async(TALENT)
    assert titles(answer) == [["转人工"], ["👍 有帮助", "👎 没帮助"]]  # a row of their own
    up = vote_payload(article_id=ARTICLE, version=3, helpful=True)
    down = vote_payload(article_id=ARTICLE, version=3, helpful=False)
    assert buttons(answer) == [sign("/request_human"), up, down]

    fake_api.press_button(TALENT, answer, up)
    thanks = (await fake_api.wait_for_messages_async(TALENT, 2))[-1]
    assert "感谢您的反馈" in thanks["text"] and not buttons(thanks)
    message_ref = f"{TALENT}:{answer['message_id']}"
    assert await in_db(votes) == [(f"telegram:{TALENT}", message_ref, ARTICLE, 3, True)]

    fake_api.press_button(TALENT, answer, down)
    changed = (await fake_api.wait_for_messages_async(TALENT, 3))[-1]
    assert "已改为“没帮助”" in changed["text"]
    assert buttons(changed) == [sign("/request_human")]  # a person offered, through the assistant
    assert await in_db(votes) == [(f"telegram:{TALENT}", message_ref, ARTICLE, 3, False)]

    fake_api.press_button(TALENT, answer, down)  # the same again: nothing new, nothing said
    await asyncio.sleep(0.5)
    assert len(fake_api.sent(TALENT)) == 3
    counts = await in_db(lambda s: feedback.vote_counts(s))
    assert [(c.article_id, c.version, c.helpful, c.unhelpful) for c in counts] == [(ARTICLE, 3, 0, 1)]


async def test_english_answers_get_english_buttons(answering_bot, fake_api: FakeBotApi):
    answering_bot.bot_data["rasa"] = AnsweringRasa(language="en")
    fake_api.send_text(OTHER, "How do I apply for a talent apartment?", language_code="en")
    [answer] = await fake_api.wait_for_messages_async(OTHER)
    assert titles(answer)[-1] == ["👍 Helpful", "👎 Not helpful"]
    fake_api.press_button(OTHER, answer, vote_payload(article_id=ARTICLE, version=3, helpful=True))
    thanks = (await fake_api.wait_for_messages_async(OTHER, 2))[-1]
    assert "Thank you for your feedback" in thanks["text"]


async def test_a_vote_too_long_for_callback_data_travels_under_a_key(answering_bot, fake_api: FakeBotApi):
    long_id = "talent-apartment-subsidy-for-returning-overseas-doctors-bole"
    answering_bot.bot_data["rasa"] = AnsweringRasa(article_id=long_id)
    fake_api.send_text(TALENT, "博乐市的人才公寓怎么申请？")
    [answer] = await fake_api.wait_for_messages_async(TALENT)
    up, down = answer["reply_markup"]["inline_keyboard"][-1]
    assert up["callback_data"].startswith("k:") and len(up["callback_data"].encode()) <= 64
    fake_api.press_button(TALENT, answer, down["callback_data"])
    await fake_api.wait_for_messages_async(TALENT, 2)
    assert await in_db(votes) == [
        (f"telegram:{TALENT}", f"{TALENT}:{answer['message_id']}", long_id, 3, False)
    ]


async def test_a_resolved_ticket_is_rated_once_and_the_buttons_go(bot, fake_api: FakeBotApi, people):
    ticket_id, _ = await in_db(open_ticket)
    await in_db(lambda s: service.resolve(s, ticket_id=ticket_id, actor="staff-bole", note="已办结"))
    [notice] = await fake_api.wait_for_messages_async(TALENT)
    assert ticket_id in notice["text"] and "1–5" in notice["text"]
    assert titles(notice) == [[f"{n} 分" for n in range(1, 6)]]
    assert buttons(notice) == [rating_payload(ticket_id=ticket_id, score=n) for n in range(1, 6)]

    fake_api.press_button(TALENT, notice, rating_payload(ticket_id=ticket_id, score=5))
    thanks = (await fake_api.wait_for_messages_async(TALENT, 2))[-1]
    assert "感谢您的评价（5 分）" in thanks["text"]
    assert not buttons(fake_api.sent(TALENT)[0])  # the notice without its 1–5 now
    assert await in_db(lambda s: feedback.rating_of(s, ticket_id=ticket_id)) == 5
    events = await in_db(
        lambda s: [(e.action, e.actor, e.note) for e in service.events_of(s, ticket_id=ticket_id)]
    )
    assert events[-1] == ("rated", f"telegram:{TALENT}", "5/5")

    # a second press (an old copy of the buttons) changes nothing
    fake_api.press_button(TALENT, notice, rating_payload(ticket_id=ticket_id, score=1), forged=True)
    again = (await fake_api.wait_for_messages_async(TALENT, 3))[-1]
    assert "已经评价过了" in again["text"]
    assert await in_db(lambda s: feedback.rating_of(s, ticket_id=ticket_id)) == 5


async def test_a_foreign_or_forged_press_is_refused_politely_and_logged_without_text(
    answering_bot, fake_api: FakeBotApi, people, caplog
):
    question = "我的住房补贴什么时候到账？"
    ticket_id, _ = await in_db(lambda s: open_ticket(s, question=question))
    await in_db(lambda s: service.resolve(s, ticket_id=ticket_id, actor="staff-bole", note="已办结"))
    await fake_api.wait_for_messages_async(TALENT)
    fake_api.send_text(OTHER, "博乐市的人才公寓怎么申请？")
    [answer] = await fake_api.wait_for_messages_async(OTHER)
    with caplog.at_level(logging.INFO):
        # another talent presses the (correctly signed) 1–5 of someone else's ticket
        fake_api.press_button(OTHER, answer, rating_payload(ticket_id=ticket_id, score=1), forged=True)
        refused = (await fake_api.wait_for_messages_async(OTHER, 2))[-1]
        assert "无法记录这次评价" in refused["text"] and ticket_id not in refused["text"]
        # a payload with a made-up signature
        fake_api.press_button(OTHER, answer, f"/fb_rate:5:{ticket_id}~000000000000", forged=True)
        forged = (await fake_api.wait_for_messages_async(OTHER, 3))[-1]
        assert "没有记录任何评价" in forged["text"]
        fake_api.press_button(OTHER, answer, f"/fb_vote:1:3:{ARTICLE}~000000000000", forged=True)
        await fake_api.wait_for_messages_async(OTHER, 4)
    assert await in_db(lambda s: feedback.rating_of(s, ticket_id=ticket_id)) is None
    assert await in_db(votes) == []
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.votes"]
    assert any(f"rating of ticket {ticket_id} by telegram:{OTHER} refused: not_theirs" in x for x in lines)
    assert sum("not a signed feedback payload" in x for x in lines) == 2
    assert not any(question in x or "人才公寓" in x for x in lines)


@pytest.mark.integration
async def test_a_real_answer_carries_the_vote_buttons_of_its_article_version(stack_bot, fake_api: FakeBotApi):
    fake_api.send_text(TALENT, "博乐市的人才公寓怎么申请？")
    answer = (await fake_api.wait_for_messages_async(TALENT, timeout=20))[-1]
    assert titles(answer)[-1] == ["👍 有帮助", "👎 没帮助"] and "依据" in answer["text"]
    fake_api.press_button(TALENT, answer, answer["reply_markup"]["inline_keyboard"][-1][0]["callback_data"])
    await fake_api.wait_for_messages_async(TALENT, 2)
    [(sender, _, article_id, version, helpful)] = await in_db(votes)
    assert (sender, helpful) == (f"telegram:{TALENT}", True) and "apartment" in article_id and version >= 1
