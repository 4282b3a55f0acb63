"""The outbox: every notification someone must be told of, written in the same transaction as the change it
reports, then delivered at least once by a channel."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime, string_enum


class OutboxKind(enum.StrEnum):
    """What a notification reports; the channel renders it with the template of that name."""

    CREATED = "created"
    ASSIGNED = "assigned"
    REPLIED = "replied"
    TALENT_REPLIED = "talent_replied"
    ESCALATED = "escalated"
    HANDED_BACK = "handed_back"
    RESOLVED = "resolve"
    CLOSED = "close"
    REOPENED = "reopen"
    SLA_WARNING = "sla_warning"
    DIGEST = "digest"
    DELIVERY_FAILED = "delivery_failed"
    KEPT_AS_TICKET = "kept_as_ticket"  # to a talent: a question nothing answered in time is now a ticket
    OUTAGE = "outage"  # to the staff group: the database was down, talents' messages were kept
    CARD_BINDING = "card_binding"  # to a card's holder: it was bound, unbound, or another account tried
    CONTACT_REMINDER = "contact_reminder"  # to a leader: a talent they look after is due for a contact
    POLICY_CHANGED = "policy_changed"  # to a talent: a policy that answered them has a new version


class RecipientKind(enum.StrEnum):
    STAFF_GROUP = "staff_group"  # the window staff's group chat (recipient: STAFF_GROUP)
    PERSON = "person"  # someone on the roster (recipient: their roster id)
    TALENT = "talent"  # a talent (recipient: their sender id)


STAFF_GROUP = "staff_group"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


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
        string_enum(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)  # of a text sent as several messages
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
