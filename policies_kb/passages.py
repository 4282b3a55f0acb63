"""The part of an article that answers a question: eligibility, amounts, documents, how to apply, time.

An article's text is cut into passages (the summary, each paragraph of the body, and the structured
fields). A question that asks for a structured field ("要带什么材料", "how long does it take") gets that
field first; every question gets the body paragraphs that share the most informative words with it,
within a budget of about 300 Chinese characters (or 80 English words).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

from policies_kb.schema import LocalizedContent

BUDGET = {"zh": 300, "en": 520}  # characters; 520 is about 80 English words
# A body paragraph is added after the first passage only when it scores this share of the best one.
SECOND_PASSAGE_SHARE = 0.6


class Part(enum.StrEnum):
    """Parts of an article a talent can ask for; `full` is the whole text."""

    SUMMARY = "summary"
    BODY = "body"
    DOCUMENTS = "documents"
    HOW_TO_APPLY = "how_to_apply"
    PROCESSING_TIME = "processing_time"
    CONTACT = "contact"
    FULL = "full"


# Parts that have a field of their own and a button to show them.
FIELD_PARTS = (Part.DOCUMENTS, Part.HOW_TO_APPLY, Part.PROCESSING_TIME, Part.CONTACT)

_ASKS_FOR = {
    Part.DOCUMENTS: re.compile(
        r"材料|带什么|带啥|带哪些|准备什么|准备啥|准备哪些|要哪些东西|什么证件|哪些证件|证明文件|要些什么|提交什么|"
        r"document|paperwork|papers|bring|what do i need to (?:prepare|provide|submit)",
        re.IGNORECASE,
    ),
    Part.PROCESSING_TIME: re.compile(
        r"多久|多长时间|多少天|几天|几个工作日|多少个工作日|时限|什么时候能|啥时候能|何时能|什么时候可以拿|"
        r"批下来|办下来|办好|有结果|到账|拿到手|"
        r"how long|how many (?:days|weeks)|when (?:will|can|do) i (?:get|receive)",
        re.IGNORECASE,
    ),
    Part.HOW_TO_APPLY: re.compile(
        r"怎么申请|如何申请|咋申请|怎样申请|怎么办理|如何办理|咋办理|怎么办|咋办|怎么弄|咋弄|流程|手续|步骤|"
        r"去哪办|去哪儿办|在哪办|在哪儿办|哪里办|在哪申请|哪里申请|怎么报名|如何报名|怎么领|怎么申领|线上|网上|"
        r"申请吗|去申请|要申请|需要申请|单独申请|另外申请|回.{1,4}办|"
        r"how (?:do|can|should) i (?:apply|get|register|claim|enrol|enroll)|"
        r"how to (?:apply|get|register|claim)|where (?:do|can) i apply|procedure|process|online",
        re.IGNORECASE,
    ),
    Part.CONTACT: re.compile(r"电话|联系方式|联系谁|找谁|咨询热线|phone|contact|call|hotline", re.IGNORECASE),
}
_ASKS_AMOUNT = re.compile(
    r"多少钱|多少|几万|金额|标准|补多少|能拿|能领|能补|how much|amount|rate|how many", re.IGNORECASE
)
_AMOUNT = re.compile(r"\d[\d,.]*\s*(?:万元|元|%)|CNY|RMB|yuan|per cent|percent", re.IGNORECASE)
# A paragraph with amounts scores this much more for a question that asks how much (about one rare word).
AMOUNT_BONUS = 2.0
_PARAGRAPH_SPLIT = re.compile(r"\n+")


@dataclass(frozen=True)
class Passage:
    part: Part
    text: str


def asked_parts(question: str) -> list[Part]:
    """The structured fields a question asks for, in the order the question names them."""
    found = [
        (match.start(), part) for part, pattern in _ASKS_FOR.items() if (match := pattern.search(question))
    ]
    return [part for _, part in sorted(found)]


def field_text(text: LocalizedContent, part: Part) -> str | None:
    """The text of a structured field, or None when the article has none."""
    if part is Part.DOCUMENTS:
        return "；".join(text.required_documents) if text.required_documents else None
    value = getattr(text, part.value, None) if part in FIELD_PARTS else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def body_paragraphs(text: LocalizedContent) -> list[str]:
    return [line.strip() for line in _PARAGRAPH_SPLIT.split(text.body) if line.strip()]


@dataclass(frozen=True)
class Excerpt:
    """What an answer shows: passages, best first, and the asked-for fields the article does not have."""

    passages: list[Passage]
    missing: list[Part]

    def shown(self) -> set[Part]:
        return {passage.part for passage in self.passages}


def excerpt(
    text: LocalizedContent,
    *,
    question: str,
    query: set[str],
    language: str,
    tokens: Callable[[str], list[str]],
    weight: Callable[[str], float],
    seen_before: bool,
) -> Excerpt:
    """The passages that answer `question` from one article's text, the most telling first.

    `query` are the question's search tokens, `tokens` segments article text, `weight` says how
    informative a token is. The asked-for fields come first, then the body paragraph that shares most
    with the question (one with amounts when the question asks how much), and the summary where there
    is room; `seen_before` (the talent was just answered from this article) puts the summary last.
    """
    budget = BUDGET.get(language, BUDGET["zh"])
    wanted = asked_parts(question)
    passages = [Passage(part, value) for part in wanted if (value := field_text(text, part)) is not None]
    missing = [part for part in wanted if field_text(text, part) is None]
    amounts = bool(_ASKS_AMOUNT.search(question))
    scored = sorted(
        (
            (
                _overlap(query, set(tokens(paragraph)), weight)
                + (AMOUNT_BONUS if amounts and _AMOUNT.search(paragraph) else 0),
                paragraph,
            )
            for paragraph in body_paragraphs(text)
        ),
        key=lambda item: -item[0],
    )
    best = scored[0][0] if scored else 0.0
    summary = Passage(Part.SUMMARY, text.summary)
    if not seen_before:
        passages.insert(0, summary)
    for score, paragraph in scored:
        room = budget - sum(len(passage.text) for passage in passages)
        if score <= 0 or score < best * SECOND_PASSAGE_SHARE or room <= 0:
            break
        if len(paragraph) <= room or not any(passage.part is Part.BODY for passage in passages):
            passages.append(Passage(Part.BODY, paragraph))
    if summary not in passages and (
        not passages or sum(len(p.text) for p in passages) + len(summary.text) <= budget
    ):
        passages.append(summary)
    return Excerpt(passages=passages, missing=missing)


def _overlap(query: set[str], passage: set[str], weight: Callable[[str], float]) -> float:
    return sum(weight(token) for token in query & passage)


def without_parts(question: str) -> str:
    """The question with the words that only name a part ("要带什么材料", "多久") taken out."""
    for pattern in (*_ASKS_FOR.values(), _ASKS_AMOUNT):
        question = pattern.sub(" ", question)
    return question
