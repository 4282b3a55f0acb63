"""Updates fetched by polling are written down before Telegram is told they arrived and settled once
handled: a bot killed before finishing one handles it when it starts again, without answering a talent
twice or repeating a staff action (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time

from bot import updates
from frontdesk.database import session_scope
from inbox import service as inbox_service
from people import roster
from tests.fake_bot_api import FakeBotApi
from tests.telegram.running import running_bot

TALENT = 1201
STAFF_YAML = (
    "- {id: staff-x, name: 王窗口, role: staff, districts: [博乐市], topics: [all], telegram_user_id: 1301}\n"
)


def _message(
    update_id: int, text: str, *, chat_id: int = TALENT, chat_type: str = "private", user_id: int = TALENT
) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "User"}
    chat = {"id": chat_id, "type": chat_type} | (
        {"first_name": "User"} if chat_type == "private" else {"title": "G"}
    )
    message = {"message_id": update_id, "from": user, "chat": chat, "date": int(time.time()), "text": text}
    return {"update_id": update_id, "message": message}


def test_written_down_once_and_unsettled_until_settled(bot_database):
    updates.write_down(bot_id=7, updates=[(10, _message(10, "一")), (11, _message(11, "二"))])
    updates.write_down(bot_id=7, updates=[(11, _message(11, "二"))])  # fetched again
    assert [(p["update_id"], started) for p, started in updates.unsettled(bot_id=7)] == [
        (10, False),
        (11, False),
    ]
    assert updates.first_delivery(bot_id=7, update_id=10)
    assert [(p["update_id"], started) for p, started in updates.unsettled(bot_id=7)] == [
        (10, True),
        (11, False),
    ]
    updates.settle(bot_id=7, update_id=10)
    assert [p["update_id"] for p, _ in updates.unsettled(bot_id=7)] == [11]
    assert updates.unsettled(bot_id=8) == []


async def _settled(bot_id: int) -> None:
    for _ in range(100):
        if not updates.unsettled(bot_id=bot_id):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"unsettled: {updates.unsettled(bot_id=bot_id)}")


async def test_a_handled_update_is_settled(bot, fake_api: FakeBotApi):
    fake_api.send_text(TALENT, "孩子转学需要什么材料")
    await fake_api.wait_for_messages_async(TALENT, 1, timeout=20)
    await _settled(fake_api.bot_user["id"])


async def test_an_update_the_last_run_never_started_is_answered_at_start(bot_settings, fake_api: FakeBotApi):
    bot_id = fake_api.bot_user["id"]
    updates.write_down(bot_id=bot_id, updates=[(990_001, _message(990_001, "孩子转学需要什么材料"))])
    async with running_bot(bot_settings):
        reply = (await fake_api.wait_for_messages_async(TALENT, 1, timeout=20))[-1]["text"]
        await _settled(bot_id)
    assert "GC-" in reply  # the assistant is down in these tests: the question became a ticket


async def test_a_talents_message_started_but_not_in_the_inbox_is_answered_at_start(
    bot_settings, fake_api: FakeBotApi
):
    bot_id = fake_api.bot_user["id"]
    updates.write_down(bot_id=bot_id, updates=[(990_002, _message(990_002, "孩子转学需要什么材料"))])
    assert updates.first_delivery(bot_id=bot_id, update_id=990_002)  # the last run died right after
    async with running_bot(bot_settings):
        reply = (await fake_api.wait_for_messages_async(TALENT, 1, timeout=20))[-1]["text"]
    assert "GC-" in reply


async def test_a_message_already_in_the_inbox_and_started_staff_actions_are_not_done_twice(
    bot_settings, fake_api: FakeBotApi
):
    bot_id, staff = fake_api.bot_user["id"], 1301
    in_inbox = _message(990_003, "人才公寓怎么申请")
    in_group = _message(990_004, "/queue", chat_id=-100123, chat_type="supergroup")
    staff_in_private = _message(990_005, "/queue", chat_id=staff, user_id=staff)
    updates.write_down(
        bot_id=bot_id, updates=[(990_003, in_inbox), (990_004, in_group), (990_005, staff_in_private)]
    )
    for update_id in (990_003, 990_004, 990_005):
        assert updates.first_delivery(bot_id=bot_id, update_id=update_id)
    with session_scope() as session:
        roster.import_roster(session, text=STAFF_YAML, fmt="yaml")
        inbox_service.record(
            session, key=f"telegram-{bot_id}-990003", channel="telegram", sender_id=f"telegram:{TALENT}",
            text="人才公寓怎么申请", language="zh",
        )  # fmt: skip
    async with running_bot(bot_settings):
        for _ in range(100):  # the talent's message is handled again (quietly), the staff actions are not
            if [p["update_id"] for p, _ in updates.unsettled(bot_id=bot_id)] == [990_004, 990_005]:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
    assert [p["update_id"] for p, _ in updates.unsettled(bot_id=bot_id)] == [990_004, 990_005]
    assert fake_api.sent(TALENT) == [] and fake_api.sent(-100123) == [] and fake_api.sent(staff) == []
