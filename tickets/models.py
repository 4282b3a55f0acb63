"""Database tables of the ticket store: tickets, their numbers and their audit trail; the working time SLA
clocks count (office hours and the holiday calendar administrators keep)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime, string_enum


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    WAITING_TALENT = "waiting_talent"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(enum.StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class TicketCounter(Base):
    """The last ticket number handed out in a year."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    """A talent's request that a person must handle."""

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    sender_id: Mapped[str] = mapped_column(String(120), index=True)
    card_number: Mapped[str | None] = mapped_column(
        ForeignKey("talents.card_number"), nullable=True, index=True
    )
    district: Mapped[str | None] = mapped_column(String(20), nullable=True)
    topic: Mapped[str | None] = mapped_column(String(40), nullable=True)
    question: Mapped[str] = mapped_column(Text)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    priority: Mapped[Priority] = mapped_column(string_enum(Priority), default=Priority.NORMAL)
    status: Mapped[TicketStatus] = mapped_column(
        string_enum(TicketStatus), default=TicketStatus.OPEN, index=True
    )
    reason: Mapped[str] = mapped_column(String(40))
    # The inbound message the ticket was opened for: a channel and the action server asked for the
    # same message (a slow assistant) get one ticket.
    message_key: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("roster_people.id"), nullable=True, index=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=1)
    escalated_to_id: Mapped[str | None] = mapped_column(ForeignKey("roster_people.id"), nullable=True)
    first_response_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True, index=True)
    first_response_warn_at: Mapped[dt.datetime | None] = mapped_column(
        UtcDateTime(), nullable=True, index=True
    )
    resolution_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    first_responded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    sla_warned_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class TicketEvent(Base):
    """One change of a ticket, appended and never altered: who did what, when, before and after."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    via: Mapped[str] = mapped_column(String(20), default="")  # where a person acted: telegram, web, cli


class CalendarDay(Base):
    """A day the State Council's calendar makes a holiday (working False) or an adjusted working day, 调休
    (working True), as an administrator entered it: before chinesecalendar for that day."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40), default="")


class WorkingTime(Base):
    """One row (id 1): the office hours administrators set (None: the OFFICE_HOURS setting) and the version
    of the working-time rules, raised by every change to them or to the calendar days, so that every
    process's SLA clock sees a change at once by reading one number."""

    __tablename__ = "working_time"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    office_hours: Mapped[str | None] = mapped_column(String(200), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CallbackPhone(Base):
    """The phone a talent without a messenger left for a call-back on their ticket (tickets/callbacks.py):
    never stored in clear text."""

    __tablename__ = "ticket_callback_phones"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(120))
    phone_encrypted: Mapped[str] = mapped_column(Text)  # Fernet token
    last4_hash: Mapped[str] = mapped_column(String(64))  # HMAC of "<ticket id>:<last four digits>"
    masked: Mapped[str] = mapped_column(String(20))  # 138****1234, what staff see
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
