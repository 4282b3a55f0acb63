"""Database tables of the ticket store: tickets and their audit trail, the roster, the talent
registry and bindings, and the outbox of notifications."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


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


class Role(enum.StrEnum):
    STAFF = "staff"  # window staff, level 1
    OFFICER = "officer"  # department officer, level 2
    LEADER = "leader"  # district/county or region leader, level 3


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class TicketCounter(Base):
    """The last ticket number handed out in a year."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Person(Base):
    """Someone on the roster: window staff, a department officer or a leader."""

    __tablename__ = "roster_people"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[Role] = mapped_column(_enum(Role))
    level: Mapped[int] = mapped_column(Integer, index=True)
    districts: Mapped[list[str]] = mapped_column(JSON)
    topics: Mapped[list[str]] = mapped_column(JSON)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    away_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Talent(Base):
    """A green-card holder. The phone number is kept only as keyed hashes."""

    __tablename__ = "talents"

    card_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    tier: Mapped[str] = mapped_column(String(4))
    district: Mapped[str] = mapped_column(String(20))
    phone_hash: Mapped[str] = mapped_column(String(64))
    phone_last4_hash: Mapped[str] = mapped_column(String(64))


class ContactPair(Base):
    """A leader who personally keeps in contact with a talent (领导联系专家人才)."""

    __tablename__ = "contact_pairs"
    __table_args__ = (UniqueConstraint("person_id", "card_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("roster_people.id", ondelete="CASCADE"), index=True)
    card_number: Mapped[str] = mapped_column(
        ForeignKey("talents.card_number", ondelete="CASCADE"), index=True
    )


class Binding(Base):
    """A messenger user bound to a green-card holder."""

    __tablename__ = "talent_bindings"

    sender_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    card_number: Mapped[str] = mapped_column(
        ForeignKey("talents.card_number", ondelete="CASCADE"), index=True
    )
    bound_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class BindingAttempts(Base):
    """Failed binding tries of a messenger user; too many lock binding for a while."""

    __tablename__ = "binding_attempts"

    sender_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


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
    priority: Mapped[Priority] = mapped_column(_enum(Priority), default=Priority.NORMAL)
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus), default=TicketStatus.OPEN, index=True)
    reason: Mapped[str] = mapped_column(String(40))
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
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


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


class OutboxMessage(Base):
    """A notification to deliver, written in the same transaction as the change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("dedup_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"), nullable=True, index=True)
    recipient_kind: Mapped[str] = mapped_column(String(20))  # staff_group, person, talent
    recipient: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(160), nullable=True)
    status: Mapped[OutboxStatus] = mapped_column(
        _enum(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
