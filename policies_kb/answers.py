"""Choosing the article that answers a talent's question, and rendering the answer."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment

from frontdesk.templating import message_environment
from frontdesk.text import split_message
from policies_kb.passages import FIELD_PARTS, Excerpt, Part, Passage, excerpt, field_text, without_parts
from policies_kb.retrieval import Hit, IndexedArticle, KnowledgeIndex
from policies_kb.schema import Eligibility, LocalizedContent

# A better match meant for other tiers is named as not applying when it beats the answer by this factor.
NOT_FOR_YOU_MARGIN = 1.0
# A Chinese keyword this long that a question contains names the article it belongs to.
NAMING_KEYWORD = 3
# A rival scoring this share of the best match makes the answer depend on a detail the best is limited by.
CLOSE_MATCH = 0.6


class Outcome(enum.StrEnum):
    ANSWER = "answer"
    NEED_DETAIL = "need_detail"
    NOT_ELIGIBLE = "not_eligible"
    NO_ARTICLE = "no_article"


@dataclass(frozen=True)
class Choice:
    """What the knowledge base can say to a question."""

    outcome: Outcome
    article: IndexedArticle | None = None
    need: str | None = None
    not_for_you: IndexedArticle | None = None
    coming: IndexedArticle | None = None
    candidates: list[IndexedArticle] = field(default_factory=list)


def _scope(article: IndexedArticle, detail: str) -> frozenset[str]:
    """The values of `detail` an article is limited to; empty when it applies to all."""
    rules = article.content.eligibility
    values = rules.districts if detail == "district" else rules.tiers
    return frozenset() if values == "all" else frozenset(values)


def choose_article(
    index: KnowledgeIndex,
    *,
    topic: str,
    question: str,
    tier: str | None,
    district: str | None,
    today: dt.date,
    current_article: str | None = None,
) -> Choice:
    """The article that answers, or the detail needed first, or why none applies.

    A question about a later year (明年, 2027年, next year) is answered by the rules in force then. A
    follow-up question stays with `current_article` (the one just answered) unless another fits better.
    A better match meant for another tier, or one the question names by its keyword, is said not to
    apply; articles of other districts are left out silently (the district is known).
    """
    today = max(today, asked_about_date(question, today=today))
    generic = current_article is not None and not index.informative(without_parts(question))
    hits = index.rank(topic, "" if generic else question, preferred=current_article)
    live = [hit for hit in hits if hit.article.in_force(today)]
    if not live:
        return Choice(Outcome.NO_ARTICLE)
    in_district = [hit for hit in live if hit.article.eligible(tier=None, district=district)]
    eligible = [hit for hit in in_district if hit.article.eligible(tier=tier, district=None)]
    coming = _coming_match(hits, today=today, tier=tier, district=district)
    best = in_district[0] if in_district else live[0]
    if not eligible or eligible[0].score <= 0 < best.score:
        return Choice(Outcome.NOT_ELIGIBLE, not_for_you=best.article, coming=coming)
    known = {"district": district, "tier": tier}
    for detail in ("district", "tier"):
        if known[detail] is None and _depends_on(eligible, detail):
            return Choice(Outcome.NEED_DETAIL, need=detail, candidates=[hit.article for hit in eligible[:3]])
    chosen = eligible[0]
    outdone = (
        best.article is not chosen.article
        and best.score > chosen.score * NOT_FOR_YOU_MARGIN
        and not _tier_versions(best.article, chosen.article)
    )
    named = next(
        (
            hit.article
            for hit in in_district
            if not hit.article.eligible(tier=tier, district=None)
            and _names(question, hit.article, chosen.article)
        ),
        None,
    )
    not_for_you = best.article if outdone else named
    return Choice(
        Outcome.ANSWER,
        article=chosen.article,
        not_for_you=not_for_you,
        coming=coming,
        candidates=[hit.article for hit in eligible[1:4]],
    )


def topic_menu(
    index: KnowledgeIndex, *, topic: str, tier: str | None, district: str | None, today: dt.date
) -> list[IndexedArticle]:
    """The articles of a topic in force today that apply to the talent, for choosing one by title."""
    return [
        article
        for article in index.topic_articles(topic)
        if article.in_force(today) and article.eligible(tier=tier, district=district)
    ]


def chosen_article(
    index: KnowledgeIndex,
    *,
    topic: str,
    article_id: str,
    tier: str | None,
    district: str | None,
    today: dt.date,
) -> Choice:
    """The answer when the talent picked an article from the topic menu (it may have been retired since)."""
    found = (item for item in index.topic_articles(topic) if item.article_id == article_id)
    article = next((item for item in found if item.in_force(today)), None)
    if article is None:
        return Choice(Outcome.NO_ARTICLE)
    if not article.eligible(tier=tier, district=district):
        return Choice(Outcome.NOT_ELIGIBLE, not_for_you=article)
    return Choice(Outcome.ANSWER, article=article)


_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_NEXT_YEAR = re.compile(r"明年|下一年|下年度|next year", re.IGNORECASE)


def asked_about_date(question: str, *, today: dt.date) -> dt.date:
    """The first day of a later year the question asks about, else `today`."""
    years = [int(year) for year in _YEAR.findall(question)]
    if _NEXT_YEAR.search(question):
        years.append(today.year + 1)
    later = [year for year in years if today.year < year <= today.year + 5]
    return dt.date(min(later), 1, 1) if later else today


def _depends_on(ranked: list[Hit], detail: str) -> bool:
    """True when close rivals of the best match, or matches of the same kind, are meant for other values
    of `detail` (no overlap), e.g. one talent-apartment article per district, or one rights article per
    tier group."""
    best = ranked[0]
    scope = _scope(best.article, detail)
    if not scope:
        return False
    return any(
        (hit.score >= best.score * CLOSE_MATCH or (hit.score > 0 and _same_kind(hit.article, best.article)))
        and (rival := _scope(hit.article, detail))
        and not rival & scope
        for hit in ranked[1:]
    )


def _tier_versions(one: IndexedArticle, other: IndexedArticle) -> bool:
    """True for two versions of one service for different tiers (e.g. the A–B and the C–E health check):
    the talent's own version answers, and the other needs no mention."""
    tiers = (_scope(one, "tier"), _scope(other, "tier"))
    return all(tiers) and not tiers[0] & tiers[1]


def _names(question: str, article: IndexedArticle, answer: IndexedArticle) -> bool:
    """True when the question names the article by one of its Chinese keywords of three or more
    characters ("购房补贴", "安家费") that the answer does not share: the talent asked about it,
    whatever the scores say."""
    shared = set(_chinese_keywords(answer))
    return any(
        len(keyword) >= NAMING_KEYWORD and keyword in question and keyword not in shared
        for keyword in _chinese_keywords(article)
    )


def _chinese_keywords(article: IndexedArticle) -> list[str]:
    return [keyword for keyword in article.content.keywords if not keyword.isascii()]


def _same_kind(one: IndexedArticle, other: IndexedArticle) -> bool:
    """True when two articles share a keyword: the same kind of service (e.g. each district's apartments)."""
    return bool({k.lower() for k in one.content.keywords} & {k.lower() for k in other.content.keywords})


def _coming_match(
    hits: list[Hit], *, today: dt.date, tier: str | None, district: str | None
) -> IndexedArticle | None:
    """An announced article that matches the question best, for a talent it will apply to."""
    best = hits[0] if hits else None
    if (
        best
        and best.score > 0
        and best.article.coming(today)
        and best.article.eligible(tier=tier, district=district)
    ):
        return best.article
    return None


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return message_environment(Path(__file__).parent / "templates")


def localized(article: IndexedArticle, language: str) -> LocalizedContent:
    texts = article.content.content
    return texts["en"] if language == "en" and "en" in texts else texts["zh"]


def scope_text(eligibility: Eligibility, language: str) -> str:
    """Who an article is for, e.g. 'A类、B类；博乐市'."""
    separator = "、" if language == "zh" else ", "
    everyone = "所有人才" if language == "zh" else "all talents"
    parts = [separator.join(value) for value in (eligibility.tiers, eligibility.districts) if value != "all"]
    return ("；" if language == "zh" else "; ").join(parts) or everyone


def profile_text(*, tier: str | None, district: str | None, language: str) -> str:
    return ("，" if language == "zh" else ", ").join(part for part in (tier, district) if part)


@dataclass(frozen=True)
class Answer:
    """An answer as Telegram-HTML messages, and the parts of the article the talent can still open."""

    messages: list[str]
    more: list[Part]


def render_answer(
    choice: Choice,
    *,
    index: KnowledgeIndex,
    question: str,
    language: str,
    tier: str | None,
    district: str | None,
    today: dt.date,
    seen_before: bool = False,
    part: Part | None = None,
) -> Answer:
    """The part of the chosen article that answers `question` (or the `part` asked for), then its source.

    `seen_before`: the talent was just answered from this article, so its summary is not repeated.
    """
    article = choice.article
    assert article is not None, "render_answer needs a chosen article"
    text = localized(article, language)
    values = {
        "text": text,
        "chinese_only": language not in article.content.content,
        "source": article.content.source,
        "version": article.version,
        "effective_from": article.content.effective_from,
        "effective_to": article.content.effective_to,
        "scope": scope_text(article.content.eligibility, language),
        "restricted": article.content.eligibility != Eligibility(),
        "profile": profile_text(tier=tier, district=district, language=language),
        "not_for_you": localized(choice.not_for_you, language) if choice.not_for_you else None,
        "not_for_you_scope": scope_text(choice.not_for_you.content.eligibility, language)
        if choice.not_for_you
        else "",
        "coming": _coming_text(choice.coming, language),
        "today": today,
    }
    if part is Part.FULL:
        html = _templates().get_template(f"answer_full.{language}.j2").render(**values)
        return Answer(messages=split_message(html), more=[])
    if part is not None:
        value = field_text(text, part)
        shown = Excerpt(passages=[Passage(part, value)] if value else [], missing=[] if value else [part])
    else:
        shown = excerpt(
            text,
            question=question,
            query=set(index.segmenter.query_tokens(question)),
            language=language,
            tokens=index.segmenter.tokens,
            weight=index.term_weight,
            seen_before=seen_before,
        )
    html = (
        _templates()
        .get_template(f"answer.{language}.j2")
        .render(**values, passages=shown.passages, missing=shown.missing)
    )
    more = [Part.FULL] + [
        field for field in FIELD_PARTS if field not in shown.shown() and field_text(text, field) is not None
    ]
    return Answer(messages=split_message(html), more=more)


def _coming_text(coming: IndexedArticle | None, language: str) -> dict[str, object] | None:
    if coming is None:
        return None
    text = localized(coming, language)
    return {"title": text.title, "summary": text.summary, "effective_from": coming.content.effective_from}
