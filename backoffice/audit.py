"""The administrators' audit log: every change made on the administration pages, who made it and when,
written in the same transaction as the change. Never a password or a phone number in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime


class AuditEntry(Base):
    """One administrative change: the administrator, the moment, what (`action`), on what (`subject`: a
    person id, a card number, a year…) and the details (before and after, counts)."""

    __tablename__ = "backoffice_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(ForeignKey("roster_people.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    session: Session, *, actor: str, action: str, subject: str = "", details: dict[str, Any] | None = None
) -> AuditEntry:
    entry = AuditEntry(actor=actor, action=action, subject=subject[:120], details=details or {}, at=utcnow())
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, *, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    """The newest entries first."""
    return list(
        session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).offset(offset).limit(limit))
    )
