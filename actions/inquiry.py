"""Inquiry topics: answers from the knowledge base, and the form that asks for a missing detail."""

from __future__ import annotations

import abc
import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    INQUIRY_PREFIX,
    PENDING_SLOTS,
    Band,
    band,
    conversation_language,
    from_button,
    human_button,
    latest_entity,
    latest_intent,
    likely_intents,
    say,
)
from actions.knowledge import index_cache
from actions.messages import INTENT_LABELS, render, topic_buttons
from frontdesk.clock import local_today
from frontdesk.database import session_scope
from frontdesk.text import normalize
from policies_kb.answers import (
    Choice,
    Outcome,
    choose_article,
    chosen_article,
    localized,
    profile_text,
    render_answer,
    scope_text,
    topic_menu,
)
from policies_kb.retrieval import IndexedArticle
from policies_kb.schema import DISTRICTS, TIERS, TOPIC_LABELS
from tickets import registry

log = logging.getLogger(__name__)

DETAIL_SLOTS = {"district": "district", "tier": "talent_tier"}  # knowledge-base detail -> slot
SLOT_VALUES = {"district": DISTRICTS, "talent_tier": TIERS}


@dataclass(frozen=True)
class Inquiry:
    """What the talent asks, about which topic, and what is known of them."""

    topic: str | None
    question: str
    tier: str | None
    district: str | None
    article_id: str | None = None


class ActionAnswerInquiry(Action):
    """Answers an inquiry topic from the knowledge base, personalised to the talent's tier and district.

    Asks which topic is meant when the NLU is unsure, offers a topic's articles when a topic button is
    pressed, and leaves a missing district or tier to the detail form (by setting `needed_detail`).
    """

    def name(self) -> str:
        return "action_answer_inquiry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        events: list[EventType] = [SlotSet("language", language)]
        waiting_form = bool(tracker.active_loop_name)  # the detail form waits for another question's detail
        if band(tracker) is Band.UNSURE and not waiting_form and (candidates := likely_intents(tracker)):
            return events + self._clarify(dispatcher, tracker, candidates, language)
        try:
            inquiry = await asyncio.to_thread(self._inquiry, tracker)
        except SQLAlchemyError:
            log.exception("talent registry unavailable for %s", tracker.sender_id)
            inquiry = self._inquiry(tracker, with_profile=False)
        events += [
            SlotSet(slot, value)
            for slot, value in (("district", inquiry.district), ("talent_tier", inquiry.tier))
            if value and value != tracker.get_slot(slot)
        ]
        if not inquiry.topic:
            say(
                dispatcher,
                render("noted", language, profile=self._profile(inquiry, language)),
                buttons=[*topic_buttons(language), human_button(language)],
            )
            return [*events, SlotSet("needed_detail", None)]
        try:
            choice, menu = await asyncio.to_thread(self._choose, inquiry)
        except SQLAlchemyError:
            log.exception("knowledge base unavailable for topic %s", inquiry.topic)
            say(dispatcher, render("service_error", language), buttons=[human_button(language)])
            return events
        if waiting_form:  # the form's pending question stays; the rules expect needed_detail to be set
            settled = [SlotSet("needed_detail", tracker.get_slot("needed_detail"))]
        else:
            settled = [SlotSet(slot, None) for slot in PENDING_SLOTS]
        if menu is not None:
            return events + self._offer_menu(dispatcher, inquiry, menu, language) + settled
        assert choice is not None
        log.info(
            "topic=%s outcome=%s article=%s",
            inquiry.topic,
            choice.outcome,
            choice.article.article_id if choice.article else None,
        )
        return events + self._reply(dispatcher, choice, inquiry=inquiry, language=language, settled=settled)

    @staticmethod
    def _inquiry(tracker: Tracker, *, with_profile: bool = True) -> Inquiry:
        """The question (typed, or the one a button or the detail form stands for) and the talent's details:
        said in this message, else earlier in the conversation, else from their bound green card."""
        intent = latest_intent(tracker)
        pending_topic = tracker.get_slot("pending_topic")
        pending_question = tracker.get_slot("pending_question")
        if intent.startswith(INQUIRY_PREFIX):
            topic = intent.removeprefix(INQUIRY_PREFIX)
            if not from_button(tracker):
                question = tracker.latest_message.get("text") or ""
            else:
                question = (pending_question or "") if pending_topic in (None, topic) else ""
        else:
            topic, question = pending_topic, pending_question or ""
        tier = latest_entity(tracker, "talent_tier") or tracker.get_slot("talent_tier")
        district = latest_entity(tracker, "district") or tracker.get_slot("district")
        if with_profile and not (tier and district):
            with session_scope() as session:
                profile = registry.profile_of(session, sender_id=tracker.sender_id)
            if profile is not None:
                tier, district = tier or profile.tier, district or profile.district
        return Inquiry(
            topic=topic,
            question=question,
            tier=tier,
            district=district,
            article_id=latest_entity(tracker, "kb_article"),
        )

    @staticmethod
    def _choose(inquiry: Inquiry) -> tuple[Choice | None, list[IndexedArticle] | None]:
        """The knowledge base's choice, or (for a topic button without a question) the topic's articles."""
        assert inquiry.topic is not None
        with session_scope() as session:
            index = index_cache.get(session)
        today = local_today()
        details = {"tier": inquiry.tier, "district": inquiry.district, "today": today}
        if inquiry.article_id:
            return chosen_article(index, topic=inquiry.topic, article_id=inquiry.article_id, **details), None
        if not inquiry.question.strip():
            return None, topic_menu(index, topic=inquiry.topic, **details)
        question = normalize(inquiry.question)
        return choose_article(index, topic=inquiry.topic, question=question, **details), None

    @staticmethod
    def _profile(inquiry: Inquiry, language: str) -> str:
        return profile_text(tier=inquiry.tier, district=inquiry.district, language=language)

    @staticmethod
    def _clarify(
        dispatcher: CollectingDispatcher, tracker: Tracker, candidates: list[str], language: str
    ) -> list[EventType]:
        """Ask which of the likeliest topics is meant; the question waits in `pending_question`."""
        labels = INTENT_LABELS[language]
        say(
            dispatcher,
            render("clarify", language, candidates=[labels[name] for name in candidates]),
            buttons=[{"title": labels[name], "payload": f"/{name}"} for name in candidates]
            + [human_button(language)],
            payload={"type": "clarify", "candidates": candidates},
        )
        return [
            SlotSet("pending_topic", None),
            SlotSet("pending_question", tracker.latest_message.get("text") or ""),
            SlotSet("needed_detail", None),
        ]

    @staticmethod
    def _offer_menu(
        dispatcher: CollectingDispatcher, inquiry: Inquiry, articles: list[IndexedArticle], language: str
    ) -> list[EventType]:
        """A topic button without a question: the topic's articles to choose from."""
        assert inquiry.topic is not None
        label = TOPIC_LABELS[language][inquiry.topic]
        buttons = [
            {
                "title": localized(article, language).title,
                "payload": f"/ask_{inquiry.topic}" + json.dumps({"kb_article": article.article_id}),
            }
            for article in articles
        ]
        say(
            dispatcher,
            render("topic_menu", language, topic_label=label, count=len(articles)),
            buttons=[*buttons, human_button(language)],
            payload={
                "type": "topic_menu",
                "topic": inquiry.topic,
                "articles": [article.article_id for article in articles],
            },
        )
        return []

    @classmethod
    def _reply(
        cls,
        dispatcher: CollectingDispatcher,
        choice: Choice,
        *,
        inquiry: Inquiry,
        language: str,
        settled: list[EventType],
    ) -> list[EventType]:
        """The answer, or why there is none; `settled` are the events for a question no longer pending."""
        topic = inquiry.topic
        assert topic is not None
        if choice.outcome is Outcome.NEED_DETAIL:
            return [
                SlotSet("pending_topic", topic),
                SlotSet("pending_question", inquiry.question),
                SlotSet("needed_detail", DETAIL_SLOTS[choice.need or "district"]),
            ]
        if choice.outcome is Outcome.ANSWER and choice.article is not None:
            messages = render_answer(
                choice, language=language, tier=inquiry.tier, district=inquiry.district, today=local_today()
            )
            payload = {
                "type": "kb_answer",
                "topic": topic,
                "article_id": choice.article.article_id,
                "version": choice.article.version,
                "language": language,
            }
            say(dispatcher, messages, payload=payload)
            return settled
        if choice.outcome is Outcome.NOT_ELIGIBLE and choice.not_for_you is not None:
            article = choice.not_for_you
            messages = render(
                "not_eligible",
                language,
                title=localized(article, language).title,
                scope=scope_text(article.content.eligibility, language),
                profile=cls._profile(inquiry, language),
            )
            payload = {
                "type": "not_eligible",
                "topic": topic,
                "article_id": article.article_id,
                "version": article.version,
            }
            say(dispatcher, messages, buttons=[human_button(language)], payload=payload)
            return settled
        say(
            dispatcher,
            render("no_article", language, topic_label=TOPIC_LABELS[language][topic]),
            buttons=[human_button(language)],
            payload={"type": "no_answer", "topic": topic},
        )
        return settled


class ValidateDetailForm(FormValidationAction):
    """The detail form asks only for the detail the pending question needs (`needed_detail`)."""

    def name(self) -> str:
        return "validate_detail_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        needed = tracker.get_slot("needed_detail")
        return [needed] if needed in SLOT_VALUES else []

    def validate_district(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"district": value if value in DISTRICTS else None}

    def validate_talent_tier(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"talent_tier": value if value in TIERS else None}


class ActionAskDetail(Action, abc.ABC):
    """Asks for the detail the pending question needs, with one button per value."""

    @property
    @abc.abstractmethod
    def slot(self) -> str:
        """The form slot asked for."""

    @property
    @abc.abstractmethod
    def detail(self) -> str:
        """The knowledge base's name of that detail."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        pending = tracker.get_slot("pending_question") or ""
        typed = tracker.latest_message.get("text") or ""
        returning = latest_intent(tracker) != "inform" and normalize(typed) != normalize(pending)
        buttons = [
            {"title": value, "payload": "/inform" + json.dumps({self.slot: value}, ensure_ascii=False)}
            for value in SLOT_VALUES[self.slot]
        ]
        say(
            dispatcher,
            render("need_detail", language, detail=self.detail, returning_to=pending if returning else ""),
            buttons=buttons,
            payload={"type": "ask_detail", "topic": tracker.get_slot("pending_topic"), "detail": self.detail},
        )
        return [SlotSet("language", language)]


class ActionAskDistrict(ActionAskDetail):
    slot = "district"
    detail = "district"


class ActionAskTalentTier(ActionAskDetail):
    slot = "talent_tier"
    detail = "tier"
