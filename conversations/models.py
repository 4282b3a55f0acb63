"""Database tables of the conversation record: one row per talent turn, the messages editors mark as
training examples, and each talent's choice about policy-change notices."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import utcnow
from frontdesk.database import Base, UtcDateTime, string_enum
from frontdesk.vocabulary import TOPICS

MAX_RECORDED_CHARS = 2000  # a turn keeps the beginning of a long message (a ticket keeps it whole)


class TurnOutcome(enum.StrEnum):
    """How a turn ended, from the talent's side."""

    ANSWERED = "answered"  # an article answered (kb_answer)
    NOT_ELIGIBLE = "not_eligible"  # the article that fits does not apply to this talent
    NO_ARTICLE = "no_article"  # the topic was understood, no article answers it
    ASKED_DETAIL = "asked_detail"  # the assistant asked for the district or tier
    CLARIFIED = "clarified"  # the assistant asked which topic is meant
    TOPIC_MENU = "topic_menu"  # not understood: the topic menu was offered
    TICKET = "ticket"  # handed to a person
    TICKET_STATUS = "ticket_status"
    SMALL_TALK = "small_talk"
    NOT_UNDERSTOOD = "not_understood"  # fallback or out of scope without a way on


# Turns that ended without an answer, for the editors' inbox.
UNANSWERED = (
    TurnOutcome.NO_ARTICLE,
    TurnOutcome.TOPIC_MENU,
    TurnOutcome.NOT_UNDERSTOOD,
    TurnOutcome.TICKET,
)


# The intents an editor may mark a message as (../shared/spec/intents.md, the intents of domain.yml).
TRAINABLE_INTENTS = (
    *(f"ask_{topic}" for topic in TOPICS),
    "request_human",
    "check_ticket",
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "inform",
    "help",
    "out_of_scope",
)


class ConversationTurn(Base):
    """One message of a talent and how the assistant settled it."""

    __tablename__ = "conversation_turns"
    __table_args__ = (
        Index("ix_conversation_turns_outcome_at", "outcome", "at"),
        Index("ix_conversation_turns_article_at", "article_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    sender_id: Mapped[str] = mapped_column(String(120), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    from_button: Mapped[bool] = mapped_column(Boolean, default=False)
    intent: Mapped[str] = mapped_column(String(60))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    topic: Mapped[str | None] = mapped_column(String(40), nullable=True)
    outcome: Mapped[TurnOutcome] = mapped_column(string_enum(TurnOutcome))
    article_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    district: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(10), nullable=True)


class TrainingExample(Base):
    """A talent's message an editor marked as an example of an intent, for the next NLU training."""

    __tablename__ = "nlu_training_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(60), index=True)
    marked_by: Mapped[str] = mapped_column(String(80))
    marked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    exported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True, index=True)


class NoticePreference(Base):
    """A talent's choice about messages when a policy that answered them changes (default: on)."""

    __tablename__ = "talent_notice_preferences"

    sender_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    policy_notices: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
