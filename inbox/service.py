"""Inbox operations, one thing per function, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from frontdesk.text import bounded
from inbox.models import InboundMessage, InboxStatus


def new_key() -> str:
    """A fresh key for an inbound message (sent to Rasa with it, and kept on a ticket opened for it)."""
    return uuid.uuid4().hex


def record(
    session: Session,
    *,
    key: str,
    channel: str,
    sender_id: str,
    text: str,
    language: str,
    received_at: dt.datetime | None = None,
) -> InboundMessage:
    """Keep a talent's message (up to MAX_KEPT_CHARS characters) before anything else is done with it."""
    message = InboundMessage(
        key=key,
        channel=channel,
        sender_id=sender_id,
        text=bounded(text),
        language=language,
        status=InboxStatus.RECEIVED,
        received_at=received_at or utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def settle(
    session: Session,
    *,
    key: str,
    status: InboxStatus,
    ticket_id: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Mark a received message answered or ticketed; False when it was settled already (by another
    process, or by the recovery of unanswered messages)."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.key == key, InboundMessage.status == InboxStatus.RECEIVED)
            .values(status=status, ticket_id=ticket_id, handled_at=now or utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def unanswered(session: Session, *, received_before: dt.datetime, limit: int = 100) -> list[InboundMessage]:
    """Messages received before `received_before` that nothing has answered, oldest first."""
    return list(
        session.scalars(
            select(InboundMessage)
            .where(
                InboundMessage.status == InboxStatus.RECEIVED, InboundMessage.received_at < received_before
            )
            .order_by(InboundMessage.received_at)
            .limit(limit)
        )
    )
