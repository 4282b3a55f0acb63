"""A talent's turn, whatever the channel (Telegram, the local chat, the web chat): clean the text, add it
to a ticket that waits for the talent's answer or ask Rasa, and never lose the question."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.messages import render
from bot.models import ChatPreference
from bot.rasa_client import BotMessage, RasaClient, RasaUnavailable
from frontdesk.config import get_settings
from frontdesk.contract import PayloadType
from frontdesk.database import session_scope
from frontdesk.payloads import verified
from frontdesk.text import detect_language, normalize
from inbox import flows as inbox_flows
from inbox import service as inbox_service
from inbox.models import InboxStatus
from tickets import flows as ticket_flows
from tickets import service as ticket_service

log = logging.getLogger(__name__)

# The payload of the button under "added to your ticket": the channel sends the message again as a question.
NEW_QUESTION = "newq"

Deliver = Callable[[list[BotMessage]], Awaitable[None]]  # shows the replies to the talent
# The custom type of the apology when the assistant was down and not even a ticket could be saved: the
# message stays unanswered in the inbox, for the sweep to ticket.
NOT_SAVED = "not_saved"


@dataclass(frozen=True)
class Inbound:
    """A talent's message as the channel received it and as NLU gets it."""

    full_text: str
    nlu_text: str
    language: str

    @property
    def truncated(self) -> bool:
        return len(self.nlu_text) < len(self.full_text)


def prepare_inbound(raw: str, *, limit: int) -> Inbound | None:
    """The message cut to `limit` characters for NLU; None when no text is left after cleaning."""
    full_text = normalize(raw)
    if not full_text:
        return None
    return Inbound(
        full_text=full_text, nlu_text=full_text[:limit].rstrip(), language=detect_language(full_text)
    )


def _save_question(*, channel: str, sender_id: str, inbound: Inbound, reason: str, key: str) -> str:
    with session_scope() as session:
        ticket = ticket_flows.open_for_talent(
            session,
            channel=channel,
            sender_id=sender_id,
            question=inbound.full_text,
            reason=reason,
            transcript=[{"who": "talent", "text": inbound.full_text}],
            message_key=key,
        )
        return ticket.id


def chosen_language(session: Session, *, sender_id: str) -> str | None:
    """The language a talent chose for the channel's own texts (menus, notices, notifications), if any;
    answers follow the language of each message."""
    preference = session.get(ChatPreference, sender_id)
    return preference.language if preference else None


def choose_language(*, sender_id: str, language: str) -> None:
    with session_scope() as session:
        preference = session.get(ChatPreference, sender_id) or ChatPreference(sender_id=sender_id)
        preference.language = language
        session.add(preference)


def _language_for(*, sender_id: str, text: str) -> str:
    """The talent's chosen language, else the language of what they wrote."""
    with session_scope() as session:
        return chosen_language(session, sender_id=sender_id) or detect_language(text)


def add_to_waiting_ticket(*, sender_id: str, text: str) -> str | None:
    """Add the talent's message to their ticket that waits for an answer; the ticket's id, if there is one."""
    with session_scope() as session:
        ticket = ticket_service.waiting_ticket_of(session, sender_id=sender_id)
        if ticket is None:
            return None
        ticket_service.talent_reply(session, ticket_id=ticket.id, sender_id=sender_id, text=text)
        return ticket.id


def _keep_full_text(*, ticket_id: str, inbound: Inbound) -> None:
    with session_scope() as session:
        ticket_service.set_question(session, ticket_id=ticket_id, question=inbound.full_text)


async def talent_turn(
    client: RasaClient,
    *,
    channel: str,
    sender_id: str,
    raw_text: str,
    limit: int,
    as_new_question: bool = False,
    deliver: Deliver | None = None,
    key: str | None = None,
) -> list[BotMessage]:
    """Everything the talent should see in answer to `raw_text` (typed text, or a button's payload).
    `key`: the channel's own id of this inbound message, when it may hand the same message over twice
    (nothing is said the second time: the first is in the inbox, whose sweep sees to it).

    The message is kept in the inbox before anything else (in the local spool while the database is
    down) and settled once `deliver` has shown the replies: if the process dies in between, the inbox's
    sweep turns it into a ticket. While a ticket waits for the talent's answer, what they type is added to
    it (with a button to ask it as a new question instead, `as_new_question`).
    """
    inbound = prepare_inbound(raw_text, limit=limit)
    if inbound is None:
        language = detect_language(raw_text)
        log.info("empty message from %s", sender_id)
        return await _delivered(deliver, [BotMessage(text=render("empty_message", language))])
    try:
        language = await asyncio.to_thread(_language_for, sender_id=sender_id, text=inbound.full_text)
    except SQLAlchemyError:
        language = inbound.language
    inbound = replace(inbound, language=language)
    key = key or inbox_service.new_key()
    try:
        kept = await asyncio.to_thread(
            inbox_flows.receive,
            key=key,
            channel=channel,
            sender_id=sender_id,
            text=inbound.full_text,
            language=inbound.language,
            spool_dir=get_settings().spool_dir,
        )
    except inbox_flows.AlreadyReceived:
        log.info("a message of %s handed over again: left to the inbox", sender_id)
        return []
    if not kept:  # the database is down: the spool keeps the message until a ticket can be opened
        return await _delivered(deliver, [BotMessage(text=render("kept_for_later", inbound.language))])
    to_waiting_ticket = not as_new_question and verified(raw_text) is None  # typed, not a button
    replies = await _answer(
        client,
        channel=channel,
        sender_id=sender_id,
        inbound=inbound,
        key=key,
        limit=limit,
        to_waiting_ticket=to_waiting_ticket,
    )
    await _delivered(deliver, replies)
    if any(reply.custom and reply.custom.get("type") == NOT_SAVED for reply in replies):
        return replies  # neither answered nor ticketed: the inbox's sweep tickets it and tells the talent
    ticket_id = next((r.custom["ticket_id"] for r in replies if _is_ticket(r)), None)
    status = InboxStatus.TICKETED if ticket_id else InboxStatus.ANSWERED
    try:
        await asyncio.to_thread(_settle, key=key, status=status, ticket_id=ticket_id)
    except SQLAlchemyError:
        log.warning("inbox message of %s answered but not marked so: the sweep will ticket it", sender_id)
    return replies


async def _answer(
    client: RasaClient,
    *,
    channel: str,
    sender_id: str,
    inbound: Inbound,
    key: str,
    limit: int,
    to_waiting_ticket: bool,
) -> list[BotMessage]:
    """The replies to a message kept in the inbox: added to the ticket that waits for the talent, the
    assistant's answer, or (the assistant down) the number of the ticket the question became."""
    if to_waiting_ticket:
        try:
            waiting = await asyncio.to_thread(
                add_to_waiting_ticket, sender_id=sender_id, text=inbound.full_text
            )
        except SQLAlchemyError:
            log.exception("could not look up the waiting ticket of %s", sender_id)
            waiting = None
        if waiting is not None:
            log.info("message of %s added to waiting ticket %s", sender_id, waiting)
            return [_added_to_ticket(waiting, language=inbound.language)]
    notices: list[BotMessage] = []
    if inbound.truncated:
        log.info(
            "long message from %s: %d characters, NLU reads %d", sender_id, len(inbound.full_text), limit
        )
        notices.append(
            BotMessage(text=render("truncated", inbound.language, length=len(inbound.full_text), limit=limit))
        )
    try:
        replies = await client.send(sender_id, inbound.nlu_text, message_id=key)
    except RasaUnavailable as exc:
        log.error("assistant unavailable for %s: %s", sender_id, exc)
        return [await _saved_as_ticket(channel=channel, sender_id=sender_id, inbound=inbound, key=key)]
    if inbound.truncated:
        for reply in replies:
            if _is_ticket(reply):
                await asyncio.to_thread(_keep_full_text, ticket_id=reply.custom["ticket_id"], inbound=inbound)
    return notices + replies


def _is_ticket(reply: BotMessage) -> bool:
    return bool(
        reply.custom and reply.custom.get("type") == PayloadType.TICKET and reply.custom.get("ticket_id")
    )


async def _delivered(deliver: Deliver | None, replies: list[BotMessage]) -> list[BotMessage]:
    if deliver is not None:
        await deliver(replies)
    return replies


def _settle(*, key: str, status: InboxStatus, ticket_id: str | None) -> None:
    with session_scope() as session:
        inbox_service.settle(session, key=key, status=status, ticket_id=ticket_id)


def _added_to_ticket(ticket_id: str, *, language: str) -> BotMessage:
    return BotMessage(
        text=render("added_to_ticket", language, ticket_id=ticket_id),
        buttons=[{"title": render("new_question_button", language), "payload": NEW_QUESTION}],
        custom={"type": PayloadType.TICKET, "ticket_id": ticket_id, "status": "assigned"},
    )


async def _saved_as_ticket(*, channel: str, sender_id: str, inbound: Inbound, key: str) -> BotMessage:
    """The question kept as a ticket while the assistant is down (or, if even that fails, a phone number)."""
    try:
        ticket_id = await asyncio.to_thread(
            _save_question,
            channel=channel,
            sender_id=sender_id,
            inbound=inbound,
            reason="assistant_unavailable",
            key=key,
        )
    except SQLAlchemyError:
        log.exception("could not save the question of %s as a ticket", sender_id)
        return BotMessage(
            text=render("assistant_unavailable", inbound.language, ticket_id=None), custom={"type": NOT_SAVED}
        )
    log.info("question of %s saved as ticket %s", sender_id, ticket_id)
    return BotMessage(
        text=render("assistant_unavailable", inbound.language, ticket_id=ticket_id),
        custom={"type": PayloadType.TICKET, "ticket_id": ticket_id, "status": "open"},
    )
