"""Screenshots of the back office's main pages for docs/ (Debian's Chromium; CJK text needs
fonts-noto-cjk):

    .venv/bin/python scripts/screenshots.py [--out docs]

A scratch SQLite database with the example roster and registry, a few tickets and a contact, the
application served by uvicorn on a free loopback port, each page taken as a signed-in person sees it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

PASSWORD = "screenshot password"
PAGES = [  # (person, path, file)
    ("staff-bole-1", "/queue", "backoffice-queue.png"),
    ("staff-bole-1", "/tickets/{ticket}", "backoffice-ticket.png"),
    ("leader-bole", "/leaders", "backoffice-leaders.png"),
    ("officer-hrss", "/admin/calendar?year=2027", "backoffice-calendar.png"),
]
HANDED_OVER = "这个问题我转给窗口工作人员。"
QUESTIONS = [
    ("博乐市", "schooling", "孩子今年秋季转学到博乐市第一小学，需要准备哪些材料？户口还没迁过来。"),
    ("博乐市", "housing", "人才公寓申请提交后多久有结果？"),
    ("精河县", "medical", "A类人才的年度体检在哪家医院做？"),
    ("博乐市", "spouse_employment", "我爱人是中学教师，调动工作需要找哪个部门？"),
]


def prepare(folder: Path) -> str:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'screens.db'}"
    from backoffice import accounts
    from frontdesk.database import get_engine, session_scope
    from frontdesk.migrate import upgrade_schema
    from people import contacts, registry, roster
    from people.models import ContactKind
    from tickets import commands, service

    upgrade_schema(get_engine())
    with session_scope() as session:
        registry.import_csv(
            session, text=(PROJECT_ROOT / "examples/talents.csv").read_text(), secret="screens"
        )
        roster.import_roster(session, text=(PROJECT_ROOT / "examples/roster.yml").read_text(), fmt="yaml")
        for person_id, _, _ in PAGES:
            if session.get(accounts.Account, person_id) is None:
                accounts.create_account(
                    session, person_id=person_id, password=PASSWORD, admin=person_id == "officer-hrss"
                )
        ids = []
        for n, (district, topic, question) in enumerate(QUESTIONS):
            ticket = service.create_ticket(
                session, channel="telegram", sender_id=f"telegram:{700 + n}", question=question,
                reason="talent_request", sla=service.default_sla(), district=district, topic=topic,
                card_number="BZ2026A001" if n == 0 else None,
                transcript=[{"who": "talent", "text": question}, {"who": "bot", "text": HANDED_OVER}],
            )  # fmt: skip
            ids.append(ticket.id)
        person = session.get(service.Person, "staff-bole-1")
        commands.perform(session, verb=commands.Verb.CLAIM, ticket_id=ids[0], person=person, via="web")
        commands.perform(
            session,
            verb=commands.Verb.NOTE,
            ticket_id=ids[0],
            person=person,
            text="已电话联系家长",
            via="web",
        )
        today = dt.date.today()
        contacts.record_contact(
            session, person_id="leader-bole", card_number="BZ2026A001", kind=ContactKind.VISIT,
            note="走访了解子女入学需求", contacted_on=today, follow_up_on=today + dt.timedelta(days=30),
            recorded_by="leader-bole", today=today,
        )  # fmt: skip
    return ids[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-screens-"))
    ticket = prepare(folder)
    import uvicorn
    from playwright.sync_api import sync_playwright

    from backoffice.app import create_app
    from frontdesk.config import Settings
    from launcher.serve import free_port
    from tests.backoffice.conftest import CHROMIUM, CHROMIUM_ARGS

    port = free_port()
    app = create_app(Settings(_env_file=None, backoffice_secure_cookies=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for person_id, path, name in PAGES:
            context = browser.new_context(
                base_url=f"http://127.0.0.1:{port}", viewport={"width": 1280, "height": 860}
            )
            page = context.new_page()
            page.goto("/login")
            page.fill("#person_id", person_id)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/queue")
            page.goto(path.format(ticket=ticket))
            page.screenshot(path=str(args.out / name), full_page=True)
            print(args.out / name)
            context.close()
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
