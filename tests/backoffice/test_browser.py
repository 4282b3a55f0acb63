"""The back office in a real browser (the `page` fixture: Debian's Chromium driven by Playwright, axe-core
checking for serious and critical accessibility problems): staff work a ticket and the talent receives the
reply through the fake Bot API, a new ticket arrives without a reload, the keyboard, a leader records a
contact and its follow-up reminder is scheduled."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from frontdesk.clock import LOCAL_TZ, local_today
from frontdesk.config import Settings
from frontdesk.database import session_scope
from launcher.serve import free_port
from notifications.models import OutboxMessage
from tests.backoffice.conftest import accessibility_problems, new_ticket
from tests.backoffice.conftest import sign_in_browser as sign_in
from tests.fake_bot_api import FakeBotApi
from tests.telegram.running import running_bot
from tickets import scheduled


def test_staff_work_a_ticket_in_the_browser_and_every_page_is_accessible(page):
    ticket_id = new_ticket(question='孩子转学 <script>document.title="pwned"</script>')
    sign_in(page, "staff-bole")
    row = page.get_by_role("row").filter(has_text=ticket_id)
    assert "<script>" in row.inner_text() and page.title() != "pwned"
    assert accessibility_problems(page) == []
    row.get_by_role("link", name=ticket_id).click()
    page.wait_for_url(f"**/tickets/{ticket_id}")
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="认领").click()
    page.get_by_role("status").filter(has_text="已认领").wait_for()
    page.get_by_label("回复、备注或说明").fill("请带身份证和户口本到窗口办理。")
    page.get_by_role("button", name="回复人才").click()
    page.get_by_role("status").filter(has_text="回复已发送给人才").wait_for()
    history = page.get_by_role("table").filter(has_text="办理记录").or_(page.locator("table").last)
    assert "请带身份证和户口本到窗口办理。" in history.inner_text()
    assert accessibility_problems(page) == []


def test_a_new_ticket_appears_in_the_queue_without_a_reload(page):
    sign_in(page, "staff-bole")
    page.evaluate("window.marker = 'same page'")
    ticket_id = new_ticket(question="新来的问题：人才公寓")
    page.get_by_role("link", name=ticket_id).wait_for(timeout=15_000)
    assert page.evaluate("window.marker") == "same page"


def test_the_keyboard_reaches_the_content_first_and_every_control_in_order(page):
    new_ticket()
    sign_in(page, "staff-bole")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate("document.activeElement.tagName + ':' + document.activeElement.textContent.trim()")
        )
    assert any(item.startswith("A:工单") for item in seen) and any(item.startswith("SELECT") for item in seen)


def test_the_english_interface_is_accessible_too(page):
    sign_in(page, "staff-bole")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Tickets").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert accessibility_problems(page) == []


@pytest.fixture
def telegram(office_database: str) -> Iterator[FakeBotApi]:
    """The Telegram bot delivering the outbox, polling a fake Bot API server, in a thread of its own."""
    with FakeBotApi() as api:
        settings = Settings(
            _env_file=None,
            database_url=office_database,
            telegram_bot_token=SecretStr(api.token),
            telegram_api_base_url=api.base_url,
            rasa_port=free_port(),
            outbox_poll_seconds=0.2,
        )
        stop, started = threading.Event(), threading.Event()

        async def serve() -> None:
            async with running_bot(settings):
                started.set()
                while not stop.is_set():
                    await asyncio.sleep(0.1)

        thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        thread.start()
        assert started.wait(20), "the bot did not start"
        yield api
        stop.set()
        thread.join(timeout=20)


def test_a_reply_written_in_the_browser_reaches_the_talent_on_telegram(page, telegram):
    ticket_id = new_ticket()
    sign_in(page, "staff-bole")
    page.goto(f"/tickets/{ticket_id}")
    page.get_by_role("button", name="认领").click()
    page.get_by_role("status").filter(has_text="已认领").wait_for()
    page.get_by_label("回复、备注或说明").fill("请带身份证到一楼窗口办理，周一至周五。")
    page.get_by_role("button", name="回复人才").click()
    page.get_by_role("status").filter(has_text="回复已发送给人才").wait_for()
    delivered = telegram.wait_for(
        lambda api: next((m for m in api.sent(42) if "请带身份证到一楼窗口办理" in m.get("text", "")), None),
        timeout=20,
        what="the reply in the talent's chat",
    )
    assert ticket_id in delivered["text"]


def test_a_leader_records_a_contact_and_the_follow_up_reminder_is_scheduled(page):
    sign_in(page, "leader-bole")
    page.get_by_role("link", name="我联系的人才").click()
    page.get_by_role("heading", name="我联系的人才").wait_for()
    assert accessibility_problems(page) == []
    page.get_by_role("link", name="张教授").first.click()
    assert accessibility_problems(page) == []
    follow_up = local_today() + dt.timedelta(days=14)
    page.get_by_label("电话").check()
    page.get_by_label("备注").fill("询问子女入学进展，下次回访。")
    page.get_by_label("回访日期").fill(follow_up.isoformat())
    page.get_by_role("button", name="保存联系记录").click()
    page.get_by_role("status").filter(has_text="联系已记录").wait_for()
    assert "询问子女入学进展" in page.content() and accessibility_problems(page) == []
    on_the_day = dt.datetime.combine(follow_up, dt.time(9), tzinfo=LOCAL_TZ)
    with session_scope() as session:
        assert (
            scheduled.remind_contact_leaders(session, every_days=90, now=on_the_day - dt.timedelta(days=1))
            == 0
        )
        assert scheduled.remind_contact_leaders(session, every_days=90, now=on_the_day) == 1
        reminder = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "contact_reminder")
        ).one()
        assert reminder.recipient == "leader-bole"
