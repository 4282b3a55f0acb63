"""Conversation control: tickets for a person, ticket status, and replies to small talk and the unclear."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    PENDING_SLOTS,
    Reply,
    human_button,
    last_bot_payload,
    latest_entity,
    say,
    transcript,
)
from actions.messages import render, topic_buttons
from frontdesk.contract import PayloadType, channel_of
from frontdesk.database import session_scope
from frontdesk.vocabulary import STATUS_LABELS
from tickets import flows as ticket_flows
from tickets import service as ticket_service

log = logging.getLogger(__name__)


def offered_a_person(payload: dict[str, Any]) -> bool:
    """True after a reply whose way forward was a person: no answer, not eligible, not understood."""
    kind = payload.get("type")
    return kind in {PayloadType.NO_ANSWER, PayloadType.NOT_ELIGIBLE} or (
        kind == PayloadType.CLARIFY and not payload.get("candidates")
    )


def message_key(tracker: Tracker) -> str | None:
    """The channel's key of the message being answered (its inbox row), if the channel sent one: a
    channel that gave up waiting and this action then open one ticket between them."""
    metadata = tracker.latest_message.get("metadata") or {}
    key = metadata.get("message_id") if isinstance(metadata, dict) else None
    return key if isinstance(key, str) and 0 < len(key) <= 80 else None


def open_ticket(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    *,
    topic: str | None,
    district: str | None,
    language: str,
) -> Reply:
    """Open a ticket so that a person takes over, and tell the talent its number."""
    sender_id = tracker.sender_id
    channel = channel_of(sender_id)
    turns = transcript(tracker)
    talent_lines = [
        turn["text"] for turn in turns if turn["who"] == "talent" and not turn["text"].startswith("/")
    ]
    question = "\n".join(talent_lines[-3:]) or (tracker.latest_message.get("text") or "")
    try:
        with session_scope() as session:
            ticket = ticket_flows.open_for_talent(
                session,
                channel=channel,
                sender_id=sender_id,
                question=question,
                reason="talent_request",
                topic=topic,
                district=district,
                transcript=turns,
                message_key=message_key(tracker),
            )
            ticket_id, due = ticket.id, ticket.first_response_due
    except SQLAlchemyError:
        log.exception("could not open a ticket for %s", sender_id)
        say(dispatcher, render("service_error", language))
        return Reply([], None)
    log.info("ticket %s opened for %s", ticket_id, sender_id)
    say(
        dispatcher,
        render("ticket_created", language, ticket_id=ticket_id, due=due),
        payload={"type": PayloadType.TICKET, "ticket_id": ticket_id, "status": "open"},
    )
    return Reply([SlotSet(slot, None) for slot in PENDING_SLOTS], PayloadType.TICKET)


def check_ticket(dispatcher: CollectingDispatcher, tracker: Tracker, *, language: str) -> Reply:
    """Tell a talent the status of one of their tickets, or list their open ones."""
    ticket_id = latest_entity(tracker, "ticket_id")
    ticket_id = ticket_id.upper() if ticket_id else None
    try:
        with session_scope() as session:
            if ticket_id:
                tickets = ticket_service.tickets_of_sender(
                    session, sender_id=tracker.sender_id, ticket_id=ticket_id
                )
            else:
                tickets = ticket_service.tickets_of_sender(
                    session, sender_id=tracker.sender_id, open_only=True
                )
    except SQLAlchemyError:
        log.exception("ticket store unavailable for %s", tracker.sender_id)
        say(dispatcher, render("service_error", language))
        return Reply([], None)
    say(
        dispatcher,
        render(
            "ticket_status",
            language,
            tickets=tickets,
            ticket_id=ticket_id,
            status_labels=STATUS_LABELS[language],
        ),
        payload={
            "type": PayloadType.TICKET_STATUS,
            "tickets": [{"ticket_id": t.id, "status": str(t.status)} for t in tickets],
        },
    )
    return Reply([], PayloadType.TICKET_STATUS)


WITH_TOPIC_MENU = frozenset({"greet", "help", "out_of_scope", "nlu_fallback"})


def small_talk(dispatcher: CollectingDispatcher, tracker: Tracker, *, intent: str, language: str) -> Reply:
    """Replies to greetings, thanks, goodbyes, bot challenges, help, out-of-scope and unclear messages.

    "No" after a reply that offered a person is a polite "all right"; "no" and "goodbye" drop a
    question that waited for a detail. ("Yes" after such a reply is a ticket: see `respond`.)
    """
    events: list[EventType] = []
    if intent in {"deny", "goodbye"}:
        events += [SlotSet(slot, None) for slot in PENDING_SLOTS]
    template = "fallback" if intent == "nlu_fallback" else intent
    if intent == "deny" and offered_a_person(last_bot_payload(tracker)):
        template = "deny_person"
    buttons = [*topic_buttons(language), human_button(language)] if intent in WITH_TOPIC_MENU else None
    unclear = intent == "nlu_fallback"
    say(
        dispatcher,
        render(template, language),
        buttons=buttons,
        payload={"type": PayloadType.CLARIFY, "candidates": []} if unclear else None,
    )
    return Reply(events, PayloadType.CLARIFY if unclear else None)
