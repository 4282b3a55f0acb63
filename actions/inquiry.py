"""Inquiry topics: answers from the knowledge base, the detail they need, and which topic is meant."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import PENDING_SLOTS, Reply, human_button, say
from actions.messages import render, topic_buttons
from dialogue.reading import without_own_district
from dialogue.turns import DETAIL_ENTITIES, Plan
from frontdesk.clock import local_today
from frontdesk.contract import PayloadType
from frontdesk.payloads import sign
from frontdesk.text import normalize
from frontdesk.vocabulary import DISTRICTS, INTENT_LABELS, PART_LABELS, TIERS, TOPIC_LABELS
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
from policies_kb.passages import Part
from policies_kb.retrieval import IndexedArticle, KnowledgeIndex

log = logging.getLogger(__name__)

DETAIL_VALUES = {"district": DISTRICTS, "tier": TIERS}


def answer(dispatcher: CollectingDispatcher, plan: Plan, *, index: KnowledgeIndex, language: str) -> Reply:
    """The knowledge base's answer to the plan's question (or the article and part a button picked)."""
    assert plan.topic is not None
    today = local_today()
    details = {"tier": plan.tier, "district": plan.district, "today": today}
    if plan.article_id:
        choice = chosen_article(index, topic=plan.topic, article_id=plan.article_id, **details)
    else:
        question = normalize(without_own_district(plan.question))
        choice = choose_article(
            index, topic=plan.topic, question=question, current_article=plan.current_article, **details
        )
    log.info(
        "topic=%s outcome=%s article=%s follow_up=%s",
        plan.topic,
        choice.outcome,
        choice.article.article_id if choice.article else None,
        plan.follow_up,
    )
    if choice.outcome is Outcome.NEED_DETAIL:
        detail = choice.need or "district"
        ask_detail(dispatcher, topic=plan.topic, question=plan.question, detail=detail, language=language)
        return Reply(
            [
                SlotSet("pending_topic", plan.topic),
                SlotSet("pending_question", plan.question),
                SlotSet("needed_detail", detail),
            ],
            PayloadType.ASK_DETAIL,
        )
    settled = [SlotSet(slot, None) for slot in PENDING_SLOTS]
    remembered = [SlotSet("topic", plan.topic), SlotSet("question", plan.question or None)]
    if choice.not_for_you is not None and plan.replaced_article is not None:
        choice = replace(choice, not_for_you=None)  # "and for tier E?" asks what applies to E, not what not
    if choice.outcome is Outcome.ANSWER and choice.article is not None:
        _send_answer(dispatcher, choice, index=index, plan=plan, language=language)
        return Reply(
            [*settled, *remembered, SlotSet("article", choice.article.article_id)], PayloadType.KB_ANSWER
        )
    if choice.outcome is Outcome.NOT_ELIGIBLE and choice.not_for_you is not None:
        article = choice.not_for_you
        say(
            dispatcher,
            render(
                "not_eligible",
                language,
                title=localized(article, language).title,
                scope=scope_text(article.content.eligibility, language),
                profile=profile_text(tier=plan.tier, district=plan.district, language=language),
            ),
            buttons=[human_button(language)],
            payload={
                "type": PayloadType.NOT_ELIGIBLE,
                "topic": plan.topic,
                "article_id": article.article_id,
                "version": article.version,
            },
        )
        return Reply([*settled, *remembered, SlotSet("article", None)], PayloadType.NOT_ELIGIBLE)
    say(
        dispatcher,
        render("no_article", language, topic_label=TOPIC_LABELS[language][plan.topic]),
        buttons=[human_button(language)],
        payload={"type": PayloadType.NO_ANSWER, "topic": plan.topic},
    )
    return Reply([*settled, *remembered, SlotSet("article", None)], PayloadType.NO_ANSWER)


def _send_answer(
    dispatcher: CollectingDispatcher, choice: Choice, *, index: KnowledgeIndex, plan: Plan, language: str
) -> None:
    """The part of the article that answers, its source, and buttons for the rest of it and a person."""
    assert choice.article is not None and plan.topic is not None
    article = choice.article
    part = Part(plan.part) if plan.part in set(Part) else None
    reply = render_answer(
        choice,
        index=index,
        question=normalize(plan.question),
        language=language,
        tier=plan.tier,
        district=plan.district,
        today=local_today(),
        seen_before=article.article_id == plan.current_article,
        part=part,
    )
    labels = PART_LABELS[language]
    buttons = [
        {"title": labels[more], "payload": article_payload(plan.topic, article.article_id, more)}
        for more in reply.more
    ]
    say(
        dispatcher,
        reply.messages,
        buttons=[*buttons, human_button(language)],
        payload={
            "type": PayloadType.KB_ANSWER,
            "topic": plan.topic,
            "article_id": article.article_id,
            "version": article.version,
            "language": language,
        },
    )


def article_payload(topic: str, article_id: str, part: Part | None = None) -> str:
    """The signed payload of a button that opens an article (or one part of it)."""
    entities: dict[str, str] = {"kb_article": article_id}
    if part is not None:
        entities["kb_part"] = part.value
    return sign(f"/ask_{topic}" + json.dumps(entities))


def ask_detail(
    dispatcher: CollectingDispatcher,
    *,
    topic: str | None,
    question: str,
    detail: str,
    language: str,
    returning: bool = False,
) -> None:
    """Ask for the district or tier a question needs, with one button per value."""
    slot = DETAIL_ENTITIES[detail]
    buttons = [
        {"title": value, "payload": sign("/inform" + json.dumps({slot: value}, ensure_ascii=False))}
        for value in DETAIL_VALUES[detail]
    ]
    say(
        dispatcher,
        render("need_detail", language, detail=detail, returning_to=question if returning else ""),
        buttons=buttons,
        payload={"type": PayloadType.ASK_DETAIL, "topic": topic, "detail": detail},
    )


def clarify(dispatcher: CollectingDispatcher, plan: Plan, *, language: str) -> Reply:
    """Ask which of the two likeliest topics is meant; the question waits in `pending_question`."""
    labels = INTENT_LABELS[language]
    say(
        dispatcher,
        render("clarify", language, candidates=[labels[name] for name in plan.candidates]),
        buttons=[{"title": labels[name], "payload": sign(f"/{name}")} for name in plan.candidates]
        + [human_button(language)],
        payload={"type": PayloadType.CLARIFY, "candidates": list(plan.candidates)},
    )
    return Reply(
        [
            SlotSet("pending_topic", None),
            SlotSet("pending_question", plan.question),
            SlotSet("needed_detail", None),
        ],
        PayloadType.CLARIFY,
    )


def offer_topic(
    dispatcher: CollectingDispatcher, plan: Plan, *, index: KnowledgeIndex, language: str
) -> Reply:
    """A topic button without a question: the topic's articles that apply, to choose from."""
    assert plan.topic is not None
    articles: list[IndexedArticle] = topic_menu(
        index, topic=plan.topic, tier=plan.tier, district=plan.district, today=local_today()
    )
    buttons = [
        {
            "title": localized(article, language).title,
            "payload": article_payload(plan.topic, article.article_id),
        }
        for article in articles
    ]
    say(
        dispatcher,
        render("topic_menu", language, topic_label=TOPIC_LABELS[language][plan.topic], count=len(articles)),
        buttons=[*buttons, human_button(language)],
        payload={
            "type": PayloadType.TOPIC_MENU,
            "topic": plan.topic,
            "articles": [a.article_id for a in articles],
        },
    )
    return Reply(
        [SlotSet("topic", plan.topic), SlotSet("question", None), SlotSet("article", None)],
        PayloadType.TOPIC_MENU,
    )


def noted(dispatcher: CollectingDispatcher, plan: Plan, *, language: str) -> Reply:
    """A detail given with no question to apply it to: remembered, and the topics offered."""
    say(
        dispatcher,
        render(
            "noted", language, profile=profile_text(tier=plan.tier, district=plan.district, language=language)
        ),
        buttons=[*topic_buttons(language), human_button(language)],
    )
    return Reply([], None)


def resume(dispatcher: CollectingDispatcher, slots: dict[str, Any], *, language: str) -> None:
    """Come back to the question that still waits for a detail."""
    ask_detail(
        dispatcher,
        topic=slots.get("pending_topic"),
        question=slots.get("pending_question") or "",
        detail=slots.get("needed_detail") or "district",
        language=language,
        returning=True,
    )
