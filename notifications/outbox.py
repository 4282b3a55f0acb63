"""Delivery bookkeeping of the outbox: what is due, delivered, or failed for good."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from notifications.models import OutboxMessage, OutboxStatus

FIRST_RETRY = dt.timedelta(seconds=5)
LONGEST_RETRY = dt.timedelta(minutes=30)


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: 5 s, 10 s, 20 s, ... at most 30 minutes."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def due(
    session: Session, *, now: dt.datetime, limit: int = 50, talents_of: str | None = None
) -> list[OutboxMessage]:
    """Pending messages whose time has come, oldest first (locked against other workers on PostgreSQL).

    With `talents_of` (a sender-id prefix such as "telegram:"), messages for talents of other channels
    are left for those channels; messages for staff and leaders are always included.
    """
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if talents_of is not None:
        query = query.where(
            or_(OutboxMessage.recipient_kind != "talent", OutboxMessage.recipient.startswith(talents_of))
        )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def mark_delivered(session: Session, *, message: OutboxMessage, now: dt.datetime | None = None) -> None:
    message.status = OutboxStatus.DELIVERED
    message.delivered_at = now or utcnow()
    message.attempts += 1


def mark_failed(
    session: Session,
    *,
    message: OutboxMessage,
    error: str,
    max_attempts: int,
    permanent: bool = False,
    now: dt.datetime | None = None,
) -> None:
    """Schedule another try with backoff, or flag the message once tries run out (or it can never succeed)."""
    now = now or utcnow()
    message.attempts += 1
    message.last_error = error[:2000]
    if permanent or message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)


def flagged(session: Session) -> list[OutboxMessage]:
    """Messages that could not be delivered: staff must follow them up by hand."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
            .order_by(OutboxMessage.id)
        )
    )
