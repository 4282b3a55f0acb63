"""Back-office accounts (one per roster person) and their browser sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime


class Account(Base):
    """A roster person's login to the back office; the password kept as an argon2 hash."""

    __tablename__ = "backoffice_accounts"

    person_id: Mapped[str] = mapped_column(
        ForeignKey("roster_people.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="zh")
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    editor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # policy articles
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WebSession(Base):
    """A signed-in browser: the cookie holds the token, the database its hash, so a copy of the database
    opens no session; ended at logout, after idle time or at its absolute expiry."""

    __tablename__ = "backoffice_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(
        ForeignKey("backoffice_accounts.person_id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
