"""Conversation control: tickets for a person, ticket status, and replies to small talk and the unclear."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    PENDING_SLOTS,
    Band,
    band,
    conversation_language,
    human_button,
    last_bot_payload,
    latest_entity,
    latest_intent,
    say,
    transcript,
)
from actions.messages import render, topic_buttons
from frontdesk.database import session_scope
from tickets import flows as ticket_flows
from tickets import service as ticket_service
from tickets.labels import STATUS_LABELS
from tickets.models import Ticket

log = logging.getLogger(__name__)


def offered_a_person(payload: dict[str, Any]) -> bool:
    """True after a reply whose way forward was a person: no answer, not eligible, not understood."""
    kind = payload.get("type")
    return kind in {"no_answer", "not_eligible"} or (kind == "clarify" and not payload.get("candidates"))


class ActionOpenTicket(Action):
    """Opens a ticket so that a person takes over, and tells the talent its number."""

    def name(self) -> str:
        return "action_open_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = conversation_language(tracker)
        sender_id = tracker.sender_id
        channel = sender_id.split(":", 1)[0] if ":" in sender_id else "rest"
        turns = transcript(tracker)
        talent_lines = [
            turn["text"] for turn in turns if turn["who"] == "talent" and not turn["text"].startswith("/")
        ]
        question = "\n".join(talent_lines[-3:]) or (tracker.latest_message.get("text") or "")
        try:
            ticket_id, due = await asyncio.to_thread(
                self._open,
                channel=channel,
                sender_id=sender_id,
                question=question,
                topic=tracker.get_slot("pending_topic"),
                district=tracker.get_slot("district"),
                turns=turns,
            )
        except SQLAlchemyError:
            log.exception("could not open a ticket for %s", sender_id)
            say(dispatcher, render("service_error", language))
            return [SlotSet("language", language)]
        log.info("ticket %s opened for %s", ticket_id, sender_id)
        say(
            dispatcher,
            render("ticket_created", language, ticket_id=ticket_id, due=due),
            payload={"type": "ticket", "ticket_id": ticket_id, "status": "open"},
        )
        return [SlotSet("language", language), *(SlotSet(slot, None) for slot in PENDING_SLOTS)]

    @staticmethod
    def _open(
        *,
        channel: str,
        sender_id: str,
        question: str,
        topic: str | None,
        district: str | None,
        turns: list[dict[str, Any]],
    ) -> tuple[str, dt.datetime | None]:
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
            )
            return ticket.id, ticket.first_response_due


class ActionCheckTicket(Action):
    """Tells a talent the status of one of their tickets, or lists their open ones."""

    def name(self) -> str:
        return "action_check_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = conversation_language(tracker)
        ticket_id = latest_entity(tracker, "ticket_id")
        ticket_id = ticket_id.upper() if ticket_id else None
        try:
            tickets = await asyncio.to_thread(self._find, sender_id=tracker.sender_id, ticket_id=ticket_id)
        except SQLAlchemyError:
            log.exception("ticket store unavailable for %s", tracker.sender_id)
            say(dispatcher, render("service_error", language))
            return [SlotSet("language", language)]
        messages = render(
            "ticket_status",
            language,
            tickets=tickets,
            ticket_id=ticket_id,
            status_labels=STATUS_LABELS[language],
        )
        say(
            dispatcher,
            messages,
            payload={
                "type": "ticket_status",
                "tickets": [{"ticket_id": t.id, "status": str(t.status)} for t in tickets],
            },
        )
        return [SlotSet("language", language)]

    @staticmethod
    def _find(*, sender_id: str, ticket_id: str | None) -> list[Ticket]:
        with session_scope() as session:
            if ticket_id:
                return ticket_service.tickets_of_sender(session, sender_id=sender_id, ticket_id=ticket_id)
            return ticket_service.tickets_of_sender(session, sender_id=sender_id, open_only=True)


class ActionReply(Action):
    """Replies to greetings, thanks, goodbyes, bot challenges, help, out-of-scope and unclear messages.

    "Yes" and "no" are read in context: after a reply that offered a person, yes opens a ticket.
    A small-talk intent the NLU is unsure of is treated as unclear, not answered as if understood.
    """

    REPLIES = frozenset(
        {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "help"}
        | {"out_of_scope", "nlu_fallback"}
    )
    WITH_TOPIC_MENU = frozenset({"greet", "help", "out_of_scope", "nlu_fallback"})

    def name(self) -> str:
        return "action_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = conversation_language(tracker)
        intent = latest_intent(tracker)
        if intent not in self.REPLIES or band(tracker) is not Band.CONFIDENT:
            intent = "nlu_fallback"  # also Rasa's core fallback, when no rule fits the conversation
        offered = offered_a_person(last_bot_payload(tracker))
        if intent == "affirm" and offered:
            return [SlotSet("language", language), FollowupAction("action_open_ticket")]
        events: list[EventType] = [SlotSet("language", language)]
        if intent in {"deny", "goodbye"}:  # whatever question was waiting for a detail is dropped
            events += [SlotSet(slot, None) for slot in PENDING_SLOTS]
        template = "fallback" if intent == "nlu_fallback" else intent
        if intent == "deny" and offered:
            template = "deny_person"
        buttons = None
        if intent in self.WITH_TOPIC_MENU:
            buttons = [*topic_buttons(language), human_button(language)]
        say(
            dispatcher,
            render(template, language),
            buttons=buttons,
            payload={"type": "clarify", "candidates": []} if intent == "nlu_fallback" else None,
        )
        return events
