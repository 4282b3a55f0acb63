"""Talents' feedback in Telegram: 👍/👎 under every answer from the knowledge base, and 1–5 under the
notice that a ticket is resolved (feedback/ records and counts them).

Both buttons carry payloads signed like the assistant's (frontdesk/payloads.py): `/fb_vote:<1|0>:<version>:
<article id>` and `/fb_rate:<score>:<ticket id>`; a long vote payload travels under a short key like any
other. They are handled here and never reach Rasa. A press whose signature is wrong, or on another talent's
ticket, is refused politely and logged without anything the talent wrote.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.messages import render
from bot.rasa_client import BotMessage
from feedback import service as feedback
from feedback.models import HIGHEST_SCORE, LOWEST_SCORE
from frontdesk.contract import PayloadType, sender_id
from frontdesk.database import session_scope
from frontdesk.payloads import sign, verified

log = logging.getLogger(__name__)

PREFIX = "/fb_"
VOTE = "/fb_vote"
RATE = "/fb_rate"
CHANNEL = "telegram"


def vote_payload(*, article_id: str, version: int, helpful: bool) -> str:
    return sign(f"{VOTE}:{int(helpful)}:{version}:{article_id}")


def rating_payload(*, ticket_id: str, score: int) -> str:
    return sign(f"{RATE}:{score}:{ticket_id}")


def is_feedback(data: str) -> bool:
    """Whether a button's data (or a payload behind a key) is a feedback button, signed or not."""
    return data.startswith(PREFIX)


def vote_buttons(answer: dict[str, Any]) -> list[dict[str, str]]:
    """👍/👎 for the answer a kb_answer payload describes, in the answer's language."""
    language = "en" if answer.get("language") == "en" else "zh"
    article_id, version = str(answer.get("article_id") or ""), answer.get("version")
    if not article_id or not isinstance(version, int):
        return []
    return [
        {
            "title": render("vote_button", language, helpful=helpful),
            "payload": vote_payload(article_id=article_id, version=version, helpful=helpful),
        }
        for helpful in (True, False)
    ]


def votes_under_answers(replies: list[BotMessage]) -> dict[int, list[dict[str, str]]]:
    """Vote buttons by the index of the reply they go under: the last text before each kb_answer payload."""
    rows: dict[int, list[dict[str, str]]] = {}
    last_text: int | None = None
    for index, reply in enumerate(replies):
        if reply.text:
            last_text = index
        if reply.custom and reply.custom.get("type") == PayloadType.KB_ANSWER and last_text is not None:
            buttons = vote_buttons(reply.custom)
            if buttons:
                rows[last_text] = buttons
            last_text = None
    return rows


def rating_keyboard(*, ticket_id: str, language: str) -> InlineKeyboardMarkup:
    """1–5 under the notice that a ticket is resolved."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    render("rating_button", language, score=score),
                    callback_data=rating_payload(ticket_id=ticket_id, score=score),
                )
                for score in range(LOWEST_SCORE, HIGHEST_SCORE + 1)
            ]
        ]
    )


# -- presses -----------------------------------------------------------------------------------------------


def _vote(sender: str, message_ref: str, article_id: str, version: int, helpful: bool) -> feedback.Voted:
    with session_scope() as session:
        return feedback.vote(
            session,
            channel=CHANNEL,
            sender_id=sender,
            message_ref=message_ref,
            article_id=article_id,
            version=version,
            helpful=helpful,
        )


def _rate(sender: str, ticket_id: str, score: int) -> feedback.Rated:
    with session_scope() as session:
        return feedback.rate_ticket(session, ticket_id=ticket_id, sender_id=sender, score=score)


def _parse(payload: str) -> tuple[str, list[str]] | None:
    """(kind, fields) of a verified feedback payload; None when its fields are not as written."""
    kind, _, rest = payload.partition(":")
    if kind == VOTE:
        fields = rest.split(":", 2)
        ok = len(fields) == 3 and fields[0] in ("0", "1") and fields[1].isdigit() and bool(fields[2])
    elif kind == RATE:
        fields = rest.split(":", 1)
        ok = len(fields) == 2 and fields[0].isdigit() and bool(fields[1])
    else:
        return None
    return (kind, fields) if ok else None


async def on_feedback(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: str, *, language: str
) -> None:
    """A feedback button pressed in a talent's private chat (`data`: the button's payload)."""
    query, user = update.callback_query, update.effective_user
    message = query.message if query else None
    if user is None or message is None:
        return
    sender = sender_id(CHANNEL, user.id)
    payload = verified(data)
    parsed = _parse(payload) if payload else None
    if parsed is None:
        log.warning("feedback button refused for %s: not a signed feedback payload", sender)
        await context.bot.send_message(message.chat.id, render("feedback_refused", language))
        return
    kind, fields = parsed
    if kind == VOTE:
        helpful = fields[0] == "1"
        voted = await asyncio.to_thread(
            _vote, sender, f"{message.chat.id}:{message.message_id}", fields[2], int(fields[1]), helpful
        )
        log.info("vote of %s on %s v%s: %s (%s)", sender, fields[2], fields[1], helpful, voted)
        if voted is feedback.Voted.SAME:
            return
        person = InlineKeyboardButton(render("human_button", language), callback_data=sign("/request_human"))
        markup = None if helpful else InlineKeyboardMarkup([[person]])
        await context.bot.send_message(
            message.chat.id,
            render("vote_thanks", language, helpful=helpful, changed=voted is feedback.Voted.CHANGED),
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
        return
    score, ticket_id = int(fields[0]), fields[1]
    rated = await asyncio.to_thread(_rate, sender, ticket_id, score)
    if rated is feedback.Rated.RECORDED:
        log.info("ticket %s rated %d by its talent", ticket_id, score)
        with suppress(TelegramError):  # the 1–5 buttons have done their work
            await context.bot.edit_message_reply_markup(
                message.chat.id, message.message_id, reply_markup=None
            )
    else:
        log.warning("rating of ticket %s by %s refused: %s", ticket_id, sender, rated)
    await context.bot.send_message(
        message.chat.id,
        render("rating_thanks", language, outcome=str(rated), score=score, ticket_id=ticket_id),
        parse_mode=ParseMode.HTML,
    )
