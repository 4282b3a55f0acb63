"""The contact leaders' own records (区、县领导联系专家人才): the talents each leader looks after (the pairs
of the roster), the contacts they record with them, and when a talent is due for a contact again, either
because the leader set a follow-up day or because nobody has been in contact for a while.

Days are Beijing-time calendar days (`today` is the caller's: frontdesk.clock.local_today()). A talent's
next follow-up is the one set at the latest contact: each contact makes the plan anew.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from people.models import (
    MAX_CONTACT_NOTE_CHARS,
    ContactKind,
    ContactPair,
    ContactRecord,
    Person,
    Role,
    Talent,
)

# A mainland mobile number (+86 optional, spaces or hyphens between groups) or a landline with its area code
_PHONE = re.compile(
    r"(?<!\d)(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)|(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"
)


FOLLOW_UP = "follow_up"  # the follow-up day the leader set at the latest contact has come
NO_CONTACT = "no_contact"  # no contact for the regular period (CONTACT_REMINDER_DAYS)


class Problem:
    """Why a contact cannot be recorded as given (the form shows each in the person's language)."""

    KIND_MISSING = "kind_missing"  # no kind, or not one of visit, call, message
    NOTE_TOO_LONG = "note_too_long"
    NOTE_HAS_PHONE = "note_has_phone"  # phone numbers are kept nowhere in the back office
    CONTACTED_IN_FUTURE = "contacted_in_future"
    FOLLOW_UP_IN_PAST = "follow_up_in_past"
    FOLLOW_UP_BEFORE_CONTACT = "follow_up_before_contact"


class ContactError(ValueError):
    """A contact that cannot be recorded: the problems, each a Problem value."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


class NotPaired(LookupError):
    """The leader does not look after this talent (or there is no such talent)."""


@dataclass(frozen=True)
class Due:
    """A talent a leader should be in contact with: since `due_on`, because of `reason`."""

    person_id: str
    card_number: str
    reason: str  # FOLLOW_UP or NO_CONTACT
    due_on: dt.date
    last_contact_on: dt.date | None  # None: never, since they were paired
    follow_up_on: dt.date | None


def talents_of(session: Session, *, person_id: str) -> list[Talent]:
    """The talents a leader personally looks after, by name."""
    return list(
        session.scalars(
            select(Talent)
            .join(ContactPair, ContactPair.card_number == Talent.card_number)
            .where(ContactPair.person_id == person_id)
            .order_by(Talent.name, Talent.card_number)
        )
    )


def pairings_of(session: Session, *, person_id: str) -> dict[str, dt.date]:
    """The day each of a leader's talents was paired with them, by card."""
    rows = session.execute(
        select(ContactPair.card_number, ContactPair.paired_on).where(ContactPair.person_id == person_id)
    )
    return {card: paired_on for card, paired_on in rows}


def talent_of(session: Session, *, person_id: str, card_number: str) -> Talent:
    """The talent with this card, when the leader looks after them; else NotPaired (also for no such card)."""
    talent = session.scalar(
        select(Talent)
        .join(ContactPair, ContactPair.card_number == Talent.card_number)
        .where(ContactPair.person_id == person_id, Talent.card_number == card_number.strip().upper())
    )
    if talent is None:
        raise NotPaired(card_number)
    return talent


def problems_with(
    *,
    kind: str,
    note: str,
    contacted_on: dt.date,
    follow_up_on: dt.date | None,
    today: dt.date,
) -> list[str]:
    """Every reason the contact cannot be recorded as given (empty when it can)."""
    problems = []
    if kind not in set(ContactKind):
        problems.append(Problem.KIND_MISSING)
    if len(note) > MAX_CONTACT_NOTE_CHARS:
        problems.append(Problem.NOTE_TOO_LONG)
    if _PHONE.search(note):
        problems.append(Problem.NOTE_HAS_PHONE)
    if contacted_on > today:
        problems.append(Problem.CONTACTED_IN_FUTURE)
    if follow_up_on is not None and follow_up_on < today:
        problems.append(Problem.FOLLOW_UP_IN_PAST)
    elif follow_up_on is not None and follow_up_on < contacted_on:
        problems.append(Problem.FOLLOW_UP_BEFORE_CONTACT)
    return problems


def record_contact(
    session: Session,
    *,
    person_id: str,
    card_number: str,
    kind: str,
    note: str,
    contacted_on: dt.date,
    follow_up_on: dt.date | None,
    recorded_by: str,
    today: dt.date,
    now: dt.datetime | None = None,
) -> ContactRecord:
    """Record a leader's contact with a talent they look after, whole or not at all: NotPaired, or
    ContactError with every problem of what was given; nothing is written then."""
    talent = talent_of(session, person_id=person_id, card_number=card_number)
    note = note.strip()
    problems = problems_with(
        kind=kind, note=note, contacted_on=contacted_on, follow_up_on=follow_up_on, today=today
    )
    if problems:
        raise ContactError(problems)
    record = ContactRecord(
        person_id=person_id,
        card_number=talent.card_number,
        contacted_on=contacted_on,
        kind=ContactKind(kind),
        note=note,
        follow_up_on=follow_up_on,
        recorded_by=recorded_by,
        recorded_at=now or utcnow(),
    )
    session.add(record)
    session.flush()
    return record


def history(session: Session, *, person_id: str, card_number: str) -> list[ContactRecord]:
    """The leader's contacts with a talent, latest first."""
    return list(
        session.scalars(
            select(ContactRecord)
            .where(ContactRecord.person_id == person_id, ContactRecord.card_number == card_number)
            .order_by(ContactRecord.contacted_on.desc(), ContactRecord.id.desc())
        )
    )


def latest_contacts(
    session: Session, *, person_id: str | None = None
) -> dict[tuple[str, str], ContactRecord]:
    """The latest contact of each (leader, card) pair that has one; of one leader with `person_id`."""
    ranked = select(
        ContactRecord.id,
        func.row_number()
        .over(
            partition_by=(ContactRecord.person_id, ContactRecord.card_number),
            order_by=(ContactRecord.contacted_on.desc(), ContactRecord.id.desc()),
        )
        .label("rank"),
    )
    if person_id is not None:
        ranked = ranked.where(ContactRecord.person_id == person_id)
    latest = ranked.subquery()
    records = session.scalars(
        select(ContactRecord).join(latest, latest.c.id == ContactRecord.id).where(latest.c.rank == 1)
    )
    return {(record.person_id, record.card_number): record for record in records}


def due_contacts(session: Session, *, today: dt.date, every_days: int) -> list[Due]:
    """The talents active leaders look after that are due for a contact today: the follow-up day set at
    the latest contact has come, or the latest contact (else the pairing) is `every_days` old or more."""
    pairs = session.execute(
        select(ContactPair.person_id, ContactPair.card_number, ContactPair.paired_on)
        .join(Person, Person.id == ContactPair.person_id)
        .where(Person.active.is_(True), Person.role == Role.LEADER)
        .order_by(ContactPair.person_id, ContactPair.card_number)
    ).all()
    latest = latest_contacts(session)
    due = []
    for person_id, card, paired_on in pairs:
        record = latest.get((person_id, card))
        last_on = record.contacted_on if record else None
        follow_up_on = record.follow_up_on if record else None
        if follow_up_on is not None and follow_up_on <= today:
            due.append(Due(person_id, card, FOLLOW_UP, follow_up_on, last_on, follow_up_on))
        quiet_until = regular_contact_on(latest=record, paired_on=paired_on, every_days=every_days)
        if quiet_until <= today:
            due.append(Due(person_id, card, NO_CONTACT, quiet_until, last_on, follow_up_on))
    return due


def regular_contact_on(*, latest: ContactRecord | None, paired_on: dt.date, every_days: int) -> dt.date:
    """The day a talent is due for a contact however it was planned: `every_days` after the latest contact,
    or after the pairing when there has been none."""
    return (latest.contacted_on if latest else paired_on) + dt.timedelta(days=every_days)


def next_contact(*, latest: ContactRecord | None, paired_on: dt.date, every_days: int) -> tuple[dt.date, str]:
    """When the leader should next be in contact with a talent, and why (FOLLOW_UP or NO_CONTACT): the
    follow-up day set at the latest contact, unless the regular day comes first."""
    regular = regular_contact_on(latest=latest, paired_on=paired_on, every_days=every_days)
    if latest is not None and latest.follow_up_on is not None and latest.follow_up_on <= regular:
        return latest.follow_up_on, FOLLOW_UP
    return regular, NO_CONTACT
