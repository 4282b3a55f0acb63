"""The back office on a real (migrated) database, through Starlette's test client (people signed in by the
login form, as a browser does) and in a real browser (Debian's Chromium driven by Playwright against the
application served by uvicorn on loopback, axe-core checking the pages)."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from backoffice import accounts
from backoffice.app import create_app
from frontdesk import database
from frontdesk.config import PROJECT_ROOT, Settings, get_settings
from frontdesk.database import session_scope
from frontdesk.migrate import upgrade_schema
from launcher.serve import free_port
from people import registry, roster
from tests.conftest import ROSTER_YAML, SECRET, TALENTS_CSV
from tickets import service

PASSWORD = "correct horse battery"
PEOPLE = ("staff-bole", "staff-jinghe", "officer-hr", "leader-bole", "leader-region")
ADMIN = "officer-hr"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _clear_cached_settings() -> None:
    for cached in (get_settings, database.get_engine, database.get_sessionmaker, service.default_sla):
        cached.cache_clear()


@pytest.fixture
def office_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The roster and registry of tests/conftest.py, an account for each person (officer-hr an admin)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    _clear_cached_settings()
    upgrade_schema(database.get_engine())
    with session_scope() as session:
        assert not registry.import_csv(session, text=TALENTS_CSV, secret=SECRET).problems
        assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems
        for person_id in PEOPLE:
            accounts.create_account(session, person_id=person_id, password=PASSWORD, admin=person_id == ADMIN)
    yield database_url
    database.get_engine().dispose()
    _clear_cached_settings()


@pytest.fixture
def app(office_database: str):
    """The application as in the local demo, on plain http (see test_pages for the HTTPS settings)."""
    return create_app(Settings(_env_file=None, database_url=office_database, backoffice_secure_cookies=False))


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(client: TestClient, person_id: str, password: str = PASSWORD):
    """The login form, filled in and sent; returns the response to the POST."""
    form = client.get("/login")
    return client.post(
        "/login",
        data={"person_id": person_id, "password": password, "csrf": csrf_of(form.text), "next": "/queue"},
        follow_redirects=False,
    )


@pytest.fixture
def browser(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        yield client


def new_ticket(
    *, district: str = "博乐市", topic: str = "housing", question: str = "人才公寓怎么申请？"
) -> str:
    with session_scope() as session:
        return service.create_ticket(
            session,
            channel="telegram",
            sender_id="telegram:42",
            question=question,
            reason="talent_request",
            sla=service.default_sla(),
            district=district,
            topic=topic,
            card_number="BZ2026A001" if district == "博乐市" else None,
            transcript=[
                {"who": "talent", "text": question},
                {"who": "bot", "text": "<b>抱歉</b>，我转人工。"},
            ],
        ).id


# -- the browser: Debian's Chromium driven by Playwright, the application served by uvicorn on loopback --
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


@contextmanager
def served(app: ASGIApp, *, what: str) -> Iterator[str]:
    """`app` served by uvicorn in a thread on a free loopback port: its base URL, until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, f"{what} did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def office_url(office_database: str) -> Iterator[str]:
    """The back office served by uvicorn in a thread, on a free loopback port."""
    app = create_app(Settings(_env_file=None, database_url=office_database, backoffice_secure_cookies=False))
    with served(app, what="the back office") as url:
        yield url


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


def sign_in_browser(page, person_id: str) -> None:
    """The login form filled in and sent in the browser (the login page checked with axe-core too)."""
    page.goto("/queue")
    assert "/login" in page.url
    assert accessibility_problems(page) == []
    page.get_by_label("工作人员编号").fill(person_id)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/queue")
