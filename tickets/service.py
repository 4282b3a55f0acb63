"""Ticket operations, one thing per function."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tickets.models import Priority, Ticket, TicketCounter, TicketStatus, utcnow

TICKET_ID_PATTERN = re.compile(r"^GC-(\d{4})-(\d{6})$")


def format_ticket_id(year: int, number: int) -> str:
    return f"GC-{year:04d}-{number:06d}"


def next_ticket_id(session: Session, *, year: int) -> str:
    """The next number of `year`, safe under concurrent creation (the counter row is locked by the update)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(TicketCounter).values(year=year, last_number=0).on_conflict_do_nothing())
    number = session.scalar(
        update(TicketCounter)
        .where(TicketCounter.year == year)
        .values(last_number=TicketCounter.last_number + 1)
        .returning(TicketCounter.last_number)
    )
    return format_ticket_id(year, number)


def create_ticket(
    session: Session,
    *,
    channel: str,
    sender_id: str,
    question: str,
    reason: str,
    topic: str | None = None,
    transcript: list[dict[str, Any]] | None = None,
    priority: Priority = Priority.NORMAL,
    now: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket for a talent's question."""
    now = now or utcnow()
    ticket = Ticket(
        id=next_ticket_id(session, year=now.year),
        channel=channel,
        sender_id=sender_id,
        topic=topic,
        question=question,
        transcript=transcript or [],
        priority=priority,
        reason=reason,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    return ticket


def get_ticket(session: Session, *, ticket_id: str) -> Ticket | None:
    return session.get(Ticket, ticket_id.upper())


OPEN_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.ASSIGNED,
    TicketStatus.WAITING_TALENT,
    TicketStatus.ESCALATED,
)


def tickets_of_sender(
    session: Session, *, sender_id: str, ticket_id: str | None = None, open_only: bool = False
) -> list[Ticket]:
    """A talent's own tickets (never anyone else's), oldest first."""
    query = select(Ticket).where(Ticket.sender_id == sender_id)
    if ticket_id:
        query = query.where(Ticket.id == ticket_id.upper())
    if open_only:
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
    return list(session.scalars(query.order_by(Ticket.created_at)))


def set_question(session: Session, *, ticket_id: str, question: str) -> None:
    """Keep the talent's whole text on a ticket (the assistant read only the beginning of it)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is not None:
        ticket.question = question
