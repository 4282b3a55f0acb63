"""The inbox's timer: spooled messages moved into the database once it is back, and messages nothing
answered in time turned into tickets, so that a person answers them."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from frontdesk.clock import format_local, utcnow
from frontdesk.database import session_scope
from inbox import service, spool
from inbox.models import InboundMessage, InboxStatus
from notifications import outbox
from notifications.models import STAFF_GROUP, OutboxKind, RecipientKind
from tickets import flows as ticket_flows
from tickets import service as ticket_service

log = logging.getLogger(__name__)


def replay_spool(*, spool_dir: Path, now: dt.datetime | None = None) -> int:
    """Move spooled messages into the inbox (as received, at the time they came); the staff group hears
    of the outage once. Returns how many were moved; stops at the first database error."""
    now = now or utcnow()
    waiting = spool.kept(spool_dir)
    if not waiting:
        return 0
    moved = 0
    try:
        for path, message in waiting:
            with session_scope() as session:
                if session.get(InboundMessage, message.key) is None:
                    service.record(session, **message.model_dump())
            path.unlink(missing_ok=True)
            moved += 1
        with session_scope() as session:
            outbox.queue(
                session,
                kind=OutboxKind.OUTAGE,
                ticket_id=None,
                recipient_kind=RecipientKind.STAFF_GROUP,
                recipient=STAFF_GROUP,
                payload={
                    "since": format_local(waiting[0][1].received_at),
                    "until": format_local(now),
                    "messages": moved,
                },
                now=now,
            )
    except SQLAlchemyError as exc:
        log.warning("spool not replayed yet (%s): %d messages wait", type(exc).__name__, len(waiting) - moved)
        return moved
    log.warning("%d talent messages kept during a database outage moved into the inbox", moved)
    return moved


def ticket_one(session: Session, *, message: InboundMessage, now: dt.datetime) -> str | None:
    """Open (or find) the ticket of an unanswered message and tell the talent its number; None when
    another process settled the message first."""
    ticket = ticket_flows.open_for_talent(
        session,
        channel=message.channel,
        sender_id=message.sender_id,
        question=message.text,
        reason="unanswered",
        transcript=[{"who": "talent", "text": message.text}],
        message_key=message.key,
        now=now,
    )
    if not service.settle(
        session, key=message.key, status=InboxStatus.TICKETED, ticket_id=ticket.id, now=now
    ):
        session.rollback()
        return None
    ticket_service.notify_talent(
        session,
        ticket=ticket,
        kind=OutboxKind.KEPT_AS_TICKET,
        now=now,
        received_at=format_local(message.received_at),
    )
    return ticket.id


def ticket_unanswered(*, stale_after: dt.timedelta, now: dt.datetime | None = None) -> list[str]:
    """Tickets for the messages received more than `stale_after` ago that nothing answered (the channel's
    process died while it waited on the assistant, or the database failed half-way)."""
    now = now or utcnow()
    with session_scope() as session:
        keys = [m.key for m in service.unanswered(session, received_before=now - stale_after)]
    opened: list[str] = []
    for key in keys:
        with session_scope() as session:
            message = session.get(InboundMessage, key)
            if message is None or message.status is not InboxStatus.RECEIVED:
                continue
            ticket_id = ticket_one(session, message=message, now=now)
        if ticket_id is not None:
            log.warning("unanswered message of %s kept as ticket %s", message.sender_id, ticket_id)
            opened.append(ticket_id)
    return opened


def sweep(*, spool_dir: Path, stale_after: dt.timedelta, now: dt.datetime | None = None) -> list[str]:
    """One round: the spool into the inbox, then tickets for what nothing answered."""
    replay_spool(spool_dir=spool_dir, now=now)
    return ticket_unanswered(stale_after=stale_after, now=now)
