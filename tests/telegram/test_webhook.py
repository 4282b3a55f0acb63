"""Webhook mode: Telegram posts updates to the bot, which accepts only those carrying the secret token."""

from __future__ import annotations

import httpx
from telegram.ext import Application

from bot.telegram_app import ALLOWED_UPDATES, build_application
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


async def test_updates_with_the_secret_are_answered_and_others_refused(bot_settings, fake_api: FakeBotApi):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    application: Application = build_application(bot_settings)
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
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
