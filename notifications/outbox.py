"""The outbox: queueing a notification, and the bookkeeping of its delivery: what is due, leased to a
sender, which parts of a long text are out, delivered, postponed, failed for good, and the staff's alert
about a failure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from notifications.models import STAFF_GROUP, OutboxKind, OutboxMessage, OutboxStatus, RecipientKind

FIRST_RETRY = dt.timedelta(seconds=5)
LONGEST_RETRY = dt.timedelta(minutes=30)


def queue(
    session: Session,
    *,
    kind: OutboxKind,
    ticket_id: str | None,
    recipient_kind: RecipientKind,
    recipient: str,
    payload: dict[str, Any],
    now: dt.datetime,
    dedup_key: str | None = None,
) -> OutboxMessage:
    """Queue a notification (delivered later, at least once), in the caller's transaction."""
    message = OutboxMessage(
        kind=str(kind),
        ticket_id=ticket_id,
        recipient_kind=str(recipient_kind),
        recipient=recipient,
        payload=payload,
        dedup_key=dedup_key,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(message)
    return message


def queue_once(
    session: Session,
    *,
    kind: OutboxKind,
    recipient_kind: RecipientKind,
    recipient: str,
    payload: dict[str, Any],
    now: dt.datetime,
    dedup_key: str,
) -> int | None:
    """Queue a notification unless one with `dedup_key` was ever queued, in one statement: of two
    transactions queueing the same key at once, the second waits for the first and then queues nothing.
    The new row's id, or None when the key was taken."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .values(
            kind=str(kind),
            ticket_id=None,
            recipient_kind=str(recipient_kind),
            recipient=recipient,
            payload=payload,
            dedup_key=dedup_key,
            status=OutboxStatus.PENDING,
            attempts=0,
            parts_sent=0,
            created_at=now,
            next_attempt_at=now,
        )
        .on_conflict_do_nothing(index_elements=[OutboxMessage.dedup_key])
        .returning(OutboxMessage.id)
    )
    return session.execute(statement).scalar_one_or_none()


def queue_many_once(
    session: Session,
    *,
    kind: OutboxKind,
    recipient_kind: RecipientKind,
    messages: Sequence[tuple[str, dict[str, Any], str]],
    now: dt.datetime,
    batch: int = 500,
) -> int:
    """Queue (recipient, payload, dedup_key) notifications, `batch` rows to a statement, skipping every key
    ever queued (as queue_once does). How many were queued."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    queued = 0
    for start in range(0, len(messages), batch):
        rows = [
            {
                "kind": str(kind),
                "ticket_id": None,
                "recipient_kind": str(recipient_kind),
                "recipient": recipient,
                "payload": payload,
                "dedup_key": dedup_key,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "parts_sent": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
            for recipient, payload, dedup_key in messages[start : start + batch]
        ]
        statement = (
            insert(OutboxMessage)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[OutboxMessage.dedup_key])
            .returning(OutboxMessage.id)
        )
        queued += len(session.execute(statement).scalars().all())
    return queued


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: 5 s, 10 s, 20 s, ... at most 30 minutes."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def due(
    session: Session,
    *,
    now: dt.datetime,
    limit: int = 50,
    talents_of: str | None = None,
    talents_only: bool = False,
) -> list[OutboxMessage]:
    """Pending messages whose time has come, talents' first, then oldest first (locked against other
    workers on PostgreSQL): a backlog of staff cards, held back by the group chat's rate limit, never
    keeps a talent waiting for their answer or ticket number.

    With `talents_of` (a sender-id prefix such as "telegram:"), messages for talents of other channels
    are left for those channels; messages for staff and leaders are included unless `talents_only` (a
    channel that reaches talents alone, such as the web chat).
    """
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(case((OutboxMessage.recipient_kind == RecipientKind.TALENT, 0), else_=1), OutboxMessage.id)
        .limit(limit)
    )
    if talents_only:
        query = query.where(OutboxMessage.recipient_kind == RecipientKind.TALENT)
    if talents_of is not None:
        query = query.where(
            or_(
                OutboxMessage.recipient_kind != RecipientKind.TALENT,
                OutboxMessage.recipient.startswith(talents_of),
            )
        )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def lease_next(
    session: Session, *, now: dt.datetime, lease: dt.timedelta, talents_of: str | None = None
) -> OutboxMessage | None:
    """The oldest due message, leased to the caller: nobody else takes it until `lease` has run out
    (a sender that dies meanwhile leaves it to be sent again: at least once)."""
    rows = due(session, now=now, limit=1, talents_of=talents_of)
    if not rows:
        return None
    rows[0].next_attempt_at = now + lease
    return rows[0]


def postpone(message: OutboxMessage, *, seconds: float, error: str, now: dt.datetime) -> None:
    """Send again after `seconds` (flood control): not a counted try."""
    message.next_attempt_at = now + dt.timedelta(seconds=seconds)
    message.last_error = error[:2000]


def alert_staff(session: Session, *, message: OutboxMessage, recipient_label: str, now: dt.datetime) -> None:
    """Tell the staff group, once, that a message was flagged undeliverable (never about their own chat)."""
    if message.recipient_kind == RecipientKind.STAFF_GROUP:
        return
    key = f"delivery_failed:{message.id}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is not None:
        return
    queue(
        session,
        kind=OutboxKind.DELIVERY_FAILED,
        ticket_id=message.ticket_id,
        recipient_kind=RecipientKind.STAFF_GROUP,
        recipient=STAFF_GROUP,
        payload={
            "outbox_id": message.id,
            "failed_kind": message.kind,
            "recipient_kind": message.recipient_kind,
            "recipient": recipient_label,
            "error": message.last_error,
        },
        now=now,
        dedup_key=key,
    )


def mark_parts_sent(message: OutboxMessage, *, parts: int) -> None:
    """The first `parts` messages of a text sent as several are out: a later try sends only the rest."""
    message.parts_sent = parts


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
