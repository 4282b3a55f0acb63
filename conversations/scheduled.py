"""Timers of the conversation record: the sweep that tells talents of policy changes
(conversations/notices.py), run every minute by the launcher."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from conversations import notices
from frontdesk.clock import utcnow
from policies_kb.models import ArticleVersion, VersionStatus

log = logging.getLogger(__name__)

LOOKBACK = dt.timedelta(days=7)  # versions published this long ago are still looked at (a long outage)


def versions_to_notice(session: Session, *, now: dt.datetime) -> list[ArticleVersion]:
    """Per article that answers now, its newest version published within LOOKBACK that talents are told of
    (it may be superseded since by a minor correction, which is not told of itself)."""
    current = aliased(ArticleVersion)
    candidates = session.scalars(
        select(ArticleVersion)
        .where(
            ArticleVersion.published_at >= now - LOOKBACK,
            ArticleVersion.status.in_((VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)),
            ArticleVersion.minor_change.is_(False),
            ArticleVersion.change_note != "",
            ArticleVersion.version > 1,
            select(current.id)
            .where(current.article_id == ArticleVersion.article_id, current.status == VersionStatus.PUBLISHED)
            .exists(),
        )
        .order_by(ArticleVersion.article_id, ArticleVersion.version)
    )
    newest = {version.article_id: version for version in candidates if notices.noticeable(version)}
    return list(newest.values())


def notify_policy_changes(session: Session, *, now: dt.datetime | None = None) -> int:
    """Queue the notices of every recently published change not queued yet; how many were queued."""
    now = now or utcnow()
    queued = 0
    for version in versions_to_notice(session, now=now):
        sent = notices.notify_policy_change(session, version=version, now=now)
        if sent:
            log.info("policy-change notices of %s v%d: %d queued", version.article_id, version.version, sent)
        queued += sent
    return queued
