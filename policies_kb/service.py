"""Knowledge-base operations on the database: import drafts, publish, read what is published."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from policies_kb.files import CONTENT_DIR, load_directory
from policies_kb.models import Article, ArticleVersion, VersionStatus, utcnow
from policies_kb.retrieval import IndexedArticle, KnowledgeIndex
from policies_kb.schema import ArticleContent

log = logging.getLogger(__name__)


class KnowledgeBaseError(Exception):
    """An editor's request that cannot be carried out, with the reason."""


def content_hash(content: ArticleContent) -> str:
    payload = json.dumps(content.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def latest_version(session: Session, *, article_id: str) -> ArticleVersion | None:
    return session.scalar(
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.version.desc())
        .limit(1)
    )


def import_draft(
    session: Session, *, content: ArticleContent, editor: str, source_file: str | None = None
) -> ArticleVersion | None:
    """Store `content` as a new draft version; None when the newest version already says the same."""
    digest = content_hash(content)
    article = session.get(Article, content.id)
    if article is None:
        article = Article(id=content.id, topic=content.topic)
        session.add(article)
    elif article.topic != content.topic:
        raise KnowledgeBaseError(
            f"article {content.id!r} belongs to topic {article.topic!r}; "
            f"an id cannot move to {content.topic!r}"
        )
    previous = latest_version(session, article_id=content.id)
    if previous is not None and previous.content_hash == digest:
        return None
    version = ArticleVersion(
        article=article,
        version=(previous.version + 1) if previous else 1,
        status=VersionStatus.DRAFT,
        content=content.model_dump(mode="json"),
        content_hash=digest,
        effective_from=content.effective_from,
        effective_to=content.effective_to,
        source_file=source_file,
        created_by=editor,
    )
    session.add(version)
    session.flush()
    return version


def publish(
    session: Session, *, article_id: str, editor: str, note: str, version: int | None = None
) -> ArticleVersion:
    """Publish a draft (the newest one unless `version` is given); the version it replaces is superseded."""
    query = select(ArticleVersion).where(
        ArticleVersion.article_id == article_id, ArticleVersion.status == VersionStatus.DRAFT
    )
    if version is not None:
        query = query.where(ArticleVersion.version == version)
    draft = session.scalar(query.order_by(ArticleVersion.version.desc()).limit(1))
    if draft is None:
        which = f" version {version}" if version is not None else ""
        raise KnowledgeBaseError(f"article {article_id!r} has no draft{which} waiting to be published")
    for current in session.scalars(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article_id, ArticleVersion.status == VersionStatus.PUBLISHED
        )
    ):
        current.status = VersionStatus.SUPERSEDED
    draft.status = VersionStatus.PUBLISHED
    draft.published_at = utcnow()
    draft.published_by = editor
    draft.change_note = note
    session.flush()
    return draft


def published_versions(session: Session) -> list[ArticleVersion]:
    """The version of every article that answers now (retired articles have none)."""
    return list(
        session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.status == VersionStatus.PUBLISHED)
            .order_by(ArticleVersion.article_id)
        )
    )


def count_published(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ArticleVersion)
            .where(ArticleVersion.status == VersionStatus.PUBLISHED)
        )
        or 0
    )


def bootstrap(session: Session, *, directory: Path = CONTENT_DIR, editor: str = "system") -> int:
    """Import and publish the content files when nothing is published yet; returns how many were published."""
    if count_published(session):
        return 0
    loaded = load_directory(directory)
    published = 0
    for path, content in loaded.articles.items():
        draft = import_draft(
            session, content=content, editor=editor, source_file=str(path.relative_to(directory))
        )
        if draft is not None:
            publish(session, article_id=content.id, editor=editor, note="initial import of the content files")
            published += 1
    log.info(
        "knowledge base bootstrapped: %d articles published, %d files rejected", published, len(loaded.errors)
    )
    return published


def build_index(session: Session) -> KnowledgeIndex:
    """A retrieval index over the versions published now."""
    return KnowledgeIndex(
        IndexedArticle(
            article_id=v.article_id, version=v.version, content=ArticleContent.model_validate(v.content)
        )
        for v in published_versions(session)
    )


def published_fingerprint(session: Session) -> tuple[int, int]:
    """Changes whenever the set of published versions changes; cheap enough to ask every turn."""
    count, id_sum = session.execute(
        select(func.count(), func.coalesce(func.sum(ArticleVersion.id), 0)).where(
            ArticleVersion.status == VersionStatus.PUBLISHED
        )
    ).one()
    return int(count), int(id_sum)
