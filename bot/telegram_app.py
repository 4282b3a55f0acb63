"""The Telegram channel: private text messages to Rasa, answers back with inline keyboards."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.flows import talent_turn
from bot.rasa_client import BotMessage, RasaClient
from frontdesk.config import Settings

log = logging.getLogger(__name__)

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback data


def sender_id_of(user_id: int) -> str:
    return f"telegram:{user_id}"


def keyboard(buttons: list[dict[str, str]]) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard, two to a row; a payload too long for Telegram is left out."""
    usable = [b for b in buttons if len(b["payload"].encode("utf-8")) <= CALLBACK_DATA_LIMIT]
    if len(usable) < len(buttons):
        log.warning(
            "left out %d buttons whose payload exceeds %d bytes",
            len(buttons) - len(usable),
            CALLBACK_DATA_LIMIT,
        )
    if not usable:
        return None
    rows = [usable[i : i + 2] for i in range(0, len(usable), 2)]
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["title"], callback_data=b["payload"]) for b in row] for row in rows]
    )


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        return
    settings: Settings = context.bot_data["settings"]
    client: RasaClient = context.bot_data["rasa"]
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    replies = await talent_turn(
        client,
        channel="telegram",
        sender_id=sender_id_of(user.id),
        raw_text=text,
        limit=settings.max_message_chars,
    )
    await send_replies(context, chat.id, replies)


async def send_replies(context: ContextTypes.DEFAULT_TYPE, chat_id: int, replies: list[BotMessage]) -> None:
    for reply in replies:
        if reply.text:
            await context.bot.send_message(
                chat_id, reply.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply.buttons)
            )


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message and update.message.text:
        await _answer(update, context, update.message.text)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: the greeting with the topic menu."""
    await _answer(update, context, "/greet")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.data and query.message and query.message.chat.type == ChatType.PRIVATE:
        await _answer(update, context, query.data)


async def _close_client(application: Application) -> None:
    await application.bot_data["rasa"].close()


def build_application(settings: Settings) -> Application:
    """The bot application, configured from `settings` (which must carry a token)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .rate_limiter(AIORateLimiter())
        .post_shutdown(_close_client)
        .build()
    )
    application.bot_data["settings"] = settings
    application.bot_data["rasa"] = RasaClient(
        settings.rasa_base_url,
        timeout=settings.rasa_timeout_seconds,
        token=settings.rasa_token.get_secret_value() if settings.rasa_token else None,
    )
    private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(["start", "help"], on_start, filters=private))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_private_text))
    application.add_handler(CallbackQueryHandler(on_button))
    return application
