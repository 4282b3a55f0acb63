"""Database table of the inbox: one row for each talent message a channel received."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime, string_enum


class InboxStatus(enum.StrEnum):
    RECEIVED = "received"  # recorded, not answered yet
    ANSWERED = "answered"  # the assistant's answer (or a ticket's number) reached the talent
    TICKETED = "ticketed"  # nothing answered it in time: a person will, through a ticket


class InboundMessage(Base):
    """A talent's message as a channel received it, kept until it is answered or ticketed."""

    __tablename__ = "inbound_messages"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # also the ticket's message_key
    channel: Mapped[str] = mapped_column(String(20))
    sender_id: Mapped[str] = mapped_column(String(120), index=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[InboxStatus] = mapped_column(
        string_enum(InboxStatus), default=InboxStatus.RECEIVED, index=True
    )
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ticket_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
