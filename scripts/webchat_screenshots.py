"""Screenshots of the web chat for docs/ (Debian's Chromium; CJK text needs fonts-noto-cjk, the 👍/👎 buttons
fonts-noto-color-emoji):

    .venv/bin/python scripts/webchat_screenshots.py [--out docs]

The stack as the launcher starts it (Rasa with models/frontdesk.tar.gz, the action server) on free loopback
ports with a scratch SQLite database, the web chat in front of it served by uvicorn; a talent asks real
questions and each page is taken as they see it: webchat-desktop.png, webchat-phone.png (375 px wide),
webchat-kiosk.png, webchat-ticket.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

QUESTION = "博乐市的人才公寓怎么申请？"
SHOTS = [  # (file, path, viewport, what the talent does: typed texts or "button:<title>")
    ("webchat-desktop.png", "/", {"width": 1280, "height": 900}, [QUESTION]),
    ("webchat-phone.png", "/", {"width": 375, "height": 780}, ["button:住房保障", "button:精河县"]),
    ("webchat-kiosk.png", "/kiosk", {"width": 1080, "height": 1280}, ["子女入学"]),
    ("webchat-ticket.png", "/", {"width": 1280, "height": 1000}, [QUESTION, "转人工"]),
]


def start_stack(folder: Path):
    """The launcher's services on free ports, ready; returns (settings, services)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'chat.db'}"
    from frontdesk.config import Settings
    from frontdesk.database import get_engine
    from launcher.prepare import prepare_database
    from launcher.serve import build_services, free_port, wait_until_ready, warm_up, with_secrets

    settings = with_secrets(
        Settings(
            _env_file=None,
            database_url=os.environ["DATABASE_URL"],
            rasa_port=free_port(),
            actions_port=free_port(),
            backoffice_port=free_port(),
            webchat_port=free_port(),
            rasa_open_for_evaluation=False,
            tracker_store_url=f"sqlite:///{folder / 'tracker.db'}",
        )
    )
    prepare_database(get_engine())
    services = build_services(settings, log_dir=folder)
    for service in services:
        service.start()
    wait_until_ready(settings, services)
    warm_up(settings)
    return settings, services


def act(page, step: str) -> None:
    """Type a question or press a button of the last answer, then wait until the answer is shown."""
    before = page.locator("#log .msg:not(.welcome):not(.talent)").count()
    if step.startswith("button:"):
        page.locator("#log .choice", has_text=step.removeprefix("button:")).last.click()
    else:
        page.fill("#composer-input", step)
        page.press("#composer-input", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#log .msg:not(.welcome):not(.talent)').length > n",
        arg=before,
        timeout=60_000,
    )
    page.wait_for_selector("#log .msg.pending", state="detached", timeout=60_000)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-webchat-screens-"))
    from playwright.sync_api import sync_playwright

    from launcher.serve import free_port, stop_all
    from tests.backoffice.conftest import CHROMIUM, CHROMIUM_ARGS

    settings, services = start_stack(folder)
    import uvicorn

    from webchat.app import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, deliver=False), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for name, path, viewport, steps in SHOTS:
                context = browser.new_context(
                    base_url=f"http://127.0.0.1:{port}",
                    viewport=viewport,
                    locale="zh-CN",
                    reduced_motion="reduce",
                )
                page = context.new_page()
                page.goto(path)
                for step in steps:
                    act(page, step)
                if name == "webchat-ticket.png":
                    page.locator(".ticket").last.scroll_into_view_if_needed()
                page.screenshot(path=str(args.out / name))
                print(args.out / name)
                context.close()
            browser.close()
    finally:
        server.should_exit = True
        stop_all(services)


if __name__ == "__main__":
    main()
