"""Talents in Telegram, end to end: the fake Bot API, the real polling loop, Rasa, actions and database."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot import flows
from frontdesk.database import session_scope
from frontdesk.payloads import sign
from inbox import scheduled
from inbox.models import InboundMessage, InboxStatus
from people import registry
from tests.fake_bot_api import FakeBotApi
from tests.telegram.running import running_bot
from tickets import service
from tickets.models import Ticket, TicketEvent, TicketStatus

pytestmark = pytest.mark.integration

TALENTS_CSV = (Path(__file__).parents[2] / "examples" / "talents.csv").read_text(encoding="utf-8")


async def replies(api: FakeBotApi, chat_id: int, count: int = 1) -> list[dict]:
    return await api.wait_for_messages_async(chat_id, count, timeout=20)


async def test_a_question_is_answered_with_its_source(stack_bot, fake_api):
    fake_api.send_text(1001, "博乐市的人才公寓怎么申请？")
    answer = "\n".join(m["text"] for m in await replies(fake_api, 1001))
    assert "博乐市人才公寓" in answer and "依据" in answer


async def test_start_shows_the_topic_menu_and_a_topic_button_offers_its_articles(stack_bot, fake_api):
    fake_api.send_command(1002, "/start")
    welcome = (await replies(fake_api, 1002))[-1]
    buttons = [b["callback_data"] for row in welcome["reply_markup"]["inline_keyboard"] for b in row]
    assert sign("/ask_housing") in buttons and sign("/request_human") in buttons
    fake_api.press_button(1002, welcome, sign("/ask_housing"))
    menu = (await replies(fake_api, 1002, 2))[-1]
    assert "住房保障" in menu["text"]
    picked = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert len(picked.encode()) <= 64
    fake_api.press_button(1002, menu, picked)
    assert "依据" in (await replies(fake_api, 1002, 3))[-1]["text"]


async def test_stickers_photos_and_locations_get_a_polite_reply(stack_bot, fake_api):
    fake_api.send_sticker(1003)
    fake_api.send_location(1003)
    polite = await replies(fake_api, 1003, 2)
    assert all("文字" in m["text"] for m in polite)


async def test_an_edit_is_not_answered_twice(stack_bot, fake_api):
    update = fake_api.send_text(1004, "安家费有多少")
    await replies(fake_api, 1004)
    answered = len(fake_api.sent(1004))
    fake_api.edit_text(update, "安家费有多少？什么时候发？")
    notice = (await replies(fake_api, 1004, answered + 1))[-1]
    assert "不会重复作答" in notice["text"]
    await asyncio.sleep(1)
    assert len(fake_api.sent(1004)) == answered + 1


async def test_the_same_update_twice_is_answered_once(stack_bot, fake_api):
    update = fake_api.send_text(1005, "我要找人工")
    first = await replies(fake_api, 1005)
    fake_api.redeliver(update)
    await asyncio.sleep(2)
    assert len(fake_api.sent(1005)) == len(first)


async def test_group_chats_are_pointed_to_a_private_chat(stack_bot, fake_api):
    fake_api.send_group_text(-200, 1006, "人才公寓怎么申请")
    fake_api.send_command(1006, "/start", chat_id=-200, chat_type="group")
    pointer = await replies(fake_api, -200)
    await asyncio.sleep(1)
    assert len(fake_api.sent(-200)) == 1 and "私聊" in pointer[0]["text"]


async def test_a_bound_green_card_personalises_the_answer(stack_bot, fake_api, stack):
    with Session(stack.engine) as session, session.begin():
        registry.import_csv(
            session, text=TALENTS_CSV, secret=stack.settings.registry_secret.get_secret_value()
        )
    fake_api.send_command(1007, "/bind BZ2026C102 0000")
    assert "还可尝试" in (await replies(fake_api, 1007))[-1]["text"]
    fake_api.send_command(1007, "/bind bz2026c102 2468")
    bound = [m["text"] for m in await replies(fake_api, 1007, 3)]  # the reply, and the notice in the outbox
    assert any("绑定成功" in text for text in bound) and any("账号安全提醒" in text for text in bound)
    fake_api.send_text(1007, "人才公寓怎么申请")
    assert "精河县人才公寓" in (await replies(fake_api, 1007, 4))[-1]["text"]


async def test_an_answer_to_a_waiting_ticket_goes_to_that_ticket(stack_bot, fake_api, stack):
    fake_api.send_text(1008, "我要找人工")
    await replies(fake_api, 1008)
    with Session(stack.engine) as session, session.begin():
        ticket = session.query(Ticket).filter_by(sender_id="telegram:1008").one()
        ticket.status, ticket.assignee_id = TicketStatus.WAITING_TALENT, None
        ticket_id = ticket.id
    count = len(fake_api.sent(1008))
    fake_api.send_text(1008, "我的卡号是BZ2026C102")
    added = (await replies(fake_api, 1008, count + 1))[-1]
    assert ticket_id in added["text"]
    with Session(stack.engine) as session:
        notes = [
            e.note for e in service.events_of(session, ticket_id=ticket_id) if e.action == "talent_reply"
        ]
        assert notes == ["我的卡号是BZ2026C102"]
    with Session(stack.engine) as session, session.begin():
        session.get(Ticket, ticket_id).status = TicketStatus.WAITING_TALENT  # staff asks again
    fake_api.send_photo(1008)
    assert ticket_id in (await replies(fake_api, 1008, count + 2))[-1]["text"]
    with Session(stack.engine) as session:
        assert session.query(TicketEvent).filter_by(ticket_id=ticket_id, action="talent_reply").count() == 2


async def test_language_and_my_tickets(stack_bot, fake_api):
    fake_api.send_command(1009, "/lang")
    menu = (await replies(fake_api, 1009))[-1]
    fake_api.press_button(1009, menu, "lang:en")
    assert "English" in (await replies(fake_api, 1009, 2))[-1]["text"]
    fake_api.send_text(1009, "I want to talk to a person")
    await replies(fake_api, 1009, 3)
    fake_api.send_command(1009, "/mytickets")
    listing = (await replies(fake_api, 1009, 4))[-1]["text"]
    assert "Your latest requests" in listing and "GC-" in listing


async def test_a_dead_rasa_server_saves_the_question_and_gives_its_number(bot, fake_api, bot_database):
    fake_api.send_text(1010, "孩子转学需要什么材料")
    reply = (await replies(fake_api, 1010))[-1]["text"]
    assert "智能助手暂时无法回答" in reply and "GC-" in reply


@pytest.fixture
def silent_rasa() -> Iterator[int]:
    """A port that accepts connections and never answers: a Rasa server too slow to wait for."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


async def test_a_slow_rasa_server_shows_typing_then_saves_the_question(bot_settings, fake_api, silent_rasa):
    settings = bot_settings.model_copy(update={"rasa_port": silent_rasa, "rasa_timeout_seconds": 2})
    async with running_bot(settings):
        fake_api.send_text(1011, "配偶工作安置需要什么条件")
        reply = (await replies(fake_api, 1011))[-1]["text"]
    assert "智能助手暂时无法回答" in reply and "GC-" in reply
    assert [call["action"] for call in fake_api.calls_to("sendChatAction")] == ["typing"]


async def test_an_unknown_command_or_a_typed_payload_gets_the_list_of_commands(stack_bot, fake_api):
    fake_api.send_command(1031, "/admin")
    fake_api.send_command(1031, '/inform{"district":"博乐市"}')
    polite = await replies(fake_api, 1031, 2)
    assert all("没有这个命令" in m["text"] and "/mytickets" in m["text"] for m in polite)


async def test_a_question_not_even_saved_as_a_ticket_stays_for_the_sweep(bot, fake_api, monkeypatch):
    """Rasa down and the ticket not saved: the talent is asked to try again, and the message is left
    unanswered in the inbox (not marked answered), so that the sweep tickets it and tells the talent."""

    def fail(**_: object) -> str:
        raise OperationalError("INSERT INTO tickets", {}, Exception("database restarting"))

    monkeypatch.setattr(flows, "_save_question", fail)
    fake_api.send_text(1012, "人才公寓可以住几年")
    reply = (await replies(fake_api, 1012))[-1]["text"]
    assert "智能助手暂时无法回答" in reply and "GC-" not in reply
    await asyncio.sleep(0.5)  # the turn settles after the reply
    with session_scope() as session:
        row = session.scalars(select(InboundMessage).where(InboundMessage.sender_id == "telegram:1012")).one()
        assert row.status is InboxStatus.RECEIVED
    (ticket_id,) = await asyncio.to_thread(scheduled.ticket_unanswered, stale_after=dt.timedelta(0))
    with session_scope() as session:
        assert session.get(InboundMessage, row.key).status is InboxStatus.TICKETED
    assert ticket_id in (await replies(fake_api, 1012, 2))[-1]["text"]
