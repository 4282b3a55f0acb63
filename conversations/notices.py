"""Policy-change notices: when a policy article gets a new version with a change note, every talent answered
from an older version of it in the 180 days before tell them, through the outbox, what changed.

Who is told: each distinct talent with an ANSWERED turn from an older version of the article within
NOTICE_WINDOW before the new version was published, who has not turned the notices off
(conversations.models.NoticePreference; on when there is no row), on a channel that can deliver such a
message (DELIVERING_CHANNELS: Telegram; the local chat and bare REST ids cannot; the web chat renders the
notice but joins the tuple only once its page offers the opt-out), in the language of their latest turn.
Nothing goes out for a minor correction (ArticleVersion.minor_change) or a version without a change note.

Each notice's dedup key names the version and the talent: running this again, or two sweeps at the same
moment, queues nothing twice. The rows go in batches of multi-row INSERTs after one SELECT of the
recipients, however many thousands there are.

Where it runs: a sweep (conversations/scheduled.py, every minute from the launcher), not the publishing
paths. Versions are published by the back office's review, the CLI (`publish`, `publish --all`, `rollback`)
and the first start; policies_kb/ may not import this layer, and a hook on each path would miss the path
added next. The sweep reads what is published, so every path is covered, a version published while the
front desk was down is told at the next start (within scheduled.LOOKBACK), and the outbox's unique dedup
keys are the bookkeeping of who was told of which version: exactly once per talent and version, without a
table of its own. The price is up to a minute's delay, and each sweep asks again for the recipients of the
versions published within LOOKBACK (an index lookup that finds everyone told), which also tells a talent
answered from the old version in the moment after publishing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import exists, func, literal, select
from sqlalchemy.orm import Session

from conversations.models import ConversationTurn, NoticePreference, TurnOutcome
from frontdesk.clock import utcnow
from notifications import outbox
from notifications.models import OutboxKind, OutboxMessage, RecipientKind
from policies_kb.models import ArticleVersion

NOTICE_WINDOW = dt.timedelta(days=180)  # answered this long before the new version was published
DELIVERING_CHANNELS = ("telegram",)
LANGUAGES = ("zh", "en")


def noticeable(version: ArticleVersion) -> bool:
    """Whether talents are told of this version: published, not a minor correction, with a change note."""
    return version.published_at is not None and not version.minor_change and bool(version.change_note.strip())


def dedup_key(*, version_id: int, sender_id: str) -> str:
    return f"{OutboxKind.POLICY_CHANGED}:{version_id}:{sender_id}"


def recipients(session: Session, *, version: ArticleVersion) -> list[tuple[str, str]]:
    """(sender id, language of their latest turn) of every talent to tell of `version` not told yet."""
    assert version.published_at is not None
    answered = (
        select(ConversationTurn.sender_id)
        .where(
            ConversationTurn.article_id == version.article_id,
            ConversationTurn.outcome == TurnOutcome.ANSWERED,
            ConversationTurn.version < version.version,
            ConversationTurn.at >= version.published_at - NOTICE_WINDOW,
            ConversationTurn.channel.in_(DELIVERING_CHANNELS),
        )
        .distinct()
    )
    latest = (
        select(
            ConversationTurn.sender_id,
            ConversationTurn.language,
            func.row_number()
            .over(
                partition_by=ConversationTurn.sender_id,
                order_by=(ConversationTurn.at.desc(), ConversationTurn.id.desc()),
            )
            .label("newest_first"),
        )
        .where(ConversationTurn.sender_id.in_(answered))
        .subquery()
    )
    opted_out = exists().where(
        NoticePreference.sender_id == latest.c.sender_id, NoticePreference.policy_notices.is_(False)
    )
    told = exists().where(
        OutboxMessage.dedup_key
        == literal(dedup_key(version_id=version.id, sender_id="")) + latest.c.sender_id
    )
    rows = session.execute(
        select(latest.c.sender_id, latest.c.language)
        .where(latest.c.newest_first == 1, ~opted_out, ~told)
        .order_by(latest.c.sender_id)
    )
    return [(sender_id, language if language in LANGUAGES else "zh") for sender_id, language in rows]


def notice_payload(version: ArticleVersion, *, language: str) -> dict[str, Any]:
    """What a notice says: the article, the new version, its title in `language`, the note, the topic."""
    texts = version.content["content"]
    return {
        "article_id": version.article_id,
        "version": version.version,
        "title": (texts.get(language) or texts["zh"])["title"],
        "note": version.change_note.strip(),
        "topic": version.content["topic"],
        "language": language,
    }


def notify_policy_change(session: Session, *, version: ArticleVersion, now: dt.datetime | None = None) -> int:
    """Queue a notice of `version` to every talent answered from an older version who was not told yet, in
    the caller's transaction; how many were queued (none for a version talents are not told of)."""
    if not noticeable(version):
        return 0
    now = now or utcnow()
    payloads = {language: notice_payload(version, language=language) for language in LANGUAGES}
    messages = [
        (sender_id, payloads[language], dedup_key(version_id=version.id, sender_id=sender_id))
        for sender_id, language in recipients(session, version=version)
    ]
    return outbox.queue_many_once(
        session,
        kind=OutboxKind.POLICY_CHANGED,
        recipient_kind=RecipientKind.TALENT,
        messages=messages,
        now=now,
    )
