"""The assistant's custom actions: answer from the knowledge base, open tickets, reply to small talk."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.knowledge import index_cache
from actions.messages import TOPIC_LABELS, render, topic_buttons
from frontdesk.clock import LOCAL_TZ, local_today
from frontdesk.database import session_scope
from frontdesk.text import detect_language, normalize
from policies_kb.answers import (
    Choice,
    Outcome,
    choose_article,
    localized,
    profile_text,
    render_answer,
    scope_text,
)
from policies_kb.schema import DISTRICTS, TIERS
from tickets import flows as ticket_flows
from tickets import service as ticket_service
from tickets.models import Ticket

log = logging.getLogger(__name__)

TRANSCRIPT_TURNS = 10
DETAIL_SLOTS = {"district": "district", "tier": "talent_tier"}
DETAIL_VALUES = {"district": DISTRICTS, "tier": TIERS}


def conversation_language(tracker: Tracker) -> str:
    """The language of the talent's latest typed message (button presses keep the previous one)."""
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        return tracker.get_slot("language") or "zh"
    return detect_language(text)


def latest_entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


def say(
    dispatcher: CollectingDispatcher,
    messages: list[str],
    *,
    payload: dict[str, Any] | None = None,
    buttons: list[dict[str, str]] | None = None,
) -> None:
    """Send text messages (buttons on the last one), then the machine-readable payload."""
    for position, text in enumerate(messages):
        dispatcher.utter_message(text=text, buttons=buttons if position == len(messages) - 1 else None)
    if payload is not None:
        dispatcher.utter_message(json_message=payload)


def human_button(language: str) -> dict[str, str]:
    return {"title": "转人工" if language == "zh" else "Talk to a person", "payload": "/request_human"}


def transcript(tracker: Tracker, turns: int = TRANSCRIPT_TURNS) -> list[dict[str, Any]]:
    """The last turns of the conversation, oldest first."""
    lines = [
        {"who": "talent" if event["event"] == "user" else "bot", "text": event.get("text") or ""}
        for event in tracker.events
        if event.get("event") in {"user", "bot"} and event.get("text")
    ]
    return lines[-turns:]


class ActionAnswerInquiry(Action):
    """Answers an inquiry topic from the knowledge base, personalised to the talent's tier and district."""

    def name(self) -> str:
        return "action_answer_inquiry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = conversation_language(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        text = tracker.latest_message.get("text") or ""
        if intent.startswith("ask_"):
            topic, question = intent.removeprefix("ask_"), text
        else:
            topic, question = tracker.get_slot("pending_topic"), tracker.get_slot("pending_question") or ""
        events: list[EventType] = [SlotSet("language", language)]
        if not topic:
            say(dispatcher, render("fallback", language), buttons=topic_buttons(language))
            return events
        details = {
            detail: latest_entity(tracker, slot) or tracker.get_slot(slot)
            for detail, slot in DETAIL_SLOTS.items()
        }
        events += [SlotSet(DETAIL_SLOTS[detail], value) for detail, value in details.items() if value]
        try:
            choice = await asyncio.to_thread(
                self._choose, topic=topic, question=normalize(question), details=details
            )
        except SQLAlchemyError:
            log.exception("knowledge base unavailable for topic %s", topic)
            say(dispatcher, render("service_error", language), buttons=[human_button(language)])
            return events
        log.info(
            "topic=%s outcome=%s article=%s",
            topic,
            choice.outcome,
            choice.article.article_id if choice.article else None,
        )
        return events + self._reply(
            dispatcher, choice, topic=topic, question=question, language=language, details=details
        )

    @staticmethod
    def _choose(*, topic: str, question: str, details: dict[str, str | None]) -> Choice:
        with session_scope() as session:
            index = index_cache.get(session)
        return choose_article(
            index,
            topic=topic,
            question=question,
            tier=details["tier"],
            district=details["district"],
            today=local_today(),
        )

    @staticmethod
    def _reply(
        dispatcher: CollectingDispatcher,
        choice: Choice,
        *,
        topic: str,
        question: str,
        language: str,
        details: dict[str, str | None],
    ) -> list[EventType]:
        tier, district = details["tier"], details["district"]
        if choice.outcome is Outcome.NEED_DETAIL:
            detail = choice.need or "district"
            buttons = [
                {
                    "title": value,
                    "payload": "/inform" + json.dumps({DETAIL_SLOTS[detail]: value}, ensure_ascii=False),
                }
                for value in DETAIL_VALUES[detail]
            ]
            say(
                dispatcher,
                render("need_detail", language, detail=detail),
                buttons=buttons,
                payload={"type": "ask_detail", "topic": topic, "detail": detail},
            )
            return [SlotSet("pending_topic", topic), SlotSet("pending_question", question)]
        done = [SlotSet("pending_topic", None), SlotSet("pending_question", None)]
        if choice.outcome is Outcome.ANSWER and choice.article is not None:
            messages = render_answer(
                choice, language=language, tier=tier, district=district, today=local_today()
            )
            say(
                dispatcher,
                messages,
                payload={
                    "type": "kb_answer",
                    "topic": topic,
                    "article_id": choice.article.article_id,
                    "version": choice.article.version,
                    "language": language,
                },
            )
            return done
        if choice.outcome is Outcome.NOT_ELIGIBLE and choice.not_for_you is not None:
            article = choice.not_for_you
            messages = render(
                "not_eligible",
                language,
                title=localized(article, language).title,
                scope=scope_text(article.content.eligibility, language),
                profile=profile_text(tier=tier, district=district, language=language),
            )
            say(
                dispatcher,
                messages,
                buttons=[human_button(language)],
                payload={
                    "type": "not_eligible",
                    "topic": topic,
                    "article_id": article.article_id,
                    "version": article.version,
                },
            )
            return done
        say(
            dispatcher,
            render("no_article", language, topic_label=TOPIC_LABELS[language][topic]),
            buttons=[human_button(language)],
            payload={"type": "no_answer", "topic": topic},
        )
        return done


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
        return [SlotSet("language", language)]

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
            due = ticket.first_response_due.astimezone(LOCAL_TZ) if ticket.first_response_due else None
            return ticket.id, due


class ActionCheckTicket(Action):
    """Tells a talent the status of one of their tickets, or lists their open ones."""

    STATUS_LABELS: ClassVar[dict[str, dict[str, str]]] = {
        "zh": {
            "open": "已登记，等待工作人员受理",
            "assigned": "工作人员正在办理",
            "waiting_talent": "等待您补充信息",
            "escalated": "已提交上级领导协调",
            "resolved": "已办结",
            "closed": "已关闭",
        },
        "en": {
            "open": "registered, waiting for staff",
            "assigned": "being handled by staff",
            "waiting_talent": "waiting for your reply",
            "escalated": "escalated to a leader",
            "resolved": "resolved",
            "closed": "closed",
        },
    }

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
            status_labels=self.STATUS_LABELS[language],
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
    """Replies to greetings, thanks, goodbyes, bot challenges, out-of-scope and unclear messages."""

    WITH_TOPIC_MENU = frozenset({"greet", "out_of_scope", "nlu_fallback"})
    TEMPLATES: ClassVar[dict[str, str]] = {"nlu_fallback": "fallback"}

    def name(self) -> str:
        return "action_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = conversation_language(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name") or "nlu_fallback"
        template = self.TEMPLATES.get(intent, intent)
        buttons = None
        if intent in self.WITH_TOPIC_MENU:
            buttons = [*topic_buttons(language), human_button(language)]
        say(
            dispatcher,
            render(template, language),
            buttons=buttons,
            payload={"type": "clarify", "candidates": []} if intent == "nlu_fallback" else None,
        )
        return [SlotSet("language", language)]
