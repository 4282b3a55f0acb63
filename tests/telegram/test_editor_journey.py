"""An editor's change from the back office to the talents, through everything real: Chromium on the back
office the launcher serves, the real Rasa and action servers, the bot on the fake Bot API. A talent is
answered from v1; one editor changes the article and submits it, a second previews and approves and publishes
it; the preview and then the live assistant answer with v2 in the citation, and the talent answered from v1
is told of the change (by the launcher's sweep) and sees the new answer from the notice's button."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from backoffice import accounts
from conversations import scheduled
from people import roster
from policies_kb.models import ArticleVersion, ReviewEvent, VersionStatus
from tests.backoffice.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, _require, accessibility_problems
from tests.fake_bot_api import FakeBotApi
from tests.telegram.test_journeys import buttons, message_with

pytestmark = pytest.mark.integration

TALENT = 8601
ARTICLE = "talent-apartment-bole"
QUESTION = "博乐市的人才公寓怎么申请？"
NEW_WAY = "可登录博州人才网“绿卡服务”栏目在线提交申请"
NOTE = "增加在线申请渠道"
EDITORS = """
- {id: journey-editor, name: 韩编辑, role: staff, districts: [博乐市], topics: [all]}
- {id: journey-reviewer, name: 罗编辑, role: staff, districts: [博乐市], topics: [all]}
"""


@pytest.fixture
def editors(stack) -> None:
    with Session(stack.engine) as session, session.begin():
        assert not roster.import_roster(session, text=EDITORS, fmt="yaml").problems
        for person_id in ("journey-editor", "journey-reviewer"):
            accounts.create_account(session, person_id=person_id, password=PASSWORD, editor=True)


@pytest.fixture
def knowledge_base_kept(stack) -> Iterator[None]:
    """The stack's knowledge base as it was before, for the tests after this one (they share the stack)."""
    yield
    with Session(stack.engine) as session, session.begin():
        session.execute(delete(ReviewEvent).where(ReviewEvent.article_id == ARTICLE))
        later = (ArticleVersion.article_id == ARTICLE) & (ArticleVersion.version > 1)
        session.execute(delete(ArticleVersion).where(later))
        first = (ArticleVersion.article_id == ARTICLE) & (ArticleVersion.version == 1)
        session.execute(update(ArticleVersion).where(first).values(status=VersionStatus.PUBLISHED))


def in_the_back_office(base_url: str) -> str:
    """The two editors' work in Chromium (in a thread of its own: Playwright's sync API keeps off the test's
    event loop); what the preview showed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            change_and_submit(page)
            return preview_approve_and_publish(page)
        finally:
            context.close()
            browser.close()


def sign_in(page, person_id: str) -> None:
    page.goto("/login")
    page.get_by_label("工作人员编号").fill(person_id)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/queue")


def change_and_submit(page) -> None:
    sign_in(page, "journey-editor")
    page.goto(f"/editor/articles/{ARTICLE}/edit")
    how = page.get_by_label("办理方式（中文）")
    how.fill(f"{how.input_value()}{NEW_WAY}。")
    page.get_by_label("修改内容及原因（记入历史）").fill(NOTE)
    page.get_by_role("button", name="保存为草稿").click()
    page.get_by_role("status").filter(has_text="已保存为新草稿").wait_for()
    page.get_by_role("button", name="提交审核").click()
    page.get_by_role("status").filter(has_text="已提交审核").wait_for()
    page.get_by_role("button", name="退出登录").click()


def preview_approve_and_publish(page) -> str:
    """The second editor's preview of v2 (its text), then v2 approved and published."""
    sign_in(page, "journey-reviewer")
    page.goto(f"/editor/articles/{ARTICLE}")
    page.get_by_role("link", name="v2", exact=False).first.click()
    page.get_by_label("人才的问题").fill(QUESTION)
    page.get_by_label("所在地区").select_option("博乐市")
    page.get_by_role("button", name="预览").click()
    preview = page.get_by_role("region", name="Telegram 中的样子")
    preview.wait_for()
    shown = preview.inner_text()
    assert accessibility_problems(page) == []
    page.goto(f"/editor/articles/{ARTICLE}")
    page.get_by_role("button", name="审核通过").click()
    page.get_by_role("status").filter(has_text="已审核通过").wait_for()
    page.get_by_role("button", name="发布").click()
    page.get_by_role("status").filter(has_text="已发布").wait_for()
    return shown


async def test_a_published_change_reaches_the_preview_the_assistant_and_the_talent_answered_before(
    stack, stack_bot, fake_api: FakeBotApi, editors, knowledge_base_kept
):
    _require(CHROMIUM, "apt-get install chromium (.ci/run does)")
    fake_api.send_text(TALENT, QUESTION)
    before = await message_with(fake_api, TALENT, "第1版")
    assert NEW_WAY not in before["text"]

    shown = await asyncio.to_thread(in_the_back_office, f"http://127.0.0.1:{stack.settings.backoffice_port}")
    assert NEW_WAY in shown and "第2版" in shown

    with Session(stack.engine) as session, session.begin():
        assert scheduled.notify_policy_changes(session) == 1  # the launcher's sweep, once a minute
    notice = await message_with(fake_api, TALENT, "政策变动提醒", NOTE)
    see_new_answer = buttons(notice)[0]
    fake_api.press_button(TALENT, notice, see_new_answer)
    after = await message_with(fake_api, TALENT, NEW_WAY, "第2版")
    assert "博市人才办发〔2025〕4号" in after["text"]

    fake_api.send_text(TALENT + 1, QUESTION)  # a talent asking now: the new answer, and no notice
    await message_with(fake_api, TALENT + 1, NEW_WAY, "第2版")
    with Session(stack.engine) as session, session.begin():
        assert scheduled.notify_policy_changes(session) == 0
