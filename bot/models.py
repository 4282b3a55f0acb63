"""What the Telegram channel itself keeps: updates already handled, and each talent's chosen language."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.database import Base, UtcDateTime
from tickets.models import utcnow


class ProcessedUpdate(Base):
    """A Telegram update already handled (update ids are per bot): a second delivery is ignored."""

    __tablename__ = "telegram_processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class ChatPreference(Base):
    """A talent's language chosen with /lang (replies otherwise follow the language of each message)."""

    __tablename__ = "telegram_chat_preferences"

    sender_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
