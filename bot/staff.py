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

from bot.keyboards import TICKET_ACTIONS, TICKET_PREFIX, parse_ticket_button, ticket_button
from bot.messages import html_to_plain, render
from frontdesk.config import Settings
from frontdesk.database import session_scope
from policies_kb.schema import TOPIC_LABELS
from tickets import outbox, service
from tickets.models import Person, Role, Ticket, TicketStatus, utcnow

log = logging.getLogger(__name__)

LANGUAGE = "zh"
PROMPT = re.compile(r"^回复工单 (GC-\d{4}-\d{6})：")  # how staff_reply_prompt.zh.j2 begins
NEEDS_TEXT = ("reply", "note")
SERVICE_ACTION = {"handback": "hand_back"}  # button action -> name in service.TRANSITIONS
QUEUE_SHOWN = 30
EVENTS_SHOWN = 15
PROMPTS_KEPT = 1000
CALLBACK_ANSWER_LIMIT = 200

_ACTIONS: dict[str, Callable[[Session, str, Person, str], Ticket]] = {
    "claim": lambda s, t, p, _: service.claim(s, ticket_id=t, person_id=p.id),
    "reply": lambda s, t, p, text: service.reply(s, ticket_id=t, person_id=p.id, text=text),
    "note": lambda s, t, p, text: service.add_note(s, ticket_id=t, person_id=p.id, text=text),
    "escalate": lambda s, t, p, text: service.escalate(
        s,
        ticket_id=t,
        actor=p.id,
        reason=text or "人工上报",
        sla=service.default_sla(),
        roster=service.RosterView.load(s),
    ),
    "resolve": lambda s, t, p, text: service.resolve(s, ticket_id=t, actor=p.id, note=text),
    "handback": lambda s, t, p, text: service.hand_back(s, ticket_id=t, person_id=p.id, note=text),
}


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
    buttons = [
        ticket_button(action, ticket.id)
        for action in TICKET_ACTIONS
        if ticket.status in service.TRANSITIONS[SERVICE_ACTION.get(action, action)][0]
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]) if buttons else None


def _attempt(user_id: int, verb: str, ticket_id: str, work: Callable[[Session, Person], Outcome]) -> Outcome:
    """`work` for the active roster person behind a Telegram user, in one transaction. A refusal (logged)
    or a ticket error comes back as the message to show."""
    with session_scope() as session:
        person = service.person_by_telegram(session, telegram_user_id=user_id)
        leader_only = verb == "handback" and person is not None and person.role is not Role.LEADER
        if person is None or not person.active or leader_only:
            log.warning(
                "refused %s %s from Telegram user %d (%s)",
                verb,
                ticket_id or "-",
                user_id,
                "not a leader" if leader_only else "not an active roster person",
            )
            return Outcome(render("staff_refused", LANGUAGE, leader_only=leader_only))
        try:
            return work(session, person)
        except service.TicketError as exc:
            session.rollback()
            return Outcome(_explain(session, exc, verb=verb, ticket_id=ticket_id))


def _explain(session: Session, exc: service.TicketError, *, verb: str, ticket_id: str) -> str:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        kind = "missing"
    elif verb == "claim" and ticket.status in (TicketStatus.ASSIGNED, TicketStatus.WAITING_TALENT):
        kind = "taken"
    elif isinstance(exc, service.InvalidTransition):
        kind = "state"
    elif verb == "escalate":
        kind = "top"
    else:
        kind = "other"
    return _render(
        "staff_error", session, kind=kind, verb=verb, ticket_id=ticket_id, ticket=ticket, detail=exc
    )


def _act(session: Session, person: Person, *, verb: str, ticket_id: str, text: str) -> Outcome:
    ticket = _ACTIONS[verb](session, ticket_id, person, text)
    session.flush()
    return Outcome(
        _render("staff_done", session, ticket=ticket, verb=verb),
        ok=True,
        card=_render("staff_card", session, ticket=ticket, verb=verb, actor=person.name, at=utcnow()),
        keyboard=card_keyboard(ticket),
    )


def _prompt(session: Session, person: Person, *, ticket_id: str, user_id: int) -> Outcome:
    """The ForceReply prompt for an answer, if the ticket can be replied to now."""
    ticket = service.get_ticket(session, ticket_id=ticket_id)
    if ticket.status not in service.TRANSITIONS["reply"][0]:
        raise service.InvalidTransition(f"ticket {ticket.id} is {ticket.status}")
    return Outcome(
        render("staff_reply_prompt", LANGUAGE, ticket_id=ticket.id, user_id=user_id, person=person.name),
        ok=True,
    )


def _queue(session: Session, person: Person) -> Outcome:
    tickets = service.queue_for(session, person=person)
    flagged = len(outbox.flagged(session))
    text = _render(
        "staff_queue", session, person=person.name, tickets=tickets, shown=QUEUE_SHOWN, flagged=flagged
    )
    return Outcome(text, ok=True)


def _show(session: Session, person: Person, *, ticket_id: str) -> Outcome:
    ticket = service.get_ticket(session, ticket_id=ticket_id)
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
        work: Callable[[Session, Person], Outcome] = _queue
    elif not ticket_id or (verb in NEEDS_TEXT and not rest):
        await message.reply_html(render("staff_usage", LANGUAGE, verb=verb))
        return
    elif verb == "ticket":
        work = partial(_show, ticket_id=ticket_id)
    else:
        work = partial(_act, verb=verb, ticket_id=ticket_id, text=rest)
    outcome = await asyncio.to_thread(_attempt, user.id, verb, ticket_id, work)
    await message.reply_html(outcome.text)


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
    _remember_prompt(context, prompt, card)


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
    card_id = _prompts(context).pop((prompt.chat_id, prompt.message_id), None)
    if outcome.ok and card_id is not None:
        await _edit_card(context, prompt.chat_id, card_id, outcome)


def _prompts(context: ContextTypes.DEFAULT_TYPE) -> dict[tuple[int, int], int]:
    """(chat id, prompt message id) -> id of the card the prompt was asked from, the newest kept."""
    return context.bot_data.setdefault("reply_prompts", {})


def _remember_prompt(context: ContextTypes.DEFAULT_TYPE, prompt: Message, card: Message) -> None:
    prompts = _prompts(context)
    prompts[(prompt.chat_id, prompt.message_id)] = card.message_id
    while len(prompts) > PROMPTS_KEPT:
        del prompts[next(iter(prompts))]


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
    application.add_handler(CommandHandler(["queue", "ticket", *_ACTIONS], _on_command, filters=new_message))
    application.add_handler(CallbackQueryHandler(_on_button, pattern=f"^{TICKET_PREFIX}"))
    application.add_handler(
        MessageHandler(new_message & filters.TEXT & ~filters.COMMAND & _ReplyToPrompt(), _on_prompt_reply)
    )
