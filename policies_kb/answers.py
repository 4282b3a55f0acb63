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
from policies_kb.retrieval import Hit, IndexedArticle, KnowledgeIndex
from policies_kb.schema import Eligibility, LocalizedContent

# A better match the talent is not eligible for is mentioned when it beats the answer by this factor.
NOT_FOR_YOU_MARGIN = 1.2
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
) -> Choice:
    """The article that answers, or the detail needed first, or why none applies.

    A question about a later year (明年, 2027年, next year) is answered by the rules in force then.
    """
    today = max(today, asked_about_date(question, today=today))
    hits = index.rank(topic, question)
    live = [hit for hit in hits if hit.article.in_force(today)]
    if not live:
        return Choice(Outcome.NO_ARTICLE)
    eligible = [hit for hit in live if hit.article.eligible(tier=tier, district=district)]
    coming = _coming_match(hits, today=today, tier=tier, district=district)
    best = live[0]
    if not eligible or eligible[0].score <= 0 < best.score:
        return Choice(Outcome.NOT_ELIGIBLE, not_for_you=best.article, coming=coming)
    known = {"district": district, "tier": tier}
    for detail in ("district", "tier"):
        if known[detail] is None and _depends_on(eligible, detail):
            return Choice(Outcome.NEED_DETAIL, need=detail, candidates=[hit.article for hit in eligible[:3]])
    chosen = eligible[0]
    outdone = best.article is not chosen.article and best.score > chosen.score * NOT_FOR_YOU_MARGIN
    return Choice(
        Outcome.ANSWER,
        article=chosen.article,
        not_for_you=best.article if outdone else None,
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
    """True when close rivals of the best match are meant for other values of `detail` (no overlap),
    e.g. one talent-apartment article per district, or one rights article per tier group."""
    best = ranked[0]
    scope = _scope(best.article, detail)
    if not scope:
        return False
    return any(
        hit.score >= best.score * CLOSE_MATCH and (rival := _scope(hit.article, detail)) and not rival & scope
        for hit in ranked[1:]
    )


def _coming_match(
    hits: list[Hit], *, today: dt.date, tier: str | None, district: str | None
) -> IndexedArticle | None:
    """An announced article among the two best matches, for a talent it will apply to."""
    for hit in hits[:2]:
        if hit.score > 0 and hit.article.coming(today) and hit.article.eligible(tier=tier, district=district):
            return hit.article
    return None


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return message_environment(Path(__file__).parent / "templates")


def localized(article: IndexedArticle, language: str) -> LocalizedContent:
    texts = article.content.content
    return texts.get(language) or texts["zh"]


def scope_text(eligibility: Eligibility, language: str) -> str:
    """Who an article is for, e.g. 'A类、B类；博乐市'."""
    separator = "、" if language == "zh" else ", "
    everyone = "所有人才" if language == "zh" else "all talents"
    parts = [separator.join(value) for value in (eligibility.tiers, eligibility.districts) if value != "all"]
    return ("；" if language == "zh" else "; ").join(parts) or everyone


def profile_text(*, tier: str | None, district: str | None, language: str) -> str:
    return ("，" if language == "zh" else ", ").join(part for part in (tier, district) if part)


def render_answer(
    choice: Choice, *, language: str, tier: str | None, district: str | None, today: dt.date
) -> list[str]:
    """The answer as Telegram-HTML messages, each within Telegram's length limit."""
    article = choice.article
    assert article is not None, "render_answer needs a chosen article"
    coming = None
    if choice.coming is not None:
        coming_text = localized(choice.coming, language)
        coming = {
            "title": coming_text.title,
            "summary": coming_text.summary,
            "effective_from": choice.coming.content.effective_from,
        }
    not_for_you = choice.not_for_you
    html = (
        _templates()
        .get_template(f"answer.{language}.j2")
        .render(
            text=localized(article, language),
            chinese_only=language not in article.content.content,
            source=article.content.source,
            version=article.version,
            effective_from=article.content.effective_from,
            effective_to=article.content.effective_to,
            not_for_you=localized(not_for_you, language) if not_for_you else None,
            not_for_you_scope=scope_text(not_for_you.content.eligibility, language) if not_for_you else "",
            scope=scope_text(article.content.eligibility, language),
            profile=profile_text(tier=tier, district=district, language=language),
            coming=coming,
            today=today,
        )
    )
    return split_message(html)
