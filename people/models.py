"""Database tables of the people the front desk knows: the roster (staff, officers, leaders), the
leaders' contact pairs and the contacts they record, the talent registry (green-card holders) and messenger
bindings with their lockout (one account per card; tries counted per account and per card)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.clock import local_today, utcnow
from frontdesk.database import Base, UtcDateTime, string_enum


class Role(enum.StrEnum):
    STAFF = "staff"  # window staff, level 1
    OFFICER = "officer"  # department officer, level 2
    LEADER = "leader"  # district/county or region leader, level 3


class Person(Base):
    """Someone on the roster: window staff, a department officer or a leader."""

    __tablename__ = "roster_people"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[Role] = mapped_column(string_enum(Role))
    level: Mapped[int] = mapped_column(Integer, index=True)
    districts: Mapped[list[str]] = mapped_column(JSON)
    topics: Mapped[list[str]] = mapped_column(JSON)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    away_from: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # None: from now on
    away_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Talent(Base):
    """A green-card holder. The phone number is kept only as keyed hashes."""

    __tablename__ = "talents"

    card_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    tier: Mapped[str] = mapped_column(String(4))
    district: Mapped[str] = mapped_column(String(20))
    phone_hash: Mapped[str] = mapped_column(String(64))
    phone_last4_hash: Mapped[str] = mapped_column(String(64))


class ContactPair(Base):
    """A leader who personally keeps in contact with a talent (领导联系专家人才)."""

    __tablename__ = "contact_pairs"
    __table_args__ = (UniqueConstraint("person_id", "card_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("roster_people.id", ondelete="CASCADE"), index=True)
    card_number: Mapped[str] = mapped_column(
        ForeignKey("talents.card_number", ondelete="CASCADE"), index=True
    )
    paired_on: Mapped[dt.date] = mapped_column(Date, default=local_today)  # Beijing-time day


class ContactKind(enum.StrEnum):
    """How a leader was in contact with a talent."""

    VISIT = "visit"
    CALL = "call"
    MESSAGE = "message"


MAX_CONTACT_NOTE_CHARS = 500


class ContactRecord(Base):
    """A contact a leader had with a talent they look after: when (the Beijing-time day), how, a short
    note, the day they mean to follow up (if any), and who recorded it. Kept when the pair ends."""

    __tablename__ = "contact_records"
    __table_args__ = (Index("ix_contact_records_pair_day", "person_id", "card_number", "contacted_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("roster_people.id", ondelete="CASCADE"))  # the leader
    card_number: Mapped[str] = mapped_column(
        ForeignKey("talents.card_number", ondelete="CASCADE"), index=True
    )
    contacted_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[ContactKind] = mapped_column(string_enum(ContactKind))
    note: Mapped[str] = mapped_column(String(MAX_CONTACT_NOTE_CHARS), default="")
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("roster_people.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Binding(Base):
    """A messenger user bound to a green-card holder: one account per card, one card per account."""

    __tablename__ = "talent_bindings"

    sender_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    card_number: Mapped[str] = mapped_column(
        ForeignKey("talents.card_number", ondelete="CASCADE"), unique=True, index=True
    )
    bound_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LockScope(enum.StrEnum):
    """What binding tries are counted against."""

    ACCOUNT = "account"  # key: the messenger user's sender id
    CARD = "card"  # key: the card number tried, known or not


class BindingLockout(Base):
    """Binding tries of an account or on a card since its last binding or lock; too many lock binding for
    a while."""

    __tablename__ = "binding_lockouts"

    scope: Mapped[LockScope] = mapped_column(string_enum(LockScope), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
