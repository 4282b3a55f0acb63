"""The back office in a real browser: Debian's Chromium driven by Playwright against the application served
by uvicorn on loopback; axe-core checks every page for serious and critical accessibility problems."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from backoffice.app import create_app
from frontdesk.config import PROJECT_ROOT, Settings
from launcher.serve import free_port
from tests.backoffice.conftest import PASSWORD, new_ticket

CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _require(path: Path, how: str) -> None:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: {how}")
        pytest.skip(f"{path} is missing: {how}")


@pytest.fixture
def office_url(office_database: str) -> Iterator[str]:
    """The back office served by uvicorn in a thread, on a free loopback port."""
    port = free_port()
    app = create_app(Settings(_env_file=None, database_url=office_database, backoffice_secure_cookies=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the back office did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(office_url: str):
    _require(CHROMIUM, "apt-get install chromium (.ci/run does)")
    _require(AXE, "npm ci --prefix tests/browser (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=office_url, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()


def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(
        AXE.read_text(encoding="utf-8")
    )  # through the debugger: the page's CSP forbids inline scripts
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:3]}"
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def sign_in(page, person_id: str) -> None:
    page.goto("/queue")
    assert "/login" in page.url
    assert accessibility_problems(page) == []
    page.get_by_label("工作人员编号").fill(person_id)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/queue")


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
