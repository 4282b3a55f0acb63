"""Database tables of talents' feedback: a vote on an answer, a rating of a resolved ticket."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime

LOWEST_SCORE, HIGHEST_SCORE = 1, 5
SATISFIED_FROM = 4  # 4 and 5 count as satisfied (满意率)


class AnswerVote(Base):
    """A talent's 👍/👎 on one answered message: one per talent and message, a second press changes it."""

    __tablename__ = "feedback_answer_votes"
    __table_args__ = (UniqueConstraint("channel", "sender_id", "message_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    sender_id: Mapped[str] = mapped_column(String(120), index=True)
    # The answered message in its channel (Telegram: "<chat id>:<message id>").
    message_ref: Mapped[str] = mapped_column(String(80))
    article_id: Mapped[str] = mapped_column(String(80), index=True)  # of the kb_answer payload
    version: Mapped[int] = mapped_column(Integer)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class TicketRating(Base):
    """A talent's 1–5 satisfaction with a resolved ticket of theirs: once per ticket."""

    __tablename__ = "feedback_ticket_ratings"
    __table_args__ = (
        CheckConstraint(f"score BETWEEN {LOWEST_SCORE} AND {HIGHEST_SCORE}", name="score_range"),
    )

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(120))
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
