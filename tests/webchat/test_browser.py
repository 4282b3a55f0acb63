"""The web chat as a talent uses it: Debian's Chromium driven by Playwright against the web chat served by
uvicorn on loopback, in front of the real stack (Rasa, the action server, the database); axe-core checks
the pages in both languages, in the browser and at the kiosk."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from launcher.serve import stop_all, wait_until_ready
from tests.backoffice.conftest import AXE, CHROMIUM, CHROMIUM_ARGS, _require, accessibility_problems, served

pytestmark = pytest.mark.integration

QUESTION = "博乐市的人才公寓怎么申请？"
TICKET_NUMBER = re.compile(r"GC-\d{4}-\d+")


@pytest.fixture(scope="module")
def chat_url(stack) -> Iterator[str]:
    """The web chat in front of the stack, served by uvicorn in a thread on a free loopback port."""
    from webchat.app import create_app

    # the stack's own web chat delivers the outbox
    with served(create_app(stack.settings, deliver=False), what="the web chat") as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    _require(CHROMIUM, "apt-get install chromium (.ci/run does)")
    _require(AXE, "npm ci --prefix tests/browser (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(chromium, chat_url: str, **options):
    context = chromium.new_context(base_url=chat_url, locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(30_000)  # an answer goes through Rasa and the action server
    return context, page


@pytest.fixture
def page(chromium, chat_url: str):
    context, page = _page(chromium, chat_url)
    yield page
    context.close()


def log_of(page):
    return page.get_by_role("log")


def answers(page):
    return page.locator("#log .msg.assistant:not(.welcome)")


def ask(page, text: str) -> None:
    """Type `text` and send it with Enter, then wait until the assistant's next message is there."""
    before = answers(page).count() + page.locator("#log .msg.system").count()
    page.get_by_label("您的问题").fill(text)
    page.get_by_label("您的问题").press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#log .msg.assistant:not(.welcome), #log .msg.system').length > n",
        arg=before,
    )
    page.wait_for_selector("#log .msg.pending", state="detached")


def test_a_question_is_answered_with_its_source_and_a_follow_up_stays_with_it(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    ask(page, QUESTION)
    answer = answers(page).last
    assert "依据" in answer.inner_text() and "第1版" in answer.inner_text()
    assert log_of(page).get_by_text(QUESTION).count() == 1  # the question once, as the server keeps it
    helpful = answer.get_by_role("button", name="👍 有帮助")
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status").first).to_contain_text("谢谢您的反馈")
    ask(page, "要带什么材料？")
    follow_up = answers(page).last.inner_text()
    assert "所需材料" in follow_up and "依据" in follow_up


def more_answers(page, count: int) -> None:
    """Wait until the assistant has said more than `count` messages and the page sends nothing."""
    page.wait_for_function(
        "n => document.querySelectorAll('#log .msg.assistant:not(.welcome)').length > n", arg=count
    )
    page.wait_for_selector("#log .msg.pending", state="detached")


def test_a_topic_from_the_menu_and_then_the_buttons_of_the_replies_are_pressed(page):
    page.goto("/")
    page.get_by_role("group", name="咨询主题").get_by_role("button", name="住房保障").click()
    assert page.evaluate("document.activeElement.id") == "composer-input"
    more_answers(page, 0)
    asked = answers(page).last  # the detail form: which district?
    assert "人才公寓" in log_of(page).inner_text()
    asked.get_by_role("button", name="博乐市").click()
    assert page.evaluate("document.activeElement.id") == "composer-input"
    more_answers(page, 1)
    answer = answers(page).last
    assert "依据" in answer.inner_text() and "博乐市" in answer.inner_text()
    answer.get_by_role("button", name="所需材料").click()
    more_answers(page, 2)
    assert "材料" in answers(page).last.inner_text()
    page.locator("#composer").get_by_role("button", name="转人工").click()  # talk to a person
    box = page.get_by_role("region", name="您的工单号")
    assert TICKET_NUMBER.fullmatch(box.locator(".ticket-id").inner_text())
    assert box.get_by_label("回访手机号").is_visible()


def test_a_reload_keeps_the_conversation_and_the_english_switch_too(page):
    page.goto("/")
    ask(page, QUESTION)
    shown = log_of(page).inner_text()
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('#log .msg.assistant:not(.welcome)').length > 0")
    assert log_of(page).inner_text() == shown
    page.get_by_role("link", name="Switch to English").click()
    page.wait_for_url("**/?lang=en")
    page.wait_for_function("() => document.querySelectorAll('#log .msg.assistant:not(.welcome)').length > 0")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Your question").is_visible()
    assert QUESTION in log_of(page).inner_text() and "依据" in log_of(page).inner_text()


def test_what_anyone_writes_is_shown_as_text_never_as_markup(page):
    page.goto("/")
    typed = '<img src=x onerror="document.title=1">\n<b>第二行</b>'
    ask(page, typed)
    mine = page.locator("#log .msg.talent .text").last
    assert mine.inner_text() == typed and page.locator("#log img, #log .text b").count() == 0
    assert mine.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"


def test_a_stopped_rasa_makes_a_ticket_with_its_number_a_call_back_and_the_status_check(page, stack):
    page.goto("/")
    rasa = next(service for service in stack.services if service.name == "rasa server")
    stop_all([rasa])
    try:
        ask(page, "人才公寓怎么申请")
    finally:
        rasa.start()
        wait_until_ready(stack.settings, stack.services)
    box = page.get_by_role("region", name="您的工单号")
    number = box.locator(".ticket-id").inner_text()
    assert TICKET_NUMBER.fullmatch(number) and number in page.locator("#log .msg.system").last.inner_text()
    phone = box.get_by_label("回访手机号")
    phone.fill("2380000123")
    box.get_by_role("button", name="请工作人员回电").click()
    assert box.get_by_text("请输入11位中国大陆手机号").is_visible()
    assert phone.get_attribute("aria-invalid") == "true"
    phone.fill("13800001234")
    box.get_by_role("button", name="请工作人员回电").click()
    box.get_by_text("已记录，工作人员会给您回电。").wait_for()
    assert box.get_by_label("工单号").input_value() == number
    box.get_by_label("手机号后四位").fill("1234")
    box.get_by_role("button", name="查询").click()
    box.locator(".status-form .result").filter(has_text=re.compile(".+")).wait_for()
    assert "没有找到" not in box.locator(".status-form .result").inner_text()


def test_a_dropped_connection_keeps_the_text_and_sends_it_once(page):
    page.goto("/")
    ask(page, "你好")  # a session exists
    dropped: list[str] = []

    def drop(route):
        if route.request.method == "POST":
            dropped.append(route.request.post_data or "")
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/messages*", drop)
    question = page.get_by_label("您的问题")
    question.fill(QUESTION)
    question.press("Enter")
    expect(page.locator("#status")).to_contain_text("网络不稳定")
    assert question.input_value() == QUESTION and page.get_by_role("button", name="发送").is_disabled()
    question.press("Enter")  # pressed again while the send waits: nothing more goes out
    page.wait_for_function("() => document.querySelectorAll('#log .msg.pending').length === 1")
    page.unroute("**/api/messages*")
    page.wait_for_selector("#log .msg.pending", state="detached", timeout=30_000)
    assert dropped and question.input_value() == ""
    assert log_of(page).get_by_text(QUESTION, exact=True).count() == 1
    assert "依据" in answers(page).last.inner_text()


def test_the_kiosk_forgets_the_conversation_after_the_idle_time_and_on_start_over(chromium, chat_url):
    context, page = _page(chromium, chat_url)
    try:
        page.goto("/kiosk?idle=3&countdown=2")
        ask(page, QUESTION)
        assert page.evaluate("localStorage.getItem('frontdesk.webchat.token')")
        page.get_by_role("dialog", name="还在吗？").wait_for(timeout=10_000)
        page.get_by_role("dialog").wait_for(state="hidden", timeout=10_000)
        assert answers(page).count() == 0 and QUESTION not in log_of(page).inner_text()
        assert page.evaluate("localStorage.getItem('frontdesk.webchat.token')") is None
        page.reload()  # nothing of the last person comes back
        page.wait_for_load_state("networkidle")
        assert answers(page).count() == 0
        start_over = page.get_by_role("button", name="重新开始")
        assert start_over.bounding_box()["height"] >= 56
        ask(page, QUESTION)
        start_over.click()
        assert answers(page).count() == 0 and page.get_by_label("您的问题").input_value() == ""
        assert page.get_by_role("group", name="咨询主题").is_visible()
    finally:
        context.close()


def test_a_375_pixel_phone_needs_no_horizontal_scrolling(chromium, chat_url):
    context, page = _page(chromium, chat_url, viewport={"width": 375, "height": 720}, is_mobile=True)
    try:
        page.goto("/")
        ask(page, QUESTION)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for control in page.locator("button:visible, a:visible:not(.skip), textarea:visible, summary").all():
            control.scroll_into_view_if_needed()
            box = control.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
            assert box["height"] >= 24 and box["width"] >= 24
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/kiosk", "/kiosk?lang=en"])
def test_the_pages_have_no_serious_accessibility_problems(path, chromium, chat_url):
    context, page = _page(chromium, chat_url)
    try:
        page.goto(path)
        assert accessibility_problems(page) == []
        before = answers(page).count()
        page.locator("#composer-input").fill(QUESTION)
        page.locator("#composer-input").press("Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('#log .msg.assistant:not(.welcome)').length > n", arg=before
        )
        page.get_by_role("group").filter(has_text="👍").first.wait_for()
        assert accessibility_problems(page) == []
        if "kiosk" in path:
            sizes = page.eval_on_selector_all(
                "button:not(.skip), a.tool, summary",
                "els => els.map(e => e.getBoundingClientRect()).filter(r => r.width).map(r => r.height)",
            )
            assert min(sizes) >= 56
    finally:
        context.close()


def test_the_keyboard_alone_reaches_the_input_sends_and_presses_a_button(page):
    page.goto("/")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "composer-input":
            break
    else:
        pytest.fail("Tab never reached the question box")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#log .msg.assistant:not(.welcome)').length > 0")
    assert page.evaluate("document.activeElement.id") == "composer-input"
    page.wait_for_selector("#log .msg.pending", state="detached")
    count = answers(page).count()
    for _ in range(12):  # back from the question box into the answer's buttons
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent") == "所需材料":
            break
    else:
        pytest.fail("Shift+Tab never reached the answer's buttons")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "composer-input"
    page.wait_for_function(
        "n => document.querySelectorAll('#log .msg.assistant:not(.welcome)').length > n", arg=count
    )


def test_the_snippet_opens_the_chat_in_a_dialog_that_esc_closes(page, chat_url):
    host = f"{chat_url}/district-site-for-the-test"
    page.route(
        host,
        lambda route: route.fulfill(
            content_type="text/html",
            body='<!doctype html><html lang="zh-CN"><title>区政府网站</title>'
            '<main><h1>区政府网站</h1></main><script src="/embed.js" defer></script></html>',
        ),
    )
    page.goto(host)
    opener = page.get_by_role("button", name="人才绿卡咨询")
    opener.click()
    dialog = page.get_by_role("dialog", name="人才绿卡咨询")
    frame = page.frame_locator("iframe[title='人才绿卡咨询']")
    frame.get_by_label("您的问题").wait_for()
    assert accessibility_problems(page) == []
    frame.get_by_label("您的问题").click()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent") == "人才绿卡咨询"
    opener.press("Enter")
    page.get_by_role("button", name="关闭 Close").press("Enter")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent") == "人才绿卡咨询"
