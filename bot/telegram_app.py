"""The Telegram application: talents in private chats, staff and leaders, and the outbox delivered.

Handlers live by audience: bot/talent.py (private chats with talents), bot/staff.py (the staff group and
roster people), bot/delivery.py (the outbox drained to Telegram); bot/updates.py drops repeated updates.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from bot import delivery, notices, staff, state, talent, updates
from bot.messages import render
from bot.rasa_client import RasaClient
from frontdesk.config import Settings

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class _WithoutWebhookBodies(logging.Filter):
    """python-telegram-bot's webhook handler logs a body it cannot read as an update whole, with a
    traceback, at CRITICAL: its failures become one line with the error's kind, never the body (which
    may hold a talent's text), at WARNING at most (a forged or broken request, not our fault)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.module == "webhookhandler" and (record.exc_info or record.levelno >= logging.WARNING):
            error = record.exc_info[1] if record.exc_info else None
            record.msg, record.args = "webhook request not processed (%s)", (type(error).__name__,)
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


_WEBHOOK_LOG_FILTER = _WithoutWebhookBodies()


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A handler failed: one log line (the error's kind, never the update's text), and the person is told.
    A talent's question is already in the inbox, whose sweep turns it into a ticket."""
    update_id = getattr(update, "update_id", None)
    log.error(
        "handler failed on update %s: %s",
        update_id if isinstance(update_id, int) else "?",  # a forged update's id may be any text
        type(context.error).__name__,
    )
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == ChatType.PRIVATE
    ):
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, render("handler_failed", "zh"))


async def _close_client(application: Application) -> None:
    await application.bot_data["rasa"].close()


def build_application(settings: Settings) -> Application:
    """The bot application, configured from `settings` (which must carry a token)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    logging.getLogger("telegram.ext.Updater").addFilter(_WEBHOOK_LOG_FILTER)  # the webhook handler's logger
    bot = updates.WritingDownBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        request=HTTPXRequest(connection_pool_size=256),  # as ApplicationBuilder would: replies go out at once
        get_updates_request=HTTPXRequest(),
        rate_limiter=AIORateLimiter(max_retries=2),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .application_class(updates.SettlingApplication)
        .concurrent_updates(True)
        .post_init(updates.handle_unsettled)
        .post_shutdown(_close_client)
        .build()
    )
    application.bot_data["settings"] = settings
    application.bot_data["rasa"] = RasaClient.from_settings(settings)
    updates.register(application)
    state.register(application)
    staff.register(application)  # before talent: staff buttons and the staff group come first
    notices.register(application)  # before talent: its stop button and /notices
    talent.register(application)
    delivery.register(application)
    application.add_error_handler(_on_error)
    return application
