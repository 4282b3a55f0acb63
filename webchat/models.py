"""What the web chat keeps: every message of a conversation as the page shows it (the talent's, the
assistant's, staff replies and ticket news delivered from the outbox)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime, string_enum


class Who(enum.StrEnum):
    TALENT = "talent"
    ASSISTANT = "assistant"
    STAFF = "staff"  # a staff reply on a ticket, delivered from the outbox
    SYSTEM = "system"  # ticket news and the channel's own notices


class WebchatMessage(Base):
    """One message of a web-chat conversation, in the order the page shows them (by id)."""

    __tablename__ = "webchat_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(120), index=True)
    who: Mapped[Who] = mapped_column(string_enum(Who))
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    custom: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)  # delivered once
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
