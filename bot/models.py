"""What the Telegram channel itself keeps: updates received and those already handled, each talent's
chosen language, the long payloads of buttons behind short keys, and staff reply prompts (in the
database, so that a restart or a second bot process keeps them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime


class ProcessedUpdate(Base):
    """A Telegram update already handled (update ids are per bot): a second delivery is ignored."""

    __tablename__ = "telegram_processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class ReceivedUpdate(Base):
    """An update as fetched from Telegram, written before the next getUpdates acknowledges it: a bot killed
    before handling it finds it here when it starts again (Telegram would not send it again)."""

    __tablename__ = "telegram_received_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class ChatPreference(Base):
    """A talent's language chosen with /lang (replies otherwise follow the language of each message)."""

    __tablename__ = "telegram_chat_preferences"

    sender_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class ButtonPayload(Base):
    """An assistant payload too long for Telegram's 64 bytes of callback data, behind its short key."""

    __tablename__ = "telegram_button_payloads"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class StaffReplyPrompt(Base):
    """A "reply to ticket …" prompt the bot sent under a ticket card: its answer updates that card."""

    __tablename__ = "telegram_staff_reply_prompts"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prompt_message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    card_message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
