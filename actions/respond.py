"""The one action Rasa runs for every message: read it in context (dialogue.turns), then answer."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import inquiry
from actions.common import (
    PENDING_SLOTS,
    Reply,
    conversation_language,
    from_button,
    human_button,
    last_bot_payload,
    say,
)
from actions.conversation import check_ticket, offered_a_person, open_ticket, small_talk
from actions.knowledge import index_cache
from actions.messages import render
from conversations import service as conversations
from dialogue.reading import valid_district, valid_tier
from dialogue.turns import Context, Message, Plan, Step, decide
from frontdesk.config import get_settings
from frontdesk.contract import PayloadType
from frontdesk.database import session_scope
from frontdesk.text import normalize
from people import registry
from policies_kb.retrieval import KnowledgeIndex

log = logging.getLogger(__name__)


class ActionRespond(Action):
    """Answers, asks for a detail or which topic is meant, opens or reports a ticket, or makes small talk."""

    def name(self) -> str:
        return "action_respond"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            events = await asyncio.to_thread(respond, dispatcher, tracker, language=language)
        except SQLAlchemyError:
            log.exception("database unavailable while answering %s", tracker.sender_id)
            say(dispatcher, render("service_error", language), buttons=[human_button(language)])
            events = []
        return [SlotSet("language", language), *events]


def respond(dispatcher: CollectingDispatcher, tracker: Tracker, *, language: str) -> list[EventType]:
    """Decide what the latest message asks and say it; the events that record what was settled."""
    context = read_context(tracker)
    with session_scope() as session:
        index = index_cache.get(session)
    message = read_message(tracker)
    plan = decide(
        message,
        context,
        confident=get_settings().nlu_confident_threshold,
        coverage=lambda topic, question, article: index.coverage(
            topic, normalize(question), preferred=article
        ),
    )
    if plan.step is Step.REPLY and plan.reply == "affirm" and offered_a_person(last_bot_payload(tracker)):
        plan = Plan(Step.TICKET, topic=context.topic, district=context.district)
    reply = _perform(dispatcher, tracker, plan, index=index, language=language)
    events = list(reply.events)
    if plan.resume_pending and reply.kind is not PayloadType.ASK_DETAIL:  # a question still waits
        events = [event for event in events if event.get("name") not in PENDING_SLOTS]
        inquiry.resume(dispatcher, tracker.current_slot_values(), language=language)
    for slot, value in (("district", plan.district), ("talent_tier", plan.tier)):
        if value and value != tracker.get_slot(slot):
            events.append(SlotSet(slot, value))
    _record(dispatcher, tracker, message, plan, reply, language=language)
    return events


def _record(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    message: Message,
    plan: Plan,
    reply: Reply,
    *,
    language: str,
) -> None:
    """The turn in the conversation record (conversations/); the answer does not wait on it."""
    answered = next(
        (
            sent["custom"]
            for sent in dispatcher.messages
            if (sent.get("custom") or {}).get("type") in {PayloadType.KB_ANSWER, PayloadType.NOT_ELIGIBLE}
        ),
        {},
    )
    try:
        with session_scope() as session:
            conversations.record_turn(
                session,
                sender_id=tracker.sender_id,
                language=language,
                text=message.text,
                from_button=message.from_button,
                intent=message.intent,
                confidence=message.confidence,
                outcome=conversations.outcome_of(reply.kind, reply=plan.reply),
                topic=plan.topic,
                article_id=answered.get("article_id"),
                version=answered.get("version"),
                district=plan.district,
                tier=plan.tier,
            )
    except SQLAlchemyError:
        log.exception("conversation record unavailable for %s", tracker.sender_id)


def _perform(
    dispatcher: CollectingDispatcher, tracker: Tracker, plan: Plan, *, index: KnowledgeIndex, language: str
) -> Reply:
    if plan.step is Step.ANSWER:
        return inquiry.answer(dispatcher, plan, index=index, language=language)
    if plan.step is Step.CLARIFY:
        return inquiry.clarify(dispatcher, plan, language=language)
    if plan.step is Step.TOPIC_MENU:
        return inquiry.offer_topic(dispatcher, plan, index=index, language=language)
    if plan.step is Step.NOTED:
        return inquiry.noted(dispatcher, plan, language=language)
    if plan.step is Step.TICKET:
        return open_ticket(dispatcher, tracker, topic=plan.topic, district=plan.district, language=language)
    if plan.step is Step.TICKET_STATUS:
        return check_ticket(dispatcher, tracker, language=language)
    return small_talk(dispatcher, tracker, intent=plan.reply or "nlu_fallback", language=language)


def read_message(tracker: Tracker) -> Message:
    """The latest message as the NLU read it; entities only from the front desk's own buttons, and only
    values from the canonical sets."""
    latest = tracker.latest_message
    intent = latest.get("intent") or {}
    button = from_button(tracker)
    entities: dict[str, str] = {}
    for entity in latest.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if not isinstance(name, str) or not isinstance(value, str) or name in entities:
            continue
        if (
            name == "ticket_id"
            or (button and name in {"kb_article", "kb_part"})
            or (button and name == "district" and valid_district(value))
            or (button and name == "talent_tier" and valid_tier(value))
        ):
            entities[name] = value
    return Message(
        text=latest.get("text") or "",
        intent=intent.get("name") or "nlu_fallback",
        confidence=float(intent.get("confidence") or 0),
        ranking=tuple(
            (str(item.get("name")), float(item.get("confidence") or 0))
            for item in latest.get("intent_ranking") or []
        ),
        entities=entities,
        from_button=button,
    )


def read_context(tracker: Tracker) -> Context:
    """The conversation's settled state, with the district and tier of a bound green card when the
    conversation has not said them."""
    district = valid_district(tracker.get_slot("district"))
    tier = valid_tier(tracker.get_slot("talent_tier"))
    if not (district and tier):
        try:
            with session_scope() as session:
                profile = registry.profile_of(session, sender_id=tracker.sender_id)
        except SQLAlchemyError:
            log.exception("talent registry unavailable for %s", tracker.sender_id)
            profile = None
        if profile is not None:
            district, tier = district or profile.district, tier or profile.tier
    slot = tracker.get_slot
    return Context(
        topic=slot("topic"),
        question=slot("question"),
        article_id=slot("article"),
        district=district,
        tier=tier,
        pending_topic=slot("pending_topic"),
        pending_question=slot("pending_question"),
        needed_detail=slot("needed_detail"),
    )
