"""One turn of a talent's conversation: what the latest message asks, given the conversation so far.

The NLU reads the message alone; this module reads it in context. A follow-up that only changes a
detail ("那精河县呢？") asks the previous question again with that detail; a follow-up question without
topic words ("要带什么材料？") stays with the topic and the article under discussion, unless the NLU
is much surer of another topic; a detail the assistant asked for completes the question that waits.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dialogue.reading import (
    ASKS,
    HUMAN_CUE,
    MANIPULATION,
    POINTS_BACK,
    STATUS_CUE,
    SWITCHES_TOPIC,
    Details,
    only_details,
    read_details,
    swap_details,
    time_frame,
)
from frontdesk.vocabulary import TOPICS

INQUIRY_PREFIX = "ask_"
UNCLEAR = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "help"})
DETAIL_ENTITIES = {"district": "district", "tier": "talent_tier"}
# The head start of the topic under discussion over the NLU's confidence in another (see _inquiry).
CONTEXT_PRIOR = 0.5
POINTING_BACK_PRIOR = 0.4
# An unsure topic is asked about only when the runner-up has at least this share of its confidence.
RIVAL_SHARE = 0.5
# Small talk the NLU is unsure of is still small talk when the message asks nothing.
SMALL_TALK_UNSURE = 0.4
# In a conversation a follow-up question is rarely out of scope: the NLU's out-of-scope confidence counts
# this much against the topic under discussion.
OUT_OF_SCOPE_IN_CONTEXT = 0.7
# Below this confidence (Rasa's FallbackClassifier threshold) a message with no context is not understood.
LOST_BELOW = 0.3
# Coverage (the share of a message's informative words a topic's articles contain): a message that points
# back stays with its topic while that topic covers it about as well as the rival; one the NLU takes for
# out of scope stays when the topic covers FOLLOW_UP_COVERAGE of it; a lost message is answered in a
# topic that covers at least RESCUE_COVERAGE and CLEAR_COVERAGE times any other.
COVERAGE_MARGIN = 0.1
FOLLOW_UP_COVERAGE = 0.5
RESCUE_COVERAGE = 0.3
CLEAR_COVERAGE = 1.5
Coverage = Callable[[str, str, str | None], float]  # (topic, question, current article) -> 0..1
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class Step(enum.StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    TOPIC_MENU = "topic_menu"
    NOTED = "noted"
    REPLY = "reply"
    TICKET = "ticket"
    TICKET_STATUS = "ticket_status"


@dataclass(frozen=True)
class Message:
    """The latest message as the NLU read it."""

    text: str
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    entities: dict[str, str] = field(default_factory=dict)
    from_button: bool = False


@dataclass(frozen=True)
class Context:
    """What the conversation has settled so far."""

    topic: str | None = None
    question: str | None = None
    article_id: str | None = None
    district: str | None = None
    tier: str | None = None
    pending_topic: str | None = None
    pending_question: str | None = None
    needed_detail: str | None = None  # "district" or "tier" while a question waits for it

    @property
    def waiting(self) -> bool:
        """True while a question waits for the district or tier the assistant asked for."""
        return self.needed_detail in DETAIL_ENTITIES and bool(self.pending_question)


@dataclass(frozen=True)
class Plan:
    """What to do with the message."""

    step: Step
    topic: str | None = None
    question: str = ""
    district: str | None = None
    tier: str | None = None
    article_id: str | None = None  # picked with a button
    part: str | None = None  # picked with a button
    current_article: str | None = None  # the article a follow-up is about
    replaced_article: str | None = None  # the article answered before a follow-up changed a detail
    candidates: tuple[str, ...] = ()
    reply: str | None = None  # the small-talk intent, out_of_scope or nlu_fallback
    resume_pending: bool = False  # a question still waits for a detail: ask for it again afterwards
    follow_up: bool = False


def decide(message: Message, context: Context, *, confident: float, coverage: Coverage | None = None) -> Plan:
    """The plan for the latest message; `confident` is the confidence from which the NLU is acted on;
    `coverage` says how much of a question a topic's articles contain (the knowledge base's evidence)."""
    details = _details(message)
    district, tier = details.district or context.district, details.tier or context.tier
    if message.from_button:
        return _button(message, context, district=district, tier=tier)
    waiting = context.waiting
    intent, text = message.intent, message.text
    if MANIPULATION.search(text):
        return Plan(Step.REPLY, reply=OUT_OF_SCOPE, resume_pending=waiting)
    if intent == "request_human" and (HUMAN_CUE.search(text) or message.confidence >= confident):
        return Plan(Step.TICKET, topic=context.pending_topic or context.topic, district=district)
    if intent == "check_ticket" and (
        "ticket_id" in message.entities
        or STATUS_CUE.search(text)
        or (message.confidence >= confident and not context.topic)
    ):
        return Plan(Step.TICKET_STATUS, resume_pending=waiting)
    if (details.district or details.tier) and only_details(text):
        return _detail_given(context, details, district=district, tier=tier)
    asks_anew = intent in {"affirm", "deny"} and _has_content(text) and ASKS.search(text)
    if (
        intent in SMALL_TALK
        and not asks_anew
        and (
            message.confidence >= confident
            or (message.confidence >= SMALL_TALK_UNSURE and _has_content(text) and not ASKS.search(text))
        )
    ):
        return Plan(Step.REPLY, reply=intent, resume_pending=waiting and intent not in {"deny", "goodbye"})
    return _inquiry(
        message,
        context,
        district=district,
        tier=tier,
        waiting=waiting,
        confident=confident,
        coverage=coverage or (lambda topic, question, article: 0.0),
    )


def _details(message: Message) -> Details:
    """The details a button carries, or those the typed text gives."""
    if message.from_button:
        return Details(district=message.entities.get("district"), tier=message.entities.get("talent_tier"))
    return read_details(message.text)


def _detail_given(context: Context, given: Details, *, district: str | None, tier: str | None) -> Plan:
    """A detail on its own: it completes the question that waits for it, or asks the previous question
    again with it ("那精河县呢？"), or, with no question before it, is noted."""
    waiting = context.waiting
    if waiting and {"district": district, "tier": tier}.get(context.needed_detail or ""):
        return _answer_pending(context, district=district, tier=tier)
    if context.topic and context.question:
        return Plan(
            Step.ANSWER,
            topic=context.topic,
            question=swap_details(context.question, district=given.district, tier=given.tier),
            district=district,
            tier=tier,
            replaced_article=context.article_id,
            follow_up=True,
        )
    return Plan(Step.NOTED, district=district, tier=tier, resume_pending=waiting)


def _answer_pending(context: Context, *, district: str | None, tier: str | None) -> Plan:
    return Plan(
        Step.ANSWER,
        topic=context.pending_topic,
        question=context.pending_question or "",
        district=district,
        tier=tier,
    )


def _button(message: Message, context: Context, *, district: str | None, tier: str | None) -> Plan:
    """A button the front desk sent: its payload says what is meant."""
    intent = message.intent
    if intent.startswith(INQUIRY_PREFIX):
        topic = intent.removeprefix(INQUIRY_PREFIX)
        article_id = message.entities.get("kb_article")
        if article_id:
            return Plan(
                Step.ANSWER,
                topic=topic,
                question=context.question or "" if topic == context.topic else "",
                district=district,
                tier=tier,
                article_id=article_id,
                part=message.entities.get("kb_part"),
                current_article=context.article_id,
            )
        if context.pending_question and context.pending_topic in (None, topic):  # "which topic?" answered
            return Plan(
                Step.ANSWER, topic=topic, question=context.pending_question, district=district, tier=tier
            )
        return Plan(Step.TOPIC_MENU, topic=topic, district=district, tier=tier)
    if intent == "inform":
        return _detail_given(context, _details(message), district=district, tier=tier)
    if intent == "request_human":
        return Plan(Step.TICKET, topic=context.pending_topic or context.topic, district=district)
    if intent == "check_ticket":
        return Plan(Step.TICKET_STATUS)
    return Plan(Step.REPLY, reply=intent if intent in SMALL_TALK else UNCLEAR)


def _inquiry(
    message: Message,
    context: Context,
    *,
    district: str | None,
    tier: str | None,
    waiting: bool,
    confident: float,
    coverage: Coverage,
) -> Plan:
    """A question: which topic it is about, read with the topic under discussion in mind.

    The topic under discussion starts with a head start (CONTEXT_PRIOR, more for a message that points
    back: "也", "她", "呢", "it", "also"; none after "对了" or "by the way"), so that another topic takes
    over only when the NLU is sure of it. When the NLU is lost, the knowledge base's articles can still
    say which topic the words belong to.
    """
    scores = {name: score for name, score in message.ranking if _is_topic(name) or name == OUT_OF_SCOPE}
    current = f"{INQUIRY_PREFIX}{context.topic}" if context.topic and _has_content(message.text) else None
    if current and context.topic and not SWITCHES_TOPIC.search(message.text):
        head_start = CONTEXT_PRIOR
        rivals = sorted(
            (name for name in scores if _is_topic(name) and name != current), key=scores.__getitem__
        )
        if POINTS_BACK.search(message.text):
            fit = coverage(context.topic, message.text, context.article_id)
            rival_fit = coverage(_topic(rivals[-1]), message.text, None) if rivals else 0.0
            if fit + COVERAGE_MARGIN >= rival_fit:
                head_start += POINTING_BACK_PRIOR
        scores[current] = scores.get(current, 0.0) + head_start
        if OUT_OF_SCOPE in scores:
            scores[OUT_OF_SCOPE] *= OUT_OF_SCOPE_IN_CONTEXT
    ranking = sorted(scores.items(), key=lambda item: -item[1])
    best, score = ranking[0] if ranking else (OUT_OF_SCOPE, 0.0)
    if (  # the topic's articles may say that what the NLU took for out of scope is a follow-up
        best == OUT_OF_SCOPE
        and current
        and context.topic
        and coverage(context.topic, message.text, context.article_id) >= FOLLOW_UP_COVERAGE
    ):
        best, score = current, scores[current]
    follow_up = best == current
    unsure_out_of_scope = best == OUT_OF_SCOPE and score < confident
    if not follow_up and (unsure_out_of_scope or (best != OUT_OF_SCOPE and score < LOST_BELOW)):
        found = _topic_by_coverage(message.text, coverage)
        if found is not None:
            best, score = f"{INQUIRY_PREFIX}{found}", confident
    if best == OUT_OF_SCOPE or (score < LOST_BELOW and not follow_up):
        sure = message.intent == OUT_OF_SCOPE and message.confidence >= confident
        reply = OUT_OF_SCOPE if best == OUT_OF_SCOPE and sure else UNCLEAR
        return Plan(Step.REPLY, reply=reply, resume_pending=waiting)
    topic = _topic(best)
    rival = next((item for item in ranking if _is_topic(item[0]) and item[0] != best), None)
    if not follow_up and score < confident and rival is not None and rival[1] >= score * RIVAL_SHARE:
        clear = _clearly_best(
            {_topic(name): coverage(_topic(name), message.text, None) for name in (best, rival[0])}
        )
        if clear is None:
            return Plan(Step.CLARIFY, candidates=(best, rival[0]), question=message.text)
        topic = clear
    question = message.text
    if follow_up and context.question and not time_frame(question):  # "明年…" still holds
        question = f"{question} {time_frame(context.question)}".strip()
    return Plan(
        Step.ANSWER,
        topic=topic,
        question=question,
        district=district,
        tier=tier,
        current_article=context.article_id if follow_up else None,
        resume_pending=waiting,
        follow_up=follow_up,
    )


def _topic_by_coverage(text: str, coverage: Coverage) -> str | None:
    """The one topic whose articles contain clearly more of what the message says than any other."""
    return _clearly_best({topic: coverage(topic, text, None) for topic in TOPICS})


def _clearly_best(fits: dict[str, float]) -> str | None:
    """The topic that covers at least RESCUE_COVERAGE, and CLEAR_COVERAGE times any other; else None."""
    ranked = sorted(fits.items(), key=lambda item: -item[1])
    (topic, best), second = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    return topic if best >= RESCUE_COVERAGE and best >= CLEAR_COVERAGE * second else None


def _is_topic(name: str) -> bool:
    return name.startswith(INQUIRY_PREFIX)


def _topic(name: str) -> str:
    return name.removeprefix(INQUIRY_PREFIX)


def _has_content(text: str) -> bool:
    """More than a digit, an emoji or punctuation: something a follow-up question could be."""
    return len(_CJK.findall(text)) >= 2 or len(_LATIN_WORD.findall(text)) >= 2
