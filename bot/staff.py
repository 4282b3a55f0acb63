"""Staff and leaders on Telegram: ticket commands and the buttons on ticket cards, for roster people only.

Commands, in the staff group or a private chat with the bot: /queue, /ticket ID, /claim ID, /reply ID text,
/note ID text, /escalate ID [reason], /resolve ID [note], and for leaders /handback ID [note]. The buttons of
a card ("t:<action>:<ticket id>") act at once and then show the ticket's new state on the card; "reply"
asks with a ForceReply prompt, and the answer to that prompt goes to the talent as the ticket's reply.
Everything else (talents' private messages above all) is left to the handlers registered after these.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import state
from bot.keyboards import TICKET_ACTIONS, TICKET_PREFIX, parse_ticket_button, ticket_button
from bot.messages import html_to_plain, render
from frontdesk.clock import utcnow
from frontdesk.config import Settings
from frontdesk.database import session_scope
from frontdesk.text import split_message
from frontdesk.vocabulary import TOPIC_LABELS
from notifications import outbox
from people.models import Person
from tickets import commands, service
from tickets.commands import Reason, Verb
from tickets.models import Ticket

log = logging.getLogger(__name__)

LANGUAGE = "zh"
PROMPT = re.compile(r"^回复工单 (GC-\d{4}-\d{6})：")  # how staff_reply_prompt.zh.j2 begins
# Telegram's verbs (commands and card buttons) for the domain's; /handback is what leaders type.
VERBS: dict[str, Verb] = {
    "claim": Verb.CLAIM,
    "reply": Verb.REPLY,
    "note": Verb.NOTE,
    "escalate": Verb.ESCALATE,
    "resolve": Verb.RESOLVE,
    "handback": Verb.HAND_BACK,
}
NEEDS_TEXT = tuple(name for name, verb in VERBS.items() if commands.COMMANDS[verb].needs_text)
QUEUE_SHOWN = 30
EVENTS_SHOWN = 15
CALLBACK_ANSWER_LIMIT = 200


@dataclass(frozen=True)
class Outcome:
    """What an attempt came to: a message for the person and, when the ticket changed, its new card."""

    text: str
    ok: bool = False
    card: str | None = None
    keyboard: InlineKeyboardMarkup | None = None


# -- the database side (in a worker thread) ----------------------------------------------------------


def _render(name: str, session: Session, **values: object) -> str:
    """A staff template, given the names of roster people and topic labels."""
    names = {p.id: p.name for p in session.scalars(select(Person))}
    return render(name, LANGUAGE, names=names, topics=TOPIC_LABELS[LANGUAGE], **values)


def card_keyboard(ticket: Ticket) -> InlineKeyboardMarkup | None:
    """The buttons of the actions a ticket's status allows; none once it is finished."""
    possible = commands.possible_now(ticket)
    buttons = [ticket_button(action, ticket.id) for action in TICKET_ACTIONS if VERBS[action] in possible]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]) if buttons else None


def _attempt(
    user_id: int, verb: str, ticket_id: str, work: Callable[[Session, Person | None], Outcome]
) -> Outcome:
    """`work` for the roster person behind a Telegram user, in one transaction. A refusal comes back as
    the message to show (and is logged when the person is not on the roster or acts out of scope)."""
    with session_scope() as session:
        person = service.person_by_telegram(session, telegram_user_id=user_id)
        try:
            return work(session, person)
        except commands.Refused as refused:
            session.rollback()
            if refused.reason in (Reason.NOT_ON_ROSTER, Reason.OUT_OF_SCOPE, Reason.LEADERS_ONLY):
                log.warning(
                    "refused %s %s from Telegram user %d: %s", verb, ticket_id or "-", user_id, refused.reason
                )
            return Outcome(refused.message(LANGUAGE))


def _act(session: Session, person: Person | None, *, verb: str, ticket_id: str, text: str) -> Outcome:
    ticket = commands.perform(
        session, verb=VERBS[verb], ticket_id=ticket_id, person=person, text=text, via="telegram"
    )
    assert person is not None
    session.flush()
    return Outcome(
        _render("staff_done", session, ticket=ticket, verb=verb),
        ok=True,
        card=_render("staff_card", session, ticket=ticket, verb=verb, actor=person.name, at=utcnow()),
        keyboard=card_keyboard(ticket),
    )


def _prompt(session: Session, person: Person | None, *, ticket_id: str, user_id: int) -> Outcome:
    """The ForceReply prompt for an answer, if the person may reply to the ticket now."""
    ticket = commands.check(session, verb=Verb.REPLY, ticket_id=ticket_id, person=person)
    assert person is not None
    return Outcome(
        render("staff_reply_prompt", LANGUAGE, ticket_id=ticket.id, user_id=user_id, person=person.name),
        ok=True,
    )


def _queue(session: Session, person: Person | None) -> Outcome:
    if person is None or not person.active:
        raise commands.Refused(Reason.NOT_ON_ROSTER, verb=Verb.NOTE, ticket_id="")
    tickets = service.queue_for(session, person=person)
    flagged = len(outbox.flagged(session))
    text = _render(
        "staff_queue", session, person=person.name, tickets=tickets, shown=QUEUE_SHOWN, flagged=flagged
    )
    return Outcome(text, ok=True)


def _show(session: Session, person: Person | None, *, ticket_id: str) -> Outcome:
    ticket = commands.visible(session, ticket_id=ticket_id, person=person)
    events = service.events_of(session, ticket_id=ticket.id)
    return Outcome(
        _render("staff_ticket", session, ticket=ticket, events=events, shown=EVENTS_SHOWN), ok=True
    )


# -- Telegram ---------------------------------------------------------------------------------------------


class _ReplyToPrompt(filters.MessageFilter):
    """A message answering one of this bot's "回复工单 …：" prompts."""

    def filter(self, message: Message) -> bool:
        prompt = message.reply_to_message
        return bool(
            prompt
            and prompt.from_user
            and prompt.from_user.id == message.get_bot().id
            and PROMPT.match(prompt.text or "")
        )


def _arguments(text: str) -> tuple[str, str, str]:
    """(verb, ticket id, rest) of "/verb@bot ID rest…"; the rest keeps its lines."""
    parts = text.split(maxsplit=2)
    verb = parts[0].lstrip("/").split("@")[0].lower()
    return verb, parts[1].upper() if len(parts) > 1 else "", parts[2].strip() if len(parts) > 2 else ""


async def _on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    verb, ticket_id, rest = _arguments(message.text)
    if verb == "queue":
        work: Callable[[Session, Person | None], Outcome] = _queue
    elif not ticket_id or (verb in NEEDS_TEXT and not rest):
        await message.reply_html(render("staff_usage", LANGUAGE, verb=verb))
        return
    elif verb == "ticket":
        work = partial(_show, ticket_id=ticket_id)
    else:
        work = partial(_act, verb=verb, ticket_id=ticket_id, text=rest)
    outcome = await asyncio.to_thread(_attempt, user.id, verb, ticket_id, work)
    for part in split_message(outcome.text):  # /ticket shows the whole question, in parts when long
        await message.reply_html(part)


async def _on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    parsed = parse_ticket_button(query.data or "")
    if parsed is None:
        await query.answer()
        return
    verb, ticket_id = parsed
    ticket_id = ticket_id.upper()
    card = query.message if isinstance(query.message, Message) else None
    if verb == "reply":
        await _ask_for_reply(query, context, card, user.id, ticket_id)
        return
    work = partial(_act, verb=verb, ticket_id=ticket_id, text="")
    outcome = await asyncio.to_thread(_attempt, user.id, verb, ticket_id, work)
    await query.answer(html_to_plain(outcome.text)[:CALLBACK_ANSWER_LIMIT], show_alert=not outcome.ok)
    if outcome.ok and card is not None:
        await _edit_card(context, card.chat_id, card.message_id, outcome)


async def _ask_for_reply(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    card: Message | None,
    user_id: int,
    ticket_id: str,
) -> None:
    """Ask for the answer with a ForceReply prompt under the card (without the card, point to /reply)."""
    if card is None:
        await query.answer(html_to_plain(render("staff_usage", LANGUAGE, verb="reply")), show_alert=True)
        return
    work = partial(_prompt, ticket_id=ticket_id, user_id=user_id)
    outcome = await asyncio.to_thread(_attempt, user_id, "reply", ticket_id, work)
    if not outcome.ok:
        await query.answer(html_to_plain(outcome.text)[:CALLBACK_ANSWER_LIMIT], show_alert=True)
        return
    await query.answer()
    prompt = await card.reply_html(
        outcome.text,
        do_quote=True,
        reply_markup=ForceReply(selective=True, input_field_placeholder="答复内容"),
    )
    await asyncio.to_thread(
        state.remember_prompt,
        chat_id=prompt.chat_id,
        prompt_message_id=prompt.message_id,
        card_message_id=card.message_id,
    )


async def _on_prompt_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.reply_to_message is None:
        return
    prompt = message.reply_to_message
    match = PROMPT.match(prompt.text or "")
    assert match is not None  # the filter saw to it
    work = partial(_act, verb="reply", ticket_id=match[1], text=(message.text or "").strip())
    outcome = await asyncio.to_thread(_attempt, user.id, "reply", match[1], work)
    await message.reply_html(outcome.text)
    card_id = await asyncio.to_thread(
        state.take_prompt, chat_id=prompt.chat_id, prompt_message_id=prompt.message_id
    )
    if outcome.ok and card_id is not None:
        await _edit_card(context, prompt.chat_id, card_id, outcome)


async def _edit_card(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, outcome: Outcome
) -> None:
    assert outcome.card is not None
    try:
        await context.bot.edit_message_text(
            outcome.card,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=outcome.keyboard,
        )
    except BadRequest as exc:  # unchanged, deleted, or too old to edit: the action itself stands
        log.info("card %d in chat %d not updated: %s", message_id, chat_id, exc)


def register(application: Application) -> None:
    """Staff commands and answers to reply prompts (staff group and private chats), and ticket buttons."""
    settings: Settings = application.bot_data["settings"]
    where = filters.ChatType.PRIVATE
    if settings.staff_chat_id is not None:
        where |= filters.Chat(chat_id=settings.staff_chat_id)
    new_message = filters.UpdateType.MESSAGE & where
    application.add_handler(CommandHandler(["queue", "ticket", *VERBS], _on_command, filters=new_message))
    application.add_handler(CallbackQueryHandler(_on_button, pattern=f"^{TICKET_PREFIX}"))
    application.add_handler(
        MessageHandler(new_message & filters.TEXT & ~filters.COMMAND & _ReplyToPrompt(), _on_prompt_reply)
    )
