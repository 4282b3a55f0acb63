"""The editors' overview of the knowledge base: every article with what answers from it now (in force,
coming, ended, retired, never published), its last change and who made it, filtered and searched."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from policies_kb import service
from policies_kb.models import ArticleVersion, VersionStatus


class ArticleState(enum.StrEnum):
    IN_FORCE = "in_force"  # published, and today is within its effective dates
    COMING = "coming"  # published, takes effect later
    ENDED = "ended"  # published, its effective_to has passed
    RETIRED = "retired"  # withdrawn: nothing answers from it
    UNPUBLISHED = "unpublished"  # only drafts so far


@dataclass(frozen=True)
class ArticleRow:
    """One article as editors see it in the list."""

    article_id: str
    topic: str
    title_zh: str
    title_en: str
    tiers: list[str] | str  # "all" or the tiers named
    districts: list[str] | str
    state: ArticleState
    published_version: int | None
    newest_version: int
    newest_status: VersionStatus
    changed_at: dt.datetime
    changed_by: str
    keywords: list[str]

    def matches(self, words: str) -> bool:
        """Whether every word of the search occurs in the id, a title or a keyword (case-insensitive)."""
        haystack = " ".join([self.article_id, self.title_zh, self.title_en, *self.keywords]).casefold()
        return all(word in haystack for word in words.casefold().split())


def state_of(version: ArticleVersion | None, *, retired: bool, today: dt.date) -> ArticleState:
    """The state of an article whose published version is `version` (None: nothing published)."""
    if version is None:
        return ArticleState.RETIRED if retired else ArticleState.UNPUBLISHED
    if version.effective_from > today:
        return ArticleState.COMING
    if version.effective_to is not None and version.effective_to < today:
        return ArticleState.ENDED
    return ArticleState.IN_FORCE


def _last_change(version: ArticleVersion) -> tuple[dt.datetime, str]:
    """The newest moment something happened to `version` (written, published, retired) and by whom."""
    moments = [(version.created_at, version.created_by)]
    if version.published_at is not None:
        moments.append((version.published_at, version.published_by or version.created_by))
    if version.retired_at is not None:
        moments.append((version.retired_at, version.retired_by or version.created_by))
    return max(moments, key=lambda moment: moment[0])


def article_rows(session: Session, *, today: dt.date) -> list[ArticleRow]:
    """Every article, by topic and id."""
    published = {v.article_id: v for v in service.published_versions(session)}
    retired_ids = set(
        session.scalars(
            select(ArticleVersion.article_id).where(ArticleVersion.status == VersionStatus.RETIRED).distinct()
        )
    )
    rows = []
    for article, newest in service.list_articles(session):
        current = published.get(article.id)
        shown: dict[str, Any] = (current or newest).content
        changed_at, changed_by = _last_change(newest)
        if current is not None and current is not newest:
            changed_at, changed_by = max((changed_at, changed_by), _last_change(current), key=lambda m: m[0])
        retired = article.id in retired_ids
        texts = shown.get("content", {})
        eligibility = shown.get("eligibility", {})
        rows.append(
            ArticleRow(
                article_id=article.id,
                topic=article.topic,
                title_zh=texts.get("zh", {}).get("title", ""),
                title_en=texts.get("en", {}).get("title", ""),
                tiers=eligibility.get("tiers", "all"),
                districts=eligibility.get("districts", "all"),
                state=state_of(current, retired=retired, today=today),
                published_version=current.version if current else None,
                newest_version=newest.version,
                newest_status=newest.status,
                changed_at=changed_at,
                changed_by=changed_by,
                keywords=list(shown.get("keywords", [])),
            )
        )
    return rows


def filter_rows(
    rows: list[ArticleRow],
    *,
    words: str = "",
    topic: str = "",
    district: str = "",
    tier: str = "",
    state: str = "",
    newest: str = "",
) -> list[ArticleRow]:
    """The rows that match every filter given (an empty one matches all); an article for "all" districts or
    tiers matches any district or tier; `newest` is the status of the newest version (e.g. submitted)."""
    return [
        row
        for row in rows
        if (not topic or row.topic == topic)
        and (not district or row.districts == "all" or district in row.districts)
        and (not tier or row.tiers == "all" or tier in row.tiers)
        and (not state or row.state == state)
        and (not newest or row.newest_status == newest)
        and (not words or row.matches(words))
    ]
