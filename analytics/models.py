"""Database tables of the analytics: the conversation record rolled up per Beijing-time day (counts per
district, channel, topic and outcome; the conversations per district and in all; one row per talent and
district, for the conversations of several districts together), every ticket's figures in working time,
and how far both have been brought up to date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from conversations.models import TurnOutcome
from frontdesk.database import Base, UtcDateTime, string_enum

NONE = ""  # the district or topic of a turn that named none, in the rollups' keys
ANY = "*"  # every district, in ConversationDay: the talents of the day, each once

STATE_ROW = 1


class TurnDay(Base):
    """The turns of one day with the same district, channel, topic and outcome: how many, and how many of
    them were typed questions (not button presses)."""

    __tablename__ = "analytics_turn_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    district: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    outcome: Mapped[TurnOutcome] = mapped_column(string_enum(TurnOutcome), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer)
    questions: Mapped[int] = mapped_column(Integer)


class SenderDay(Base):
    """A talent who wrote on a day (a conversation), per district of their turns, with how many of those
    turns handed them to a person."""

    __tablename__ = "analytics_sender_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    district: Mapped[str] = mapped_column(String(40), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    ticket_turns: Mapped[int] = mapped_column(Integer)


class ConversationDay(Base):
    """How many talents wrote on a day about a district (ANY: about any, each talent once), and how many of
    them were handed to a person."""

    __tablename__ = "analytics_conversation_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    district: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer)
    handed: Mapped[int] = mapped_column(Integer)


class TicketFigures(Base):
    """One ticket as the 12345-style figures count it: its deadlines from its creation in working time under
    the SLA, and the working time it took to a first response and to resolution."""

    __tablename__ = "analytics_tickets"
    __table_args__ = (Index("ix_analytics_tickets_day_district", "day", "district"),)

    ticket_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)  # Beijing-time day it was created
    district: Mapped[str | None] = mapped_column(String(20), nullable=True)
    assignee_id: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    response_due: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    responded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    resolution_due: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    finished: Mapped[bool] = mapped_column(Boolean)  # resolved or closed
    response_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)  # working time
    resolution_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)  # working time


class RefreshState(Base):
    """One row (id 1): the last day rolled up, the newest ticket change counted, and the working-time rules
    the ticket figures were counted under (other rules: every ticket is counted again)."""

    __tablename__ = "analytics_refresh"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    turns_through: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    tickets_through: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ticket_rules: Mapped[str] = mapped_column(String(300), default="")
