"""Talents in private chats: questions to the assistant, buttons, /start /help /lang /bind /mytickets.

Text goes to Rasa's REST channel as "telegram:<user id>"; while a ticket waits for the talent's answer,
their next message goes to that ticket instead (with a button to ask it as a new question). Other
kinds of message get a polite reply; a photo or document sent while a ticket waits is attached to it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import state
from bot.flows import NEW_QUESTION, add_to_waiting_ticket, choose_language, chosen_language, talent_turn
from bot.keyboards import KEY_PREFIX, assistant_keyboard, long_payloads
from bot.messages import render
from bot.rasa_client import BotMessage, RasaClient, RasaUnavailable
from bot.votes import is_feedback, on_feedback, votes_under_answers
from frontdesk.config import Settings
from frontdesk.contract import sender_id
from frontdesk.database import session_scope
from frontdesk.payloads import sign
from frontdesk.text import detect_language
from frontdesk.vocabulary import STATUS_LABELS
from people import registry
from tickets import flows as ticket_flows
from tickets import service as ticket_service
from tickets.models import Ticket

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
LANG_PREFIX = "lang:"
TYPING_DELAY_SECONDS = 0.8
TYPING_REFRESH_SECONDS = 4.0  # Telegram shows "typing…" for 5 s
MY_TICKETS_SHOWN = 10

PRIVATE = filters.ChatType.PRIVATE
NOT_TEXT = (
    filters.PHOTO
    | filters.Document.ALL
    | filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.LOCATION
    | filters.CONTACT
    | filters.ANIMATION
    | filters.POLL
    | filters.Dice.ALL
)


def sender_id_of(user_id: int) -> str:
    return sender_id("telegram", user_id)


# -- language ---------------------------------------------------------------------------------------


def _stored_language(sender_id: str) -> str | None:
    with session_scope() as session:
        return chosen_language(session, sender_id=sender_id)


async def language_of(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str = "") -> str:
    """The language of the channel's own texts: the talent's /lang choice, else the message's language,
    else their Telegram app's."""
    user = update.effective_user
    if user is None:
        return "zh"
    if "language" not in context.user_data:
        context.user_data["language"] = await asyncio.to_thread(_stored_language, sender_id_of(user.id))
    chosen = context.user_data["language"]
    if chosen:
        return chosen
    if text.strip():
        return detect_language(text)
    return "en" if (user.language_code or "zh").lower().startswith("en") else "zh"


# -- talking to the assistant -------------------------------------------------------------------------


@asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" from TYPING_DELAY_SECONDS on, until the block ends. A quick answer needs none,
    and every chat action counts against Telegram's 30 requests a second (AIORateLimiter)."""

    async def keep_typing() -> None:
        await asyncio.sleep(TYPING_DELAY_SECONDS)
        while True:
            with suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(TYPING_REFRESH_SECONDS)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()


def _lock_for(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> asyncio.Lock:
    """One turn at a time per talent, so that replies keep the order of the questions. A lock lives
    only while a turn holds or waits for it (weak references), so there are never more than turns."""
    locks: weakref.WeakValueDictionary[int, asyncio.Lock] = context.bot_data.setdefault(
        "talent_locks", weakref.WeakValueDictionary()
    )
    lock = locks.get(user_id)
    if lock is None:
        lock = locks[user_id] = asyncio.Lock()
    return lock


async def send_replies(context: ContextTypes.DEFAULT_TYPE, chat_id: int, replies: list[BotMessage]) -> None:
    """The replies with text, each with its buttons; 👍/👎 in a row of their own under every answer."""
    votes = votes_under_answers(replies)
    all_buttons = [b for reply in replies for b in reply.buttons] + [b for row in votes.values() for b in row]
    await asyncio.to_thread(state.remember_payloads, long_payloads(all_buttons))
    for index, reply in enumerate(replies):
        if reply.text:
            await context.bot.send_message(
                chat_id,
                reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=assistant_keyboard(reply.buttons, last_row=votes.get(index)),
            )


async def ask_assistant(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, *, as_new_question: bool = False
) -> None:
    """One turn with the assistant: the talent's text (or a button's payload) in, its replies out."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    settings: Settings = context.bot_data["settings"]
    client: RasaClient = context.bot_data["rasa"]
    async with _lock_for(context, user.id), typing(context, chat.id):
        await talent_turn(
            client,
            channel="telegram",
            sender_id=sender_id_of(user.id),
            raw_text=text,
            limit=settings.max_message_chars,
            as_new_question=as_new_question,
            deliver=functools.partial(send_replies, context, chat.id),
            key=f"telegram-{context.bot.id}-{update.update_id}",  # the same when the update is replayed
        )


async def reply_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, template: str, **values: Any
) -> None:
    """A text of the channel itself, in the talent's language."""
    message = update.effective_message
    if message is None:
        return
    typed = message.text if message.text and not message.text.startswith("/") else ""
    language = await language_of(update, context, typed)
    markup = values.pop("reply_markup", None)
    await message.reply_text(
        render(template, language, **values), parse_mode=ParseMode.HTML, reply_markup=markup
    )


# -- messages -----------------------------------------------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.message, update.effective_user
    if message is None or message.text is None or user is None:
        return
    context.user_data["last_text"] = message.text  # for "this is a new question", if it goes to a ticket
    await ask_assistant(update, context, message.text)


def _attachment(message: Message) -> tuple[str, str] | None:
    """(kind, file id) of a photo or document, the kinds staff can use on a ticket."""
    if message.photo:
        return "photo", message.photo[-1].file_id
    if message.document:
        return "document", message.document.file_id
    return None


async def on_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.message, update.effective_user
    if message is None or user is None:
        return
    attachment = _attachment(message)
    if attachment is not None:
        kind, file_id = attachment
        note = f"[{kind} file_id={file_id}]" + (f" {message.caption}" if message.caption else "")
        ticket_id = await asyncio.to_thread(add_to_waiting_ticket, sender_id=sender_id_of(user.id), text=note)
        if ticket_id is not None:
            log.info("%s of %s attached to ticket %s", kind, sender_id_of(user.id), ticket_id)
            await reply_text(update, context, "attached", ticket_id=ticket_id)
            return
    log.info("non-text message from %s", sender_id_of(user.id))
    await reply_text(update, context, "text_only")


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edit is not answered again (the first answer stands); the talent is told how to ask anew."""
    user = update.effective_user
    log.info("edited message from %s: not answered again", sender_id_of(user.id) if user else "?")
    await reply_text(update, context, "edited")


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An unknown command, or typed text that looks like one (`/inform{...}`): never sent to Rasa as a
    payload; the talent is shown the commands there are."""
    user = update.effective_user
    log.info("unknown command from %s", sender_id_of(user.id) if user else "?")
    await reply_text(update, context, "unknown_command")


async def on_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Talents are served only in private chats: a command or mention in a group gets a pointer there."""
    await reply_text(update, context, "private_only", bot_username=context.bot.username)


# -- commands -----------------------------------------------------------------------------------------


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await ask_assistant(update, context, sign("/greet"))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await ask_assistant(update, context, sign("/help"))


async def on_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    buttons = [
        InlineKeyboardButton("中文", callback_data=f"{LANG_PREFIX}zh"),
        InlineKeyboardButton("English", callback_data=f"{LANG_PREFIX}en"),
    ]
    await reply_text(update, context, "lang_menu", reply_markup=InlineKeyboardMarkup([buttons]))


async def _set_language(update: Update, context: ContextTypes.DEFAULT_TYPE, language: str) -> None:
    user = update.effective_user
    if user is None or language not in LANGUAGES:
        return
    await asyncio.to_thread(choose_language, sender_id=sender_id_of(user.id), language=language)
    context.user_data["language"] = language
    client: RasaClient = context.bot_data["rasa"]
    try:  # button presses and menus of the assistant follow the chosen language
        await client.set_slot(sender_id_of(user.id), "language", language)
    except RasaUnavailable as exc:
        log.warning("could not set the language slot of %s: %s", sender_id_of(user.id), exc)
    await reply_text(update, context, "lang_set")


def _bind(sender_id: str, card_number: str, last4: str, secret: str) -> registry.BindResult:
    with session_scope() as session:
        result = ticket_flows.bind_card(
            session, sender_id=sender_id, card_number=card_number, last4=last4, secret=secret
        )
        if result.talent is not None:
            session.expunge(result.talent)
        return result


async def on_bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bind CARD LAST4: link the chat to a green card (card number and the phone's last four digits).
    A card linked to another account stays there: the talent is sent to the window."""
    user = update.effective_user
    arguments = context.args or []
    if user is None or len(arguments) != 2 or not (arguments[1].isdigit() and len(arguments[1]) == 4):
        await reply_text(update, context, "bind_usage")
        return
    settings: Settings = context.bot_data["settings"]
    result = await asyncio.to_thread(
        _bind, sender_id_of(user.id), arguments[0], arguments[1], settings.registry_secret.get_secret_value()
    )
    if result.talent is not None:
        await reply_text(update, context, "bind_ok", talent=result.talent)
    elif result.taken:
        await reply_text(update, context, "bind_taken")
    elif result.locked_until is not None:
        await reply_text(update, context, "bind_locked", until=result.locked_until)
    else:
        await reply_text(update, context, "bind_failed", tries_left=result.tries_left)


def _my_tickets(sender_id: str) -> list[Ticket]:
    with session_scope() as session:
        tickets = ticket_service.tickets_of_sender(session, sender_id=sender_id)
        recent = tickets[-MY_TICKETS_SHOWN:][::-1]
        for ticket in recent:
            session.expunge(ticket)
        return recent


async def on_my_tickets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    tickets = await asyncio.to_thread(_my_tickets, sender_id_of(user.id))
    language = await language_of(update, context)
    await reply_text(update, context, "my_tickets", tickets=tickets, status_labels=STATUS_LABELS[language])


# -- buttons ------------------------------------------------------------------------------------------


async def _language_of_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The talent's /lang choice, else the language of the message the button is under (the answer)."""
    message = update.callback_query.message if update.callback_query else None
    text = message.text if isinstance(message, Message) and message.text else ""
    return await language_of(update, context, text)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A talent's button: a language, "ask as a new question", feedback, or an assistant payload."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    message = query.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    data = query.data
    if data.startswith(LANG_PREFIX):
        await _set_language(update, context, data.removeprefix(LANG_PREFIX))
    elif data == NEW_QUESTION:
        text = context.user_data.pop("last_text", None)
        if text:
            await ask_assistant(update, context, text, as_new_question=True)
    elif data.startswith(KEY_PREFIX):
        payload = await asyncio.to_thread(state.recall_payload, data.removeprefix(KEY_PREFIX))
        if payload is None:
            await context.bot.send_message(
                message.chat.id, render("button_expired", await language_of(update, context))
            )
        elif is_feedback(payload):
            await on_feedback(update, context, payload, language=await _language_of_button(update, context))
        else:
            await ask_assistant(update, context, payload)
    elif is_feedback(data):  # 👍/👎 or 1–5: recorded here, never sent to Rasa
        await on_feedback(update, context, data, language=await _language_of_button(update, context))
    else:
        await ask_assistant(update, context, data)


def register(application: Application) -> None:
    private_message = filters.UpdateType.MESSAGE & PRIVATE
    application.add_handler(CommandHandler("start", on_start, filters=private_message))
    application.add_handler(CommandHandler("help", on_help, filters=private_message))
    application.add_handler(CommandHandler("lang", on_lang, filters=private_message))
    application.add_handler(CommandHandler("bind", on_bind, filters=private_message))
    application.add_handler(CommandHandler("mytickets", on_my_tickets, filters=private_message))
    application.add_handler(MessageHandler(private_message & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(private_message & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(private_message & NOT_TEXT, on_not_text))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & PRIVATE, on_edited))
    settings: Settings = application.bot_data["settings"]
    group_address = filters.ChatType.GROUPS & (filters.COMMAND | filters.Entity("mention"))
    if settings.staff_chat_id is not None:
        group_address &= ~filters.Chat(settings.staff_chat_id)
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & group_address, on_group))
    application.add_handler(CallbackQueryHandler(on_button))
