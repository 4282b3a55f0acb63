"""Whole journeys through Telegram and the real stack: a talent reaching a person, and an SLA breach
reaching the leader who looks after the talent."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy.orm import Session

from people import registry, roster
from people.models import Person
from tests.fake_bot_api import FakeBotApi
from tests.telegram.conftest import STAFF_CHAT_ID
from tickets import scheduled, service
from tickets.models import TicketStatus

pytestmark = pytest.mark.integration

TALENT, STAFF, LEADER = 8101, 8201, 8301
ROSTER_YAML = f"""
- {{id: j-staff, name: 吴窗口, role: staff, districts: [all], topics: [all], telegram_user_id: {STAFF}}}
- {{id: j-leader, name: 郑书记, role: leader, districts: [温泉县], topics: [all], telegram_user_id: {LEADER},
   talents: [BZ2026E318]}}
"""
TALENTS_CSV = "card_number,name,tier,district,phone\nBZ2026E318,古丽娜,E类,温泉县,13600001357\n"
TICKET_ID = re.compile(r"GC-\d{4}-\d{6}")


@pytest.fixture
def people(stack) -> None:
    with Session(stack.engine) as session, session.begin():
        if session.get(Person, "j-staff") is None:
            secret = stack.settings.registry_secret.get_secret_value()
            assert not registry.import_csv(session, text=TALENTS_CSV, secret=secret).problems
            assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems


def buttons(message: dict) -> list[str]:
    return [
        b["callback_data"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row
    ]


async def message_with(api: FakeBotApi, chat_id: int, *parts: str) -> dict:
    return await api.wait_for_async(
        lambda fake: next((m for m in fake.sent(chat_id) if all(p in m["text"] for p in parts)), None),
        timeout=20,
        what=f"a message to {chat_id} with {parts}",
    )


async def test_a_request_for_a_person_is_claimed_answered_and_delivered(stack_bot, fake_api, people):
    fake_api.send_text(TALENT, "孩子转学的事情比较复杂，我要找人工")
    confirmation = await message_with(fake_api, TALENT, "GC-")
    ticket_id = TICKET_ID.search(confirmation["text"]).group()
    card = await message_with(fake_api, STAFF_CHAT_ID, ticket_id)
    assert f"t:claim:{ticket_id}" in buttons(card) and "孩子转学" in card["text"]
    fake_api.press_button(STAFF, card, f"t:claim:{ticket_id}")
    await message_with(fake_api, TALENT, ticket_id, "受理")  # the talent hears someone has it
    fake_api.send_command(STAFF, f"/reply {ticket_id} 请带孩子的学籍证明到窗口办理。", chat_id=STAFF_CHAT_ID,
                          chat_type="supergroup")  # fmt: skip
    answer = await message_with(fake_api, TALENT, ticket_id, "学籍证明")
    assert not buttons(answer)


async def test_an_overdue_ticket_reaches_the_talents_contact_leader(stack_bot, fake_api, people, stack):
    fake_api.send_command(TALENT + 1, "/bind BZ2026E318 1357")
    await message_with(fake_api, TALENT + 1, "绑定成功")
    fake_api.send_text(TALENT + 1, "我要投诉，人才公寓的申请一个月没人理")
    ticket_id = TICKET_ID.search((await message_with(fake_api, TALENT + 1, "GC-"))["text"]).group()
    with Session(stack.engine) as session, session.begin():  # ten days pass before anyone answers
        ticket = service.get_ticket(session, ticket_id=ticket_id)
        for moment in ("created_at", "first_response_due", "first_response_warn_at", "resolution_due"):
            setattr(ticket, moment, getattr(ticket, moment) - dt.timedelta(days=10))
    with Session(stack.engine) as session, session.begin():
        report = scheduled.sweep(session, sla=service.default_sla(), now=dt.datetime.now(dt.UTC))
        assert ticket_id in report.escalated
        ticket = service.get_ticket(session, ticket_id=ticket_id)
        assert (ticket.status, ticket.escalated_to_id) == (TicketStatus.ESCALATED, "j-leader")
    escalation = await message_with(fake_api, LEADER, ticket_id, "人才公寓的申请一个月没人理")
    assert buttons(escalation) == [f"t:reply:{ticket_id}", f"t:handback:{ticket_id}"]
