"""Policy-change notices in Telegram (conversations/notices.py queues them): the buttons under a notice, the
"stop these notices" press and /notices on|off.

"See the new answer" carries the signed payload an answer's own buttons carry for an article
(actions/inquiry.py article_payload): the assistant answers from the version published now. "Stop" carries
STOP unsigned: it can only ever turn off the notices of the person who presses it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy.orm import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot import state
from bot.keyboards import callback_data, long_payloads
from bot.messages import render
from bot.talent import language_of, reply_text, sender_id_of
from conversations import service as conversations
from frontdesk.database import session_scope
from frontdesk.payloads import sign

STOP = "notices:off"
SWITCHES = {"on": True, "off": False}


def article_payload(*, topic: str, article_id: str) -> str:
    """The signed payload that asks the assistant for an article, as an answer's buttons do."""
    return sign(f"/ask_{topic}" + json.dumps({"kb_article": article_id}))


def notice_keyboard(session: Session, *, payload: dict[str, Any], language: str) -> InlineKeyboardMarkup:
    """The buttons under a notice, to see the new answer and to stop these notices (a payload too long for
    a button kept behind its key, in the caller's transaction)."""
    see = {
        "title": render("policy_notice_button", language, button="see"),
        "payload": article_payload(topic=payload["topic"], article_id=payload["article_id"]),
    }
    state.keep_payloads(session, long_payloads([see]))
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(see["title"], callback_data=callback_data(see["payload"]))],
            [
                InlineKeyboardButton(
                    render("policy_notice_button", language, button="stop"), callback_data=STOP
                )
            ],
        ]
    )


def _switch(sender_id: str, on: bool | None) -> bool:
    """Set the talent's choice (None: leave it) and return it."""
    with session_scope() as session:
        if on is not None:
            conversations.set_policy_notices(session, sender_id=sender_id, on=on)
        return conversations.policy_notices_on(session, sender_id=sender_id)


async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Stop these notices" under a notice: off, and confirmed in the language of the notice."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    await query.answer()
    message = query.message
    if not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE:
        return
    await asyncio.to_thread(_switch, sender_id_of(user.id), False)
    language = await language_of(update, context, message.text or "")
    await context.bot.send_message(
        message.chat.id,
        render("policy_notices_set", language, on=False, changed=True),
        parse_mode=ParseMode.HTML,
    )


async def on_notices(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/notices on|off: the talent's choice; without either, what it is now and how to change it."""
    user = update.effective_user
    if user is None:
        return
    arguments = [argument.lower() for argument in context.args or []]
    wanted = SWITCHES.get(arguments[0]) if len(arguments) == 1 else None
    on = await asyncio.to_thread(_switch, sender_id_of(user.id), wanted)
    await reply_text(update, context, "policy_notices_set", on=on, changed=wanted is not None)


def register(application: Application) -> None:
    """/notices, and the stop button (before the talents' catch-all button handler)."""
    private_message = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("notices", on_notices, filters=private_message))
    application.add_handler(CallbackQueryHandler(on_stop, pattern=f"^{STOP}$"))
