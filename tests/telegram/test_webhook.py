"""Webhook mode: Telegram posts updates to the bot, which accepts only those carrying the secret token."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from telegram.ext import Application

from bot.telegram_app import ALLOWED_UPDATES, build_application
from frontdesk.config import Settings
from launcher.serve import free_port
from tests.fake_bot_api import FakeBotApi

SECRET = "webhook-secret_1"


def lang_command(update_id: int, user_id: int) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": user,
            "text": "/lang",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


@asynccontextmanager
async def webhook_bot(settings: Settings) -> AsyncIterator[str]:
    """The bot application serving its webhook on loopback for as long as the block runs; its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    application: Application = build_application(settings)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="telegram",
        webhook_url=url,
        secret_token=SECRET,
        allowed_updates=ALLOWED_UPDATES,
    )
    try:
        yield url
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_updates_with_the_secret_are_answered_and_others_refused(bot_settings, fake_api: FakeBotApi):
    async with webhook_bot(bot_settings) as url:
        assert fake_api.calls_to("setWebhook")[-1]["url"] == url
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json=lang_command(7001, 2001))
            accepted = await client.post(
                url, json=lang_command(7002, 2002), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
        assert refused.status_code == 403 and accepted.status_code == 200
        menu = await fake_api.wait_for_messages_async(2002)
        assert "language" in menu[0]["text"]
        assert fake_api.sent(2001) == []


async def test_a_body_that_is_no_update_is_refused_and_logged_in_one_line_without_its_text(
    bot_settings, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
):
    marker = "人才的问题MARKER-7731"
    not_updates = [  # JSON that python-telegram-bot cannot read as an update: refused with 400
        {"update_id": 7101, "message": marker},
        {"update_id": 7102, "message": {"message_id": 1, "text": marker}},  # no chat, no date
        [7103, marker],
    ]
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    with caplog.at_level(logging.INFO):
        async with webhook_bot(bot_settings) as url, httpx.AsyncClient() as client:
            refused = [await client.post(url, json=body, headers=headers) for body in not_updates]
            # Not JSON at all: python-telegram-bot answers 500 (before any handler of ours could refuse it).
            broken = [
                await client.post(url, content=body, headers=headers)
                for body in (b"\xff\xfe" + marker.encode(), f"{{{marker}".encode())
            ]
            # Read as an update whose id is the text; its handler fails (on PostgreSQL) and logs no id.
            forged = await client.post(url, json={"update_id": marker}, headers=headers)
    assert [response.status_code for response in refused] == [400, 400, 400]
    assert all(response.status_code >= 400 for response in broken) and forged.status_code == 200
    assert "MARKER" not in caplog.text and "Traceback" not in caplog.text
    lines = [r for r in caplog.records if r.name == "telegram.ext.Updater" and r.levelno >= logging.WARNING]
    assert [(r.levelname, r.getMessage().split(" (")[0]) for r in lines] == [
        ("WARNING", "webhook request not processed")
    ] * 3
