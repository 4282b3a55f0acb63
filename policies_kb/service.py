"""Knowledge-base operations on the database: import drafts, publish, read what is published."""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import yaml
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from policies_kb.files import CONTENT_DIR, load_directory
from policies_kb.models import Article, ArticleVersion, VersionStatus
from policies_kb.retrieval import IndexedArticle, KnowledgeIndex
from policies_kb.schema import ArticleContent, stored_content

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


def import_drafts(
    session: Session, *, contents: Sequence[tuple[ArticleContent, str | None]], editor: str
) -> list[ArticleVersion]:
    """Store each (content, source file) as a new draft version, skipping those whose newest
    version already says the same. Returns the drafts created."""
    ids = [content.id for content, _ in contents]
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
    newest = {v.article_id: v for v in _newest_versions(session, article_ids=ids)}
    created: list[ArticleVersion] = []
    for content, source_file in contents:
        article = articles.get(content.id)
        if article is None:
            article = articles[content.id] = Article(id=content.id, topic=content.topic)
            session.add(article)
        elif article.topic != content.topic:
            raise KnowledgeBaseError(
                f"article {content.id!r} belongs to topic {article.topic!r}; "
                f"an id cannot move to {content.topic!r}"
            )
        digest = content_hash(content)
        previous = newest.get(content.id)
        if previous is not None and previous.content_hash == digest:
            continue
        draft = ArticleVersion(
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
        newest[content.id] = draft
        created.append(draft)
    session.add_all(created)
    session.flush()
    return created


def import_draft(
    session: Session, *, content: ArticleContent, editor: str, source_file: str | None = None
) -> ArticleVersion | None:
    """Store `content` as a new draft version; None when the newest version already says the same."""
    created = import_drafts(session, contents=[(content, source_file)], editor=editor)
    return created[0] if created else None


def _newest_versions(
    session: Session, *, article_ids: list[str], status: VersionStatus | None = None
) -> list[ArticleVersion]:
    """The newest version (of `status`, if given) of each named article."""
    query = select(ArticleVersion.article_id, func.max(ArticleVersion.version).label("version")).where(
        ArticleVersion.article_id.in_(article_ids)
    )
    if status is not None:
        query = query.where(ArticleVersion.status == status)
    newest = query.group_by(ArticleVersion.article_id).subquery()
    return list(
        session.scalars(
            select(ArticleVersion).join(
                newest,
                (newest.c.article_id == ArticleVersion.article_id)
                & (newest.c.version == ArticleVersion.version),
            )
        )
    )


def _promote(
    session: Session, drafts: list[ArticleVersion], *, editor: str, note: str
) -> list[ArticleVersion]:
    """Make `drafts` the published versions; those they replace are superseded."""
    session.execute(
        update(ArticleVersion)
        .where(
            ArticleVersion.article_id.in_([draft.article_id for draft in drafts]),
            ArticleVersion.status == VersionStatus.PUBLISHED,
        )
        .values(status=VersionStatus.SUPERSEDED),
        execution_options={"synchronize_session": "fetch"},
    )
    now = utcnow()
    for draft in drafts:
        draft.status = VersionStatus.PUBLISHED
        draft.published_at = now
        draft.published_by = editor
        draft.change_note = note
    session.flush()
    return drafts


def promote(
    session: Session, versions: list[ArticleVersion], *, editor: str, note: str
) -> list[ArticleVersion]:
    """Make `versions` the published ones (the review's last step, policies_kb/review.py)."""
    return _promote(session, versions, editor=editor, note=note)


def publish_drafts(
    session: Session, *, article_ids: list[str], editor: str, note: str
) -> list[ArticleVersion]:
    """Publish the newest draft of each article."""
    drafts = _newest_versions(session, article_ids=article_ids, status=VersionStatus.DRAFT)
    missing = set(article_ids) - {draft.article_id for draft in drafts}
    if missing:
        raise KnowledgeBaseError(f"no draft waiting to be published for: {', '.join(sorted(missing))}")
    return _promote(session, drafts, editor=editor, note=note)


def publish(
    session: Session, *, article_id: str, editor: str, note: str, version: int | None = None
) -> ArticleVersion:
    """Publish a draft of one article (the newest unless `version` is given)."""
    query = select(ArticleVersion).where(
        ArticleVersion.article_id == article_id, ArticleVersion.status == VersionStatus.DRAFT
    )
    if version is not None:
        query = query.where(ArticleVersion.version == version)
    draft = session.scalar(query.order_by(ArticleVersion.version.desc()).limit(1))
    if draft is None:
        which = f" version {version}" if version is not None else ""
        raise KnowledgeBaseError(f"article {article_id!r} has no draft{which} waiting to be published")
    return _promote(session, [draft], editor=editor, note=note)[0]


def versions_with_status(session: Session, *, status: VersionStatus) -> list[ArticleVersion]:
    """All versions in `status`, by article."""
    return list(
        session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.status == status)
            .order_by(ArticleVersion.article_id, ArticleVersion.version)
        )
    )


def published_version(session: Session, *, article_id: str) -> ArticleVersion | None:
    """The version of the article that answers now, if any."""
    return session.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article_id, ArticleVersion.status == VersionStatus.PUBLISHED
        )
    )


def published_versions(session: Session) -> list[ArticleVersion]:
    """The version of every article that answers now (retired articles have none)."""
    return versions_with_status(session, status=VersionStatus.PUBLISHED)


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
    contents = [(content, str(path.relative_to(directory))) for path, content in loaded.articles.items()]
    drafts = import_drafts(session, contents=contents, editor=editor)
    publish_drafts(
        session,
        article_ids=[d.article_id for d in drafts],
        editor=editor,
        note="initial import of the content files",
    )
    log.info(
        "knowledge base bootstrapped: %d articles published, %d files rejected",
        len(drafts),
        len(loaded.errors),
    )
    return len(drafts)


def build_index(session: Session, *, previous: KnowledgeIndex | None = None) -> KnowledgeIndex:
    """A retrieval index over the versions published now (reusing what `previous` already segmented)."""
    articles = [
        IndexedArticle(article_id=v.article_id, version=v.version, content=stored_content(v.content))
        for v in published_versions(session)
    ]
    return KnowledgeIndex(articles, previous=previous)


def published_fingerprint(session: Session) -> tuple[int, int]:
    """Changes whenever the set of published versions changes; cheap enough to ask every turn."""
    count, id_sum = session.execute(
        select(func.count(), func.coalesce(func.sum(ArticleVersion.id), 0)).where(
            ArticleVersion.status == VersionStatus.PUBLISHED
        )
    ).one()
    return int(count), int(id_sum)


def history(session: Session, *, article_id: str) -> list[ArticleVersion]:
    """Every version of an article, oldest first."""
    versions = list(
        session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article_id)
            .order_by(ArticleVersion.version)
        )
    )
    if not versions:
        raise KnowledgeBaseError(f"there is no article {article_id!r}")
    return versions


def get_version(session: Session, *, article_id: str, version: int) -> ArticleVersion:
    found = session.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article_id, ArticleVersion.version == version
        )
    )
    if found is None:
        raise KnowledgeBaseError(f"article {article_id!r} has no version {version}")
    return found


def diff(session: Session, *, article_id: str, old: int, new: int) -> str:
    """A unified diff of two versions' content, as editors write it (YAML)."""
    before, after = (get_version(session, article_id=article_id, version=v) for v in (old, new))
    lines = difflib.unified_diff(
        _as_yaml(before.content).splitlines(keepends=True),
        _as_yaml(after.content).splitlines(keepends=True),
        fromfile=f"{article_id} v{old}",
        tofile=f"{article_id} v{new}",
    )
    return "".join(lines)


def _as_yaml(content: dict) -> str:
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=1000)


def rollback_draft(
    session: Session, *, article_id: str, to_version: int, editor: str, note: str
) -> ArticleVersion:
    """An older version's content as a new draft (to review and publish like any other), its change note
    saying so."""
    old = get_version(session, article_id=article_id, version=to_version)
    previous = latest_version(session, article_id=article_id)
    assert previous is not None
    draft = ArticleVersion(
        article_id=article_id,
        version=previous.version + 1,
        status=VersionStatus.DRAFT,
        content=old.content,
        content_hash=old.content_hash,
        effective_from=old.effective_from,
        effective_to=old.effective_to,
        source_file=old.source_file,
        created_by=editor,
        change_note=f"rollback to v{to_version}: {note}",
    )
    session.add(draft)
    session.flush()
    return draft


def rollback(session: Session, *, article_id: str, to_version: int, editor: str, note: str) -> ArticleVersion:
    """Publish an older version's content again, as a new version (the CLI's rollback)."""
    draft = rollback_draft(session, article_id=article_id, to_version=to_version, editor=editor, note=note)
    return publish(
        session, article_id=article_id, editor=editor, note=draft.change_note, version=draft.version
    )


def retire(session: Session, *, article_id: str, editor: str, note: str) -> ArticleVersion:
    """Withdraw an article: its published version stops answering."""
    current = published_version(session, article_id=article_id)
    if current is None:
        raise KnowledgeBaseError(f"article {article_id!r} has no published version to retire")
    current.status = VersionStatus.RETIRED
    current.retired_at = utcnow()
    current.retired_by = editor
    current.retire_note = note
    session.flush()
    return current


def list_articles(session: Session) -> list[tuple[Article, ArticleVersion]]:
    """Each article with its newest version."""
    newest = (
        select(ArticleVersion.article_id, func.max(ArticleVersion.version).label("version"))
        .group_by(ArticleVersion.article_id)
        .subquery()
    )
    rows = session.execute(
        select(Article, ArticleVersion)
        .join(ArticleVersion, ArticleVersion.article_id == Article.id)
        .join(
            newest,
            (newest.c.article_id == ArticleVersion.article_id) & (newest.c.version == ArticleVersion.version),
        )
        .order_by(Article.topic, Article.id)
    )
    return [(article, version) for article, version in rows]
