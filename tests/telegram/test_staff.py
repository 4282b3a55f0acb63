"""Staff and leaders on Telegram: commands and ticket buttons, on the polling bot and a real database."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import pytest
from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application

from bot.keyboards import TICKET_ACTIONS, ticket_button
from frontdesk.database import session_scope
from notifications.models import OutboxMessage, OutboxStatus
from people import roster
from tests.fake_bot_api import FakeBotApi
from tests.telegram.conftest import STAFF_CHAT_ID
from tickets import service
from tickets.models import TicketStatus

ROSTER_YAML = """
- {id: staff-bole, name: 王窗口, role: staff, districts: [博乐市], topics: [all], telegram_user_id: 1001}
- {id: staff-old, name: 吴窗口, role: staff, districts: [all], telegram_user_id: 1009, active: false}
- {id: officer-hr, name: 钱科长, role: officer, districts: [all], topics: [all], telegram_user_id: 2001}
- {id: leader-region, name: 周部长, role: leader, districts: [all], topics: [all], telegram_user_id: 3002}
"""
WANG, RETIRED, QIAN, ZHOU, STRANGER = 1001, 1009, 2001, 3002, 5555
TALENT = "telegram:42"
IN_GROUP = {"chat_id": STAFF_CHAT_ID, "chat_type": "supergroup"}


@pytest.fixture
def ticket_id(bot_database: str) -> str:
    """A new ticket of 博乐市, with the roster above imported."""
    with session_scope() as session:
        assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems
        return service.create_ticket(
            session,
            channel="telegram",
            sender_id=TALENT,
            question="孩子转学需要哪些材料？",
            reason="talent_request",
            sla=service.default_sla(),
            district="博乐市",
            topic="schooling",
        ).id


async def post_card(application: Application, ticket_id: str) -> dict[str, Any]:
    """A card with every ticket button in the staff group, as the outbox delivery posts one."""
    keyboard = InlineKeyboardMarkup([[ticket_button(action, ticket_id) for action in TICKET_ACTIONS]])
    card = await application.bot.send_message(STAFF_CHAT_ID, f"新工单 {ticket_id}", reply_markup=keyboard)
    return {"chat": {"id": STAFF_CHAT_ID}, "message_id": card.message_id}


async def said(api: FakeBotApi, chat_id: int, *parts: str) -> dict[str, Any]:
    """The bot's message (current version) in a chat containing every part."""
    return await api.wait_for_async(
        lambda a: next((m for m in a.sent(chat_id) if all(p in m.get("text", "") for p in parts)), None),
        what=f"a message in {chat_id} with {parts}",
    )


async def answer_to(api: FakeBotApi, pressed: dict[str, Any]) -> dict[str, Any]:
    """The bot's answerCallbackQuery for a pressed button."""
    query_id = pressed["callback_query"]["id"]
    return await api.wait_for_async(
        lambda a: next(
            (c for c in a.calls_to("answerCallbackQuery") if c["callback_query_id"] == query_id), None
        ),
        what=f"the answer to query {query_id}",
    )


def answer_prompt(api: FakeBotApi, prompt: dict[str, Any], user_id: int, text: str) -> None:
    """A user's message replying to the bot's prompt, as Telegram delivers it."""
    sender = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    message = {"message_id": prompt["message_id"] + 10_000, "from": sender, "chat": prompt["chat"]}
    api.queue_update(
        {"message": message | {"date": int(time.time()), "text": text, "reply_to_message": prompt}}
    )


def stored(ticket_id: str) -> tuple[Any, list[str], list[tuple[str, str, str]]]:
    """The ticket, its event actions, and its outbox rows (kind, recipient kind, recipient)."""
    with session_scope() as session:
        ticket = service.get_ticket(session, ticket_id=ticket_id)
        events = [e.action for e in service.events_of(session, ticket_id=ticket_id)]
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id))
        return ticket, events, [(r.kind, r.recipient_kind, r.recipient) for r in rows]


async def test_a_claim_button_then_an_answer_to_the_reply_prompt_answers_the_talent(bot, fake_api, ticket_id):
    card = await post_card(bot, ticket_id)
    answer = await answer_to(fake_api, fake_api.press_button(WANG, card, f"t:claim:{ticket_id}"))
    assert not answer.get("show_alert") and "已认领" in answer["text"]
    claimed = await said(fake_api, STAFF_CHAT_ID, ticket_id, "处理中", "王窗口 认领")
    buttons = [b["callback_data"] for row in claimed["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [f"t:{action}:{ticket_id}" for action in ("reply", "escalate", "resolve")]

    pressed = fake_api.press_button(WANG, card, f"t:reply:{ticket_id}")
    prompt = await said(fake_api, STAFF_CHAT_ID, f"回复工单 {ticket_id}：", "王窗口")
    assert not (await answer_to(fake_api, pressed)).get("show_alert")
    asked = next(c for c in fake_api.calls_to("sendMessage") if c["text"].startswith("回复工单"))
    assert asked["reply_markup"]["force_reply"] is True
    answer_prompt(fake_api, prompt, WANG, "您好，需要户口本和转学申请表。")
    await said(fake_api, STAFF_CHAT_ID, f"已回复工单 {ticket_id}")
    await said(fake_api, STAFF_CHAT_ID, ticket_id, "王窗口 回复")  # the card

    ticket, events, rows = stored(ticket_id)
    assert (ticket.status, ticket.assignee_id) == (TicketStatus.ASSIGNED, "staff-bole")
    assert ticket.transcript[-1] == {
        "who": "staff",
        "person": "staff-bole",
        "text": "您好，需要户口本和转学申请表。",
    }
    assert events == ["created", "claim", "reply"]
    assert ("replied", "talent", TALENT) in rows


async def test_escalate_handback_and_resolve_buttons_show_the_new_state_on_the_card(bot, fake_api, ticket_id):
    card = await post_card(bot, ticket_id)
    fake_api.press_button(WANG, card, f"t:escalate:{ticket_id}")
    await said(fake_api, STAFF_CHAT_ID, ticket_id, "已上报：钱科长（第2级）", "王窗口 上报")
    fake_api.press_button(QIAN, card, f"t:escalate:{ticket_id}")
    await said(fake_api, STAFF_CHAT_ID, ticket_id, "已上报：周部长（第3级）", "钱科长 上报")
    fake_api.press_button(ZHOU, card, f"t:handback:{ticket_id}")
    await said(fake_api, STAFF_CHAT_ID, ticket_id, "待认领", "周部长 退回")
    fake_api.press_button(WANG, card, f"t:resolve:{ticket_id}")
    resolved = await said(fake_api, STAFF_CHAT_ID, ticket_id, "已办结", "王窗口 办结")
    assert "reply_markup" not in resolved
    _, events, _ = stored(ticket_id)
    assert events == ["created", "escalate", "escalate", "hand_back", "resolve"]


async def test_commands_carry_a_ticket_through_its_life(bot, fake_api, ticket_id):
    with session_scope() as session:
        service.notify(
            session,
            kind="replied",
            ticket=None,
            recipient_kind="talent",
            recipient="telegram:77",
            payload={},
            now=service.utcnow(),
        ).status = OutboxStatus.FAILED
    fake_api.send_command(WANG, "/queue")
    await said(fake_api, WANG, "王窗口的待办工单（1 件）", ticket_id, "待认领", "1 条通知未能送达")
    fake_api.send_command(WANG, f"/claim {ticket_id.lower()}")
    await said(fake_api, WANG, f"已认领工单 {ticket_id}")
    fake_api.send_command(WANG, f"/reply {ticket_id} 您好，\n请带上户口本。")
    await said(fake_api, WANG, f"已回复工单 {ticket_id}")
    fake_api.send_command(WANG, f"/note {ticket_id} 已电话联系")
    await said(fake_api, WANG, "记下备注")
    fake_api.send_command(WANG, f"/ticket {ticket_id.lower()}")
    await said(
        fake_api, WANG, f"工单 {ticket_id}", "王窗口 认领 待认领→处理中", "王窗口 回复：您好， 请带上户口本。"
    )

    fake_api.send_command(WANG, f"/escalate@test_frontdesk_bot {ticket_id} 需要教育局协调", **IN_GROUP)
    await said(fake_api, STAFF_CHAT_ID, f"工单 {ticket_id} 已上报给 钱科长")
    fake_api.send_command(QIAN, f"/handback {ticket_id}", **IN_GROUP)
    await said(fake_api, STAFF_CHAT_ID, "只有领导可以退回工单")
    fake_api.send_command(ZHOU, f"/handback {ticket_id}")
    await said(fake_api, ZHOU, "不是上报给您的")
    fake_api.send_command(QIAN, f"/escalate {ticket_id} 需要领导协调")
    await said(fake_api, QIAN, f"工单 {ticket_id} 已上报给 周部长")
    fake_api.send_command(ZHOU, f"/handback {ticket_id} 请窗口继续跟进")
    await said(fake_api, ZHOU, "已退回窗口工作人员")
    fake_api.send_command(WANG, f"/resolve {ticket_id} 已办理")
    await said(fake_api, WANG, f"工单 {ticket_id} 已办结")

    ticket, events, rows = stored(ticket_id)
    assert ticket.status is TicketStatus.RESOLVED
    assert events == ["created", "claim", "reply", "note", "escalate", "escalate", "hand_back", "resolve"]
    assert {
        ("replied", "talent", TALENT),
        ("escalated", "person", "officer-hr"),
        ("resolve", "talent", TALENT),
    } <= set(rows)
    with session_scope() as session:
        assert service.events_of(session, ticket_id=ticket_id)[3].note == "已电话联系"
        assert {event.via for event in service.events_of(session, ticket_id=ticket_id)[1:]} == {"telegram"}


async def test_the_ticket_command_shows_times_in_beijing_time(bot, fake_api, bot_database):
    registered = dt.datetime(2026, 11, 29, 16, 45, tzinfo=dt.UTC)  # Monday 30 November, 00:45 in Beijing
    with session_scope() as session:
        assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems
        ticket_id = service.create_ticket(
            session,
            channel="telegram",
            sender_id=TALENT,
            question="人才公寓怎么申请？",
            reason="talent_request",
            sla=service.default_sla(),
            district="博乐市",
            now=registered,
        ).id
    fake_api.send_command(WANG, f"/ticket {ticket_id}")
    shown = await said(fake_api, WANG, f"工单 {ticket_id}", "创建：11-30 00:45", "11-30 00:45 人才 创建")
    assert "11-29" not in shown["text"]


async def test_of_two_people_claiming_one_card_at_once_exactly_one_wins(bot, fake_api, ticket_id):
    card = await post_card(bot, ticket_id)
    presses = [fake_api.press_button(user, card, f"t:claim:{ticket_id}") for user in (WANG, QIAN)]
    answers = [await answer_to(fake_api, pressed) for pressed in presses]
    assert sorted(bool(a.get("show_alert")) for a in answers) == [False, True]
    winner = "staff-bole" if not answers[0].get("show_alert") else "officer-hr"
    loser_alert = next(a["text"] for a in answers if a.get("show_alert"))
    assert f"已由 {'王窗口' if winner == 'staff-bole' else '钱科长'} 认领" in loser_alert
    ticket, events, _ = stored(ticket_id)
    assert ticket.assignee_id == winner and events == ["created", "claim"]


async def test_people_not_active_on_the_roster_are_refused_and_logged(bot, fake_api, ticket_id, caplog):
    caplog.set_level(logging.WARNING, logger="bot.staff")
    card = await post_card(bot, ticket_id)
    answer = await answer_to(fake_api, fake_api.press_button(STRANGER, card, f"t:claim:{ticket_id}"))
    assert answer["show_alert"] and "工作人员名单" in answer["text"]
    fake_api.send_command(STRANGER, f"/resolve {ticket_id}")
    await said(fake_api, STRANGER, "工作人员名单")
    fake_api.send_command(RETIRED, f"/reply {ticket_id} 您好", **IN_GROUP)
    await said(fake_api, STAFF_CHAT_ID, "工作人员名单")

    ticket, events, _ = stored(ticket_id)
    assert ticket.status is TicketStatus.OPEN and events == ["created"]
    warnings = [
        r.getMessage() for r in caplog.records if r.name == "bot.staff" and r.levelno == logging.WARNING
    ]
    assert [w for w in warnings if "claim" in w and str(STRANGER) in w]
    assert [w for w in warnings if "resolve" in w and str(STRANGER) in w]
    assert [w for w in warnings if "reply" in w and str(RETIRED) in w]


async def test_unknown_tickets_wrong_states_and_missing_arguments_get_a_clear_answer(
    bot, fake_api, ticket_id
):
    fake_api.send_command(WANG, "/ticket gc-2026-999999")
    await said(fake_api, WANG, "没有找到工单 GC-2026-999999")
    fake_api.send_command(WANG, "/reply")
    await said(fake_api, WANG, "用法：/reply 工单号 内容")
    fake_api.send_command(WANG, f"/reply {ticket_id} 您好")
    await said(fake_api, WANG, f"工单 {ticket_id} 当前状态为「待认领」，不能回复。请先认领")
    fake_api.send_command(ZHOU, f"/handback {ticket_id}")
    await said(fake_api, ZHOU, f"工单 {ticket_id} 不是上报给您的")
    card = await post_card(bot, "GC-2026-999999")
    answer = await answer_to(fake_api, fake_api.press_button(WANG, card, "t:claim:GC-2026-999999"))
    assert answer["show_alert"] and "没有找到工单 GC-2026-999999" in answer["text"]
    answer = await answer_to(fake_api, fake_api.press_button(WANG, card, "t:reply:GC-2026-999999"))
    assert answer["show_alert"] and "没有找到工单" in answer["text"]


async def test_only_staff_commands_buttons_and_answers_to_prompts_reach_the_staff_handlers(bot):
    me = {"id": bot.bot.id, "is_bot": True, "first_name": "Bot"}
    talent = {"id": 42, "is_bot": False, "first_name": "Talent"}
    private = {"id": 42, "type": "private"}

    def first_handler(**update: Any) -> str | None:
        parsed = Update.de_json({"update_id": 1, **update}, bot.bot)
        return next((h.callback.__module__ for h in bot.handlers[0] if h.check_update(parsed)), None)

    def message(text: str, **extra: Any) -> dict[str, Any]:
        return {"message_id": 5, "date": 0, "chat": private, "from": talent, "text": text, **extra}

    prompt = message("回复工单 GC-2026-000001：\n王窗口，请直接回复本条消息", **{"from": me})
    command = {"entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    assert first_handler(message=message("/queue", **command)) == "bot.staff"
    assert first_handler(message=message("需要户口本", reply_to_message=prompt)) == "bot.staff"
    assert first_handler(message=message("孩子转学怎么办？")) != "bot.staff"
    answer = message("好的", reply_to_message=prompt | {"text": "请选择语言"})
    assert first_handler(message=answer) != "bot.staff"
    query = {"id": "1", "from": talent, "chat_instance": "1", "message": message("卡片")}
    assert first_handler(callback_query=query | {"data": "t:claim:GC-2026-000001"}) == "bot.staff"
    assert first_handler(callback_query=query | {"data": "k:0123"}) != "bot.staff"


# Staff of another district: every verb and every read refused in the domain, nothing of the talent shown.
WENQUAN_STAFF, WENQUAN_LEADER = 1002, 3003
ANOTHER_DISTRICT = """
- {id: staff-wenquan, name: 赵窗口, role: staff, districts: [温泉县], topics: [all], telegram_user_id: 1002}
- {id: leader-wenquan, name: 孙县长, role: leader, districts: [温泉县], topics: [all], telegram_user_id: 3003}
"""
OUT_OF_SCOPE = "不在您负责的县市或事项范围内"


@pytest.fixture
def ticket_of_bole(ticket_id: str) -> str:
    """A 博乐市 ticket; on the roster also a staff member and a leader of 温泉县 only."""
    with session_scope() as session:
        assert not roster.import_roster(session, text=ROSTER_YAML + ANOTHER_DISTRICT, fmt="yaml").problems
    return ticket_id


@pytest.mark.parametrize(
    "command",
    [
        "/ticket {id}",
        "/claim {id}",
        "/reply {id} 您好",
        "/note {id} 看看",
        "/escalate {id} 急",
        "/resolve {id} 好",
    ],
)
async def test_every_command_on_another_districts_ticket_is_refused(bot, fake_api, ticket_of_bole, command):
    fake_api.send_command(WENQUAN_STAFF, command.format(id=ticket_of_bole))
    refused = await said(fake_api, WENQUAN_STAFF, ticket_of_bole, OUT_OF_SCOPE)
    assert "孩子转学" not in refused["text"]  # the talent's question is not shown
    ticket, events, _ = stored(ticket_of_bole)
    assert ticket.status is TicketStatus.OPEN and ticket.assignee_id is None and events == ["created"]


async def test_buttons_on_another_districts_ticket_are_refused(bot, fake_api, ticket_of_bole):
    card = await post_card(bot, ticket_of_bole)
    for action in ("claim", "reply", "escalate", "resolve"):
        pressed = fake_api.press_button(WENQUAN_STAFF, card, f"t:{action}:{ticket_of_bole}")
        answer = await answer_to(fake_api, pressed)
        assert answer["show_alert"] and OUT_OF_SCOPE in answer["text"]
    assert stored(ticket_of_bole)[1] == ["created"]


async def test_a_leader_cannot_hand_back_a_ticket_escalated_to_another_leader(bot, fake_api, ticket_of_bole):
    fake_api.send_command(1001, f"/claim {ticket_of_bole}")
    await said(fake_api, 1001, f"已认领工单 {ticket_of_bole}")
    fake_api.send_command(1001, f"/escalate {ticket_of_bole} 需要协调", **IN_GROUP)
    await said(fake_api, STAFF_CHAT_ID, f"工单 {ticket_of_bole} 已上报给 钱科长")
    fake_api.send_command(2001, f"/escalate {ticket_of_bole} 需要领导协调")
    await said(fake_api, 2001, f"工单 {ticket_of_bole} 已上报给 周部长")
    fake_api.send_command(WENQUAN_LEADER, f"/handback {ticket_of_bole} 退回")
    await said(fake_api, WENQUAN_LEADER, ticket_of_bole, "不是上报给您的")
    ticket, events, _ = stored(ticket_of_bole)
    assert ticket.status is TicketStatus.ESCALATED and events[-1] == "escalate"
