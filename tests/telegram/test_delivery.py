"""The outbox delivered to Telegram: ticket cards, replies, escalations, flood control and flagged rows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from telegram import Bot, InlineKeyboardMarkup

from bot import delivery
from bot.keyboards import ticket_button
from frontdesk.clock import LOCAL_TZ, utcnow
from frontdesk.config import Settings
from frontdesk.database import session_scope
from notifications import outbox
from notifications.models import OutboxKind, OutboxMessage, RecipientKind
from people import registry, roster
from tests.fake_bot_api import FakeBotApi
from tests.telegram.conftest import STAFF_CHAT_ID
from tickets import flows, service

T = TypeVar("T")
SECRET = "test-secret"
TALENT, STAFF, LEADER = 4242, 1001, 3001  # Telegram user ids, which are also their private chats
TALENTS_CSV = "card_number,name,tier,district,phone\nBZ2026A001,张教授,A类,博乐市,13900001234\n"
ROSTER_YAML = f"""
- {{id: staff-bole, name: 王窗口, role: staff, districts: [博乐市], telegram_user_id: {STAFF}}}
- {{id: leader-bole, name: 孙书记, role: leader, districts: [博乐市], telegram_user_id: {LEADER},
   talents: [BZ2026A001]}}
"""


@pytest.fixture
def bot_settings(bot_settings: Settings) -> Settings:
    """The bot looking at the outbox five times a second."""
    return bot_settings.model_copy(update={"outbox_poll_seconds": 0.2})


@pytest.fixture
def people(bot_database: str) -> None:
    """A window staff member and the leader who keeps in contact with the (bound) talent."""
    with session_scope() as session:
        assert not registry.import_csv(session, text=TALENTS_CSV, secret=SECRET).problems
        assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems
        sender_id = f"telegram:{TALENT}"
        assert registry.bind(
            session, sender_id=sender_id, card_number="BZ2026A001", last4="1234", secret=SECRET
        ).bound


async def in_db(work: Callable[[Session], T]) -> T:
    """`work` in a transaction of its own, off the event loop the bot runs in."""

    def run() -> T:
        with session_scope() as session:
            return work(session)

    return await asyncio.to_thread(run)


def open_ticket(
    session: Session, *, question: str = "人才公寓怎么申请？", sender: str = f"telegram:{TALENT}", **kw: Any
) -> tuple[str, str]:
    """A new ticket's id and its first-response deadline as the staff card shows it."""
    ticket = flows.open_for_talent(
        session, channel="telegram", sender_id=sender, question=question, reason="talent_request", **kw
    )
    return ticket.id, ticket.first_response_due.astimezone(LOCAL_TZ).strftime("%m月%d日 %H:%M")


def outbox_rows(session: Session) -> list[tuple[str, str, str, int]]:
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return [(r.kind, r.recipient_kind, str(r.status), r.attempts) for r in rows]


def buttons(message: dict[str, Any]) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


def sends_to(api: FakeBotApi, chat_id: int) -> int:
    return sum(params["chat_id"] == chat_id for params in api.calls_to("sendMessage"))


async def settled(expected: list[tuple[str, str, str, int]], timeout: float = 10) -> None:
    """Wait until the outbox holds exactly `expected` (kind, recipient kind, status, attempts)."""
    for _ in range(int(timeout / 0.1)):
        if await in_db(outbox_rows) == expected:
            return
        await asyncio.sleep(0.1)
    assert await in_db(outbox_rows) == expected


async def test_new_ticket_card_reaches_the_staff_group_with_its_buttons(bot, fake_api: FakeBotApi, people):
    question = "<b>人才公寓</b> & 租金补贴怎么申请？"
    ticket_id, due = await in_db(
        lambda s: open_ticket(s, question=question, topic="housing", district="博乐市")
    )
    [card] = await fake_api.wait_for_messages_async(STAFF_CHAT_ID)
    text = card["text"]
    assert ticket_id in text and question in text  # the talent's text escaped: shown as typed
    assert "博乐市" in text and "住房保障" in text and "普通" in text and f"{due}（北京时间）" in text
    actions = ("claim", "reply", "escalate", "resolve")
    assert buttons(card) == [f"t:{action}:{ticket_id}" for action in actions]
    [copy] = await fake_api.wait_for_messages_async(STAFF)  # the level-1 staff covering 博乐市, privately
    assert ticket_id in copy["text"]
    await settled([("created", "staff_group", "delivered", 1), ("created", "person", "delivered", 1)])


async def test_staff_reply_reaches_the_talent_without_buttons(bot, fake_api: FakeBotApi, people):
    ticket_id, _ = await in_db(open_ticket)
    await in_db(lambda s: service.claim(s, ticket_id=ticket_id, person_id="staff-bole"))
    answer = "请携带身份证 & 绿卡到窗口办理 <3"
    await in_db(
        lambda s: service.reply(s, ticket_id=ticket_id, person_id="staff-bole", text=answer, ask_talent=True)
    )
    assigned, replied = await fake_api.wait_for_messages_async(TALENT, 2)
    assert ticket_id in assigned["text"] and "已由工作人员受理" in assigned["text"]
    assert ticket_id in replied["text"] and answer in replied["text"] and "王窗口" in replied["text"]
    assert "补充信息" in replied["text"]  # the reply asks for the talent's answer
    assert not buttons(assigned) and not buttons(replied)


async def test_escalation_reaches_the_contact_leader_with_the_conversation(bot, fake_api: FakeBotApi, people):
    question = "How long can I stay in the talent apartment?"
    turns = [{"who": "talent" if n % 2 else "bot", "text": f"turn-{n:02d}"} for n in range(1, 12)]
    turns.append({"who": "talent", "text": "长" * 1000})
    ticket_id, _ = await in_db(lambda s: open_ticket(s, question=question, transcript=turns))
    await in_db(
        lambda s: service.escalate(
            s, ticket_id=ticket_id, actor="staff-bole", reason="需要协调住房", sla=service.default_sla()
        )
    )
    [message] = await fake_api.wait_for_messages_async(LEADER)
    text = message["text"]
    assert ticket_id in text and question in text and "需要协调住房" in text
    assert "turn-01" not in text and "turn-02" not in text  # the last ten turns
    assert all(f"turn-{n:02d}" in text for n in range(3, 12)) and "人才：turn-03" in text
    assert "长" * 299 + "…" in text and "长" * 301 not in text  # each turn cut short
    assert buttons(message) == [f"t:reply:{ticket_id}", f"t:handback:{ticket_id}"]
    [notice] = await fake_api.wait_for_messages_async(TALENT)  # in the language of the question
    assert ticket_id in notice["text"] and "passed to a leader" in notice["text"] and not buttons(notice)


async def test_flood_control_postpones_without_counting_a_try(bot, fake_api: FakeBotApi):
    # The application's AIORateLimiter(max_retries=2) retries twice itself; the third 429 reaches delivery.
    fake_api.fail_next("sendMessage", error_code=429, retry_after=1, times=3)
    ticket_id, _ = await in_db(open_ticket)
    [card] = await fake_api.wait_for_messages_async(STAFF_CHAT_ID, timeout=15)
    assert ticket_id in card["text"]
    await settled([("created", "staff_group", "delivered", 1)])
    await asyncio.sleep(0.5)
    assert len(fake_api.sent(STAFF_CHAT_ID)) == 1 and sends_to(fake_api, STAFF_CHAT_ID) == 4


async def test_blocked_talent_is_flagged_after_one_try_and_staff_are_alerted(
    bot, fake_api: FakeBotApi, people
):
    ticket_id, _ = await in_db(open_ticket)
    await fake_api.wait_for_messages_async(STAFF_CHAT_ID)
    await fake_api.wait_for_messages_async(STAFF)
    fake_api.fail_next("sendMessage", error_code=403)  # "Forbidden: bot was blocked by the user"
    await in_db(lambda s: service.claim(s, ticket_id=ticket_id, person_id="staff-bole"))
    _, alert = await fake_api.wait_for_messages_async(STAFF_CHAT_ID, 2)
    assert "通知未送达" in alert["text"] and ticket_id in alert["text"] and "blocked" in alert["text"]
    assert f"telegram:{TALENT}" in alert["text"] and not buttons(alert)
    await settled(
        [
            ("created", "staff_group", "delivered", 1),
            ("created", "person", "delivered", 1),
            ("assigned", "talent", "failed", 1),
            ("delivery_failed", "staff_group", "delivered", 1),
        ]
    )
    assert sends_to(fake_api, TALENT) == 1


async def test_unknown_staff_chat_is_flagged_without_an_alert_loop(bot, fake_api: FakeBotApi):
    fake_api.fail_next("sendMessage", error_code=400)  # "Bad Request: chat not found"
    await in_db(open_ticket)
    await settled([("created", "staff_group", "failed", 1)])
    await asyncio.sleep(0.5)
    assert fake_api.sent() == [] and sends_to(fake_api, STAFF_CHAT_ID) == 1


async def test_rows_telegram_cannot_reach(fake_api: FakeBotApi, bot_settings: Settings):
    """Without STAFF_CHAT_ID the staff group's rows are flagged; other channels' talents wait for theirs."""
    ticket_id, _ = await in_db(lambda s: open_ticket(s, sender="rest:abc"))
    await in_db(lambda s: service.resolve(s, ticket_id=ticket_id, actor="staff-bole", note="已办结"))
    async with Bot(fake_api.token, base_url=fake_api.base_url) as bot:
        assert await delivery.deliver_due(bot, bot_settings.model_copy(update={"staff_chat_id": None})) == 1
    rows = await in_db(outbox_rows)
    assert rows == [("created", "staff_group", "failed", 1), ("resolve", "talent", "pending", 0)]
    errors = await in_db(
        lambda s: list(s.scalars(select(OutboxMessage.last_error).order_by(OutboxMessage.id)))
    )
    assert errors == ["STAFF_CHAT_ID is not set", None]
    assert fake_api.sent() == []


async def test_a_long_text_is_sent_in_parts_with_the_buttons_under_the_last(
    fake_api: FakeBotApi, bot_settings
):
    """A row's text in two parts, as split_message cuts a long one (a card is never that long now)."""
    ticket_id, _ = await in_db(open_ticket)
    row_id = await in_db(lambda s: s.scalars(select(OutboxMessage.id)).one())
    markup = InlineKeyboardMarkup([[ticket_button("claim", ticket_id)]])
    envelope = delivery.Envelope(row_id, STAFF_CHAT_ID, ("第一部分", "第二部分"), markup)
    async with Bot(fake_api.token, base_url=fake_api.base_url) as bot:
        assert await delivery._send(bot, envelope) == delivery.Outcome()
    first, second = fake_api.sent(STAFF_CHAT_ID)
    assert first["text"] == "第一部分" and not buttons(first)
    assert second["text"] == "第二部分" and buttons(second) == [f"t:claim:{ticket_id}"]


async def test_a_long_question_makes_one_card_per_recipient_and_ticket_shows_it_whole(
    bot, fake_api: FakeBotApi, people
):
    question = "".join(f"第{n:04d}条材料单。" for n in range(2000))  # 20,000 characters
    assert len(question) == 20_000
    ticket_id, _ = await in_db(lambda s: open_ticket(s, question=question, district="博乐市"))
    await settled([("created", "staff_group", "delivered", 1), ("created", "person", "delivered", 1)])
    await asyncio.sleep(0.5)
    for chat_id in (STAFF_CHAT_ID, STAFF):  # the group, and the covering staff member privately
        [card] = fake_api.sent(chat_id)
        assert sends_to(fake_api, chat_id) == 1 and len(buttons(card)) == 4
        assert question[:300] + "…" in card["text"] and question[:301] not in card["text"]
        assert f"共 20000 字，全文请用 /ticket {ticket_id} 查看" in card["text"]

    fake_api.send_command(STAFF, f"/ticket {ticket_id}")
    parts = await fake_api.wait_for_async(
        lambda a: (shown := a.sent(STAFF)[1:]) and "处理记录" in shown[-1]["text"] and shown,
        what="the whole ticket",
    )
    assert len(parts) > 1 and question in "".join(part["text"] for part in parts)


async def test_a_long_message_whose_second_part_fails_goes_on_from_that_part(
    fake_api: FakeBotApi, bot_settings
):
    text = "第一部分：" + "甲" * 3000 + "\n\n第二部分：" + "乙" * 3000
    payload = {"ticket_id": "GC-2026-000001", "sender": "王窗口", "text": text, "awaiting_reply": False}
    await in_db(
        lambda s: outbox.queue(
            s,
            kind=OutboxKind.REPLIED,
            ticket_id=None,
            recipient_kind=RecipientKind.TALENT,
            recipient=f"telegram:{TALENT}",
            payload=payload,
            now=utcnow(),
        )
    )
    fake_api.fail_next("sendMessage", error_code=500, description="Internal Server Error", after=1)
    async with Bot(fake_api.token, base_url=fake_api.base_url) as bot:
        assert await delivery.deliver_due(bot, bot_settings) == 1
        row = await in_db(lambda s: s.scalars(select(OutboxMessage)).one())
        assert (row.status, row.attempts, row.parts_sent) == ("pending", 1, 1)
        await in_db(
            lambda s: s.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        )  # time passes
        assert await delivery.deliver_due(bot, bot_settings) == 1
    first, second = fake_api.sent(TALENT)  # each part once
    assert "第一部分" in first["text"] and "第二部分" in second["text"] and "甲" not in second["text"]
    assert sends_to(fake_api, TALENT) == 3  # the second part twice: refused, then sent
    assert await in_db(outbox_rows) == [("replied", "talent", "delivered", 2)]
