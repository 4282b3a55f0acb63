"""What a talent would be answered with one article version in place of its published one (any version,
a draft or a submitted one too), the rest of the knowledge base as published: the action server's own
choose_article and render_answer (actions/inquiry.py) over an index with that one version swapped in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from frontdesk.text import normalize
from policies_kb import service
from policies_kb.answers import Answer, Choice, Outcome, choose_article, render_answer
from policies_kb.models import ArticleVersion
from policies_kb.retrieval import IndexedArticle, KnowledgeIndex
from policies_kb.schema import stored_content

MAX_QUESTION_CHARS = 300  # longer than any question a talent types in one message


@dataclass(frozen=True)
class Preview:
    """The outcome for the question; the messages when an article answers (`answer`)."""

    previewed: IndexedArticle
    choice: Choice
    answer: Answer | None

    @property
    def answered_by_previewed(self) -> bool:
        """True when the version previewed is the one that answers."""
        chosen = self.choice.article
        return chosen is not None and (chosen.article_id, chosen.version) == (
            self.previewed.article_id,
            self.previewed.version,
        )


def indexed(version: ArticleVersion) -> IndexedArticle:
    return IndexedArticle(
        article_id=version.article_id,
        version=version.version,
        content=stored_content(version.content),
    )


def index_with(
    session: Session, *, version: ArticleVersion, previous: KnowledgeIndex | None = None
) -> KnowledgeIndex:
    """The published articles' index with `version` in place of its article's published version (added
    when none is published)."""
    others = [indexed(v) for v in service.published_versions(session) if v.article_id != version.article_id]
    return KnowledgeIndex([*others, indexed(version)], previous=previous)


def preview_answer(
    session: Session,
    *,
    version: ArticleVersion,
    question: str,
    tier: str | None,
    district: str | None,
    language: str,
    today: dt.date,
    ranked_question: str | None = None,
) -> Preview:
    """The answer to `question` in the version's topic, as a talent of `tier` and `district` (None: not
    known yet) would get it. `ranked_question`: the question as the articles are ranked by, when the
    channel reads it differently (the talent's own district left out), else `question`."""
    index = index_with(session, version=version)
    previewed = indexed(version)
    choice = choose_article(
        index,
        topic=previewed.content.topic,
        question=normalize(ranked_question if ranked_question is not None else question),
        tier=tier,
        district=district,
        today=today,
    )
    answer = None
    if choice.outcome is Outcome.ANSWER and choice.article is not None:
        answer = render_answer(
            choice,
            index=index,
            question=normalize(question),
            language=language,
            tier=tier,
            district=district,
            today=today,
        )
    return Preview(previewed=previewed, choice=choice, answer=answer)
