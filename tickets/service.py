"""Ticket operations, one thing per function. Every change appends an event and, when someone
must hear of it, an outbox row, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.clock import LOCAL_TZ, utcnow
from frontdesk.config import get_settings
from frontdesk.text import bounded
from frontdesk.vocabulary import DISTRICTS, TOPICS
from notifications import outbox
from notifications.models import STAFF_GROUP, OutboxKind, OutboxMessage, RecipientKind
from people.models import ContactPair, Person
from tickets.models import Priority, Ticket, TicketCounter, TicketEvent, TicketStatus
from tickets.office_calendar import StoredCalendar
from tickets.working_time import WorkingCalendar

TICKET_ID_PATTERN = re.compile(r"^GC-(\d{4})-(\d{6})$")
OPEN_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.ASSIGNED,
    TicketStatus.WAITING_TALENT,
    TicketStatus.ESCALATED,
)
TOP_LEVEL = 3
MAX_SENDER_ID_CHARS = 120
MAX_CHANNEL_CHARS = 20

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[TicketStatus, ...], TicketStatus | None]] = {
    "claim": ((TicketStatus.OPEN, TicketStatus.ESCALATED), TicketStatus.ASSIGNED),
    "reply": ((TicketStatus.ASSIGNED, TicketStatus.ESCALATED, TicketStatus.WAITING_TALENT), None),
    "ask_talent": (
        (TicketStatus.ASSIGNED, TicketStatus.ESCALATED, TicketStatus.WAITING_TALENT),
        TicketStatus.WAITING_TALENT,
    ),
    "talent_reply": (OPEN_STATUSES, None),
    "note": (OPEN_STATUSES, None),
    "escalate": (OPEN_STATUSES, TicketStatus.ESCALATED),
    "hand_back": ((TicketStatus.ESCALATED,), TicketStatus.OPEN),
    "resolve": (OPEN_STATUSES, TicketStatus.RESOLVED),
    "close": ((TicketStatus.RESOLVED,), TicketStatus.CLOSED),
    "reopen": ((TicketStatus.RESOLVED, TicketStatus.CLOSED), TicketStatus.OPEN),
}


class TicketError(Exception):
    """A request on a ticket that cannot be carried out, with the reason."""


class InvalidTransition(TicketError):
    pass


@dataclass(frozen=True)
class SlaPolicy:
    """Deadlines in working time."""

    calendar: WorkingCalendar
    first_response: dt.timedelta
    urgent_first_response: dt.timedelta
    resolution: dt.timedelta
    warning_share: float = 0.75

    def first_response_due(self, *, start: dt.datetime, priority: Priority) -> dt.datetime:
        span = self.urgent_first_response if priority is Priority.URGENT else self.first_response
        return self.calendar.add(start, span)

    def resolution_due(self, *, start: dt.datetime) -> dt.datetime:
        return self.calendar.add(start, self.resolution)

    def warning_at(self, *, start: dt.datetime, priority: Priority) -> dt.datetime:
        """When most of the first-response time has passed and the people concerned are warned."""
        span = self.urgent_first_response if priority is Priority.URGENT else self.first_response
        return self.calendar.add(start, span * self.warning_share)


def format_ticket_id(year: int, number: int) -> str:
    return f"GC-{year:04d}-{number:06d}"


def next_ticket_id(session: Session, *, year: int) -> str:
    """The next number of `year`, in one upsert: concurrent creators queue on the counter row's lock."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(TicketCounter).values(year=year, last_number=1)
    number = session.execute(
        statement.on_conflict_do_update(
            index_elements=[TicketCounter.year], set_={"last_number": TicketCounter.last_number + 1}
        ).returning(TicketCounter.last_number)
    ).scalar_one()
    return format_ticket_id(year, number)


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """The fields of a ticket that events record before and after a change."""
    return {
        "status": str(ticket.status),
        "assignee_id": ticket.assignee_id,
        "escalation_level": ticket.escalation_level,
        "escalated_to_id": ticket.escalated_to_id,
        "priority": str(ticket.priority),
    }


def record(
    session: Session,
    *,
    ticket: Ticket,
    actor: str,
    action: str,
    before: dict[str, Any],
    note: str = "",
    now: dt.datetime,
) -> TicketEvent:
    """Append an event to the ticket's audit trail."""
    event = TicketEvent(
        ticket_id=ticket.id,
        at=now,
        actor=actor,
        action=action,
        before=before,
        after=snapshot(ticket),
        note=note,
    )
    session.add(event)
    return event


def notify(
    session: Session,
    *,
    kind: OutboxKind,
    ticket: Ticket | None,
    recipient_kind: RecipientKind,
    recipient: str,
    payload: dict[str, Any],
    now: dt.datetime,
    dedup_key: str | None = None,
) -> OutboxMessage:
    """Queue a notification about a ticket in the outbox (delivered later, at least once)."""
    return outbox.queue(
        session,
        kind=kind,
        ticket_id=ticket.id if ticket else None,
        recipient_kind=recipient_kind,
        recipient=recipient,
        payload=payload,
        now=now,
        dedup_key=dedup_key,
    )


def notify_talent(
    session: Session, *, ticket: Ticket, kind: OutboxKind, now: dt.datetime, **details: Any
) -> OutboxMessage:
    """Tell the talent what happened to their ticket."""
    return notify(
        session,
        kind=kind,
        ticket=ticket,
        recipient_kind=RecipientKind.TALENT,
        recipient=ticket.sender_id,
        payload={"ticket_id": ticket.id, "status": str(ticket.status), **details},
        now=now,
    )


def _check(ticket: Ticket, action: str) -> TicketStatus | None:
    allowed, target = TRANSITIONS[action]
    if ticket.status not in allowed:
        raise InvalidTransition(
            f"ticket {ticket.id} is {ticket.status}; '{action}' is possible only when it is "
            + " or ".join(str(s) for s in allowed)
        )
    return target


def available(person: Person, *, now: dt.datetime) -> bool:
    """Active and not away now (away from `away_from`, or from whenever it was set, to `away_until`)."""
    away = person.away_until is not None and person.away_until > now
    if away and person.away_from is not None:
        away = person.away_from <= now
    return person.active and not away


def covers(person: Person, *, district: str | None, topic: str | None) -> bool:
    """Whether a person's districts and topics include the ticket's ("all" covers everything)."""
    districts_ok = "all" in person.districts or district is None or district in person.districts
    topics_ok = "all" in person.topics or topic is None or topic in person.topics
    return districts_ok and topics_ok


@dataclass(frozen=True)
class RosterView:
    """The roster as loaded once, for routing many tickets without a query each."""

    people: tuple[Person, ...]
    contacts: dict[str, tuple[str, ...]]  # card number -> ids of the people who keep in contact

    @classmethod
    def load(cls, session: Session) -> RosterView:
        people = tuple(session.scalars(select(Person).order_by(Person.level, Person.id)))
        contacts: dict[str, tuple[str, ...]] = {}
        for pair in session.scalars(select(ContactPair).order_by(ContactPair.id)):
            contacts[pair.card_number] = (*contacts.get(pair.card_number, ()), pair.person_id)
        return cls(people=people, contacts=contacts)

    @classmethod
    def load_level(cls, session: Session, *, level: int) -> RosterView:
        """Only the people of one level (without contact pairs): enough to route a new ticket."""
        return cls(people=tuple(session.scalars(select(Person).where(Person.level == level))), contacts={})

    def people_for(
        self, *, level: int, district: str | None, topic: str | None, now: dt.datetime
    ) -> list[Person]:
        """Available people of a level covering a district and topic."""
        return [
            p
            for p in self.people
            if p.level == level and available(p, now=now) and covers(p, district=district, topic=topic)
        ]

    def contact_leader(self, *, card_number: str | None, now: dt.datetime) -> Person | None:
        """The available leader (highest level first) who personally keeps in contact with a talent."""
        ids = set(self.contacts.get(card_number or "", ()))
        leaders = sorted((p for p in self.people if p.id in ids), key=lambda p: (-p.level, p.id))
        return next((leader for leader in leaders if available(leader, now=now)), None)


def _card(ticket: Ticket) -> dict[str, Any]:
    """What a notification about a ticket shows."""
    return {
        "ticket_id": ticket.id,
        "status": str(ticket.status),
        "topic": ticket.topic,
        "district": ticket.district,
        "priority": str(ticket.priority),
        "question": ticket.question,
        "transcript": ticket.transcript,
        "escalation_level": ticket.escalation_level,
    }


def create_ticket(
    session: Session,
    *,
    channel: str,
    sender_id: str,
    question: str,
    reason: str,
    sla: SlaPolicy,
    topic: str | None = None,
    district: str | None = None,
    card_number: str | None = None,
    transcript: list[dict[str, Any]] | None = None,
    priority: Priority = Priority.NORMAL,
    message_key: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket, set its deadlines and tell the level-1 staff covering it (and the staff group).

    With `message_key` (the inbound message it answers), a second request for the same message gets the
    ticket the first one opened. A district or topic the front desk does not know is left out; the
    question and transcript lines are kept up to frontdesk.text.MAX_KEPT_CHARS characters.
    """
    now = now or utcnow()
    if len(sender_id) > MAX_SENDER_ID_CHARS or len(channel) > MAX_CHANNEL_CHARS:
        raise ValueError(f"sender id or channel too long (at most {MAX_SENDER_ID_CHARS}/{MAX_CHANNEL_CHARS})")
    if message_key is not None and (existing := ticket_for_message(session, message_key=message_key)):
        return existing
    ticket = Ticket(
        id=next_ticket_id(session, year=now.astimezone(LOCAL_TZ).year),
        channel=channel,
        sender_id=sender_id,
        card_number=card_number,
        district=district if district in DISTRICTS else None,
        topic=topic if topic in TOPICS else None,
        question=bounded(question),
        transcript=[_bounded_turn(turn) for turn in transcript or []],
        priority=priority,
        status=TicketStatus.OPEN,
        reason=reason,
        message_key=message_key,
        escalation_level=1,
        first_response_due=sla.first_response_due(start=now, priority=priority),
        first_response_warn_at=sla.warning_at(start=now, priority=priority),
        resolution_due=sla.resolution_due(start=now),
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # the ticket row first: events and outbox rows refer to it
            session.add(ticket)
    except IntegrityError:
        if message_key is None or (existing := ticket_for_message(session, message_key=message_key)) is None:
            raise
        return existing  # opened for the same message at the same moment by another process
    record(session, ticket=ticket, actor=sender_id, action="created", before={}, note=reason, now=now)
    card = _card(ticket)
    notify(
        session,
        kind=OutboxKind.CREATED,
        ticket=ticket,
        recipient_kind=RecipientKind.STAFF_GROUP,
        recipient=STAFF_GROUP,
        payload=card,
        now=now,
    )
    for person in RosterView.load_level(session, level=1).people_for(
        level=1, district=district, topic=topic, now=now
    ):
        notify(
            session,
            kind=OutboxKind.CREATED,
            ticket=ticket,
            recipient_kind=RecipientKind.PERSON,
            recipient=person.id,
            payload=card,
            now=now,
        )
    return ticket


def ticket_for_message(session: Session, *, message_key: str) -> Ticket | None:
    """The ticket opened for an inbound message, if any."""
    return session.scalar(select(Ticket).where(Ticket.message_key == message_key))


def _bounded_turn(turn: dict[str, Any]) -> dict[str, Any]:
    return {**turn, "text": bounded(turn["text"])} if isinstance(turn.get("text"), str) else turn


def get_ticket(session: Session, *, ticket_id: str) -> Ticket:
    ticket = session.get(Ticket, ticket_id.strip().upper())
    if ticket is None:
        raise TicketError(f"there is no ticket {ticket_id}")
    return ticket


def get_person(session: Session, *, person_id: str) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise TicketError(f"{person_id} is not on the roster")
    return person


def person_by_telegram(session: Session, *, telegram_user_id: int) -> Person | None:
    return session.scalar(select(Person).where(Person.telegram_user_id == telegram_user_id))


def claim(session: Session, *, ticket_id: str, person_id: str, now: dt.datetime | None = None) -> Ticket:
    """Take a ticket. Of several people claiming at once exactly one wins; the others are refused."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    person = get_person(session, person_id=person_id)
    _check(ticket, "claim")
    before = snapshot(ticket)
    won = cast(
        CursorResult[Any],
        session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.status == ticket.status, Ticket.assignee_id.is_(None))
            .values(status=TicketStatus.ASSIGNED, assignee_id=person.id, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if won != 1:
        session.rollback()
        raise TicketError(f"ticket {ticket.id} has just been claimed by someone else")
    session.refresh(ticket)
    ticket.first_responded_at = ticket.first_responded_at or now
    record(session, ticket=ticket, actor=person.id, action="claim", before=before, now=now)
    notify_talent(session, ticket=ticket, kind=OutboxKind.ASSIGNED, now=now)
    return ticket


def reply(
    session: Session,
    *,
    ticket_id: str,
    person_id: str,
    text: str,
    ask_talent: bool = False,
    now: dt.datetime | None = None,
) -> Ticket:
    """A staff member's or leader's answer to the talent (with `ask_talent`, a question awaiting theirs)."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    person = get_person(session, person_id=person_id)
    target = _check(ticket, "ask_talent" if ask_talent else "reply")
    before = snapshot(ticket)
    if ticket.assignee_id is None:
        ticket.assignee_id = person.id
    if target is not None:
        ticket.status = target
    elif ticket.status is TicketStatus.ESCALATED:
        ticket.status = TicketStatus.ASSIGNED
    ticket.first_responded_at = ticket.first_responded_at or now
    ticket.transcript = [*ticket.transcript, {"who": "staff", "person": person.id, "text": text}]
    ticket.updated_at = now
    record(session, ticket=ticket, actor=person.id, action="reply", before=before, note=text, now=now)
    notify_talent(
        session,
        ticket=ticket,
        kind=OutboxKind.REPLIED,
        now=now,
        text=text,
        sender=person.name,
        awaiting_reply=ask_talent,
    )
    return ticket


def talent_reply(
    session: Session, *, ticket_id: str, sender_id: str, text: str, now: dt.datetime | None = None
) -> Ticket:
    """The talent's message on their own ticket; its handler is told."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    if ticket.sender_id != sender_id:
        raise TicketError(f"ticket {ticket.id} is not yours")
    _check(ticket, "talent_reply")
    before = snapshot(ticket)
    if ticket.status is TicketStatus.WAITING_TALENT:
        ticket.status = TicketStatus.ASSIGNED
    ticket.transcript = [*ticket.transcript, {"who": "talent", "text": text}]
    ticket.updated_at = now
    record(session, ticket=ticket, actor=sender_id, action="talent_reply", before=before, note=text, now=now)
    handler = ticket.assignee_id or ticket.escalated_to_id
    notify(
        session,
        kind=OutboxKind.TALENT_REPLIED,
        ticket=ticket,
        recipient_kind=RecipientKind.PERSON if handler else RecipientKind.STAFF_GROUP,
        recipient=handler or STAFF_GROUP,
        payload={**_card(ticket), "text": text},
        now=now,
    )
    return ticket


def waiting_ticket_of(session: Session, *, sender_id: str) -> Ticket | None:
    """The talent's newest ticket that waits for their answer."""
    return session.scalar(
        select(Ticket)
        .where(Ticket.sender_id == sender_id, Ticket.status == TicketStatus.WAITING_TALENT)
        .order_by(Ticket.updated_at.desc())
        .limit(1)
    )


def add_note(
    session: Session, *, ticket_id: str, person_id: str, text: str, now: dt.datetime | None = None
) -> Ticket:
    """An internal note, seen by staff only."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    get_person(session, person_id=person_id)
    _check(ticket, "note")
    record(
        session, ticket=ticket, actor=person_id, action="note", before=snapshot(ticket), note=text, now=now
    )
    return ticket


def escalation_target(ticket: Ticket, *, roster: RosterView, now: dt.datetime) -> Person | None:
    """Who a ticket goes to next: the talent's own contact leader when there is one not yet asked,
    otherwise the next level covering its district and topic; None at the top of the ladder."""
    leader = roster.contact_leader(card_number=ticket.card_number, now=now)
    if leader is not None and leader.id != ticket.escalated_to_id and leader.level > ticket.escalation_level:
        return leader
    for level in range(ticket.escalation_level + 1, TOP_LEVEL + 1):
        people = roster.people_for(level=level, district=ticket.district, topic=ticket.topic, now=now)
        if people:
            return people[0]
    return None


def escalate(
    session: Session,
    *,
    ticket_id: str,
    actor: str,
    reason: str,
    sla: SlaPolicy,
    roster: RosterView | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Hand a ticket up the ladder; the person it reaches gets a fresh first-response deadline."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    _check(ticket, "escalate")
    target = escalation_target(ticket, roster=roster or RosterView.load(session), now=now)
    if target is None:
        raise TicketError(
            f"ticket {ticket.id} is already at the top of the ladder (level {ticket.escalation_level})"
        )
    before = snapshot(ticket)
    ticket.status = TicketStatus.ESCALATED
    ticket.escalation_level = target.level
    ticket.escalated_to_id = target.id
    ticket.assignee_id = None
    ticket.first_response_due = sla.first_response_due(start=now, priority=ticket.priority)
    ticket.first_response_warn_at = sla.warning_at(start=now, priority=ticket.priority)
    ticket.sla_warned_at = None
    ticket.updated_at = now
    record(session, ticket=ticket, actor=actor, action="escalate", before=before, note=reason, now=now)
    notify(
        session,
        kind=OutboxKind.ESCALATED,
        ticket=ticket,
        recipient_kind=RecipientKind.PERSON,
        recipient=target.id,
        payload={**_card(ticket), "reason": reason},
        now=now,
    )
    notify_talent(session, ticket=ticket, kind=OutboxKind.ESCALATED, now=now)
    return ticket


def hand_back(
    session: Session, *, ticket_id: str, person_id: str, note: str, now: dt.datetime | None = None
) -> Ticket:
    """A leader returns an escalated ticket to the window staff: open again, at the window's level."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    get_person(session, person_id=person_id)
    _check(ticket, "hand_back")
    before = snapshot(ticket)
    ticket.status, ticket.assignee_id, ticket.updated_at = TicketStatus.OPEN, None, now
    ticket.escalation_level, ticket.escalated_to_id = 1, None
    record(session, ticket=ticket, actor=person_id, action="hand_back", before=before, note=note, now=now)
    notify(
        session,
        kind=OutboxKind.HANDED_BACK,
        ticket=ticket,
        recipient_kind=RecipientKind.STAFF_GROUP,
        recipient=STAFF_GROUP,
        payload={**_card(ticket), "note": note},
        now=now,
    )
    return ticket


def _finish(
    session: Session, *, ticket_id: str, actor: str, action: str, note: str, now: dt.datetime
) -> Ticket:
    ticket = get_ticket(session, ticket_id=ticket_id)
    target = _check(ticket, action)
    assert target is not None
    before = snapshot(ticket)
    ticket.status, ticket.updated_at = target, now
    if action == "resolve":
        ticket.resolved_at = now
    if action == "reopen":
        ticket.resolved_at = None
    record(session, ticket=ticket, actor=actor, action=action, before=before, note=note, now=now)
    notify_talent(session, ticket=ticket, kind=OutboxKind(action), now=now, note=note)
    return ticket


def resolve(
    session: Session, *, ticket_id: str, actor: str, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    return _finish(
        session, ticket_id=ticket_id, actor=actor, action="resolve", note=note, now=now or utcnow()
    )


def close(
    session: Session, *, ticket_id: str, actor: str, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    return _finish(session, ticket_id=ticket_id, actor=actor, action="close", note=note, now=now or utcnow())


def reopen(
    session: Session, *, ticket_id: str, actor: str, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    return _finish(session, ticket_id=ticket_id, actor=actor, action="reopen", note=note, now=now or utcnow())


def tickets_of_sender(
    session: Session, *, sender_id: str, ticket_id: str | None = None, open_only: bool = False
) -> list[Ticket]:
    """A talent's own tickets (never anyone else's), oldest first."""
    query = select(Ticket).where(Ticket.sender_id == sender_id)
    if ticket_id:
        query = query.where(Ticket.id == ticket_id.strip().upper())
    if open_only:
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
    return list(session.scalars(query.order_by(Ticket.created_at)))


def contact_cards(session: Session, *, person: Person) -> frozenset[str]:
    """The green cards of the talents a leader personally keeps in contact with."""
    return frozenset(
        session.scalars(select(ContactPair.card_number).where(ContactPair.person_id == person.id))
    )


def in_scope(person: Person, ticket: Ticket, *, contacts: frozenset[str] = frozenset()) -> bool:
    """Whether a ticket is one the person may see and work on: given to them, of a talent they keep in
    contact with (`contacts`: their cards), or of their level or below in districts and topics they cover."""
    if person.id in (ticket.assignee_id, ticket.escalated_to_id):
        return True
    if ticket.card_number and ticket.card_number in contacts:
        return True
    return ticket.escalation_level <= person.level and covers(
        person, district=ticket.district, topic=ticket.topic
    )


def scope_clause(person: Person, *, contacts: frozenset[str]) -> ColumnElement[bool]:
    """`in_scope` as an SQL condition on tickets, for queries over many of them."""
    covered = [Ticket.escalation_level <= person.level]
    if "all" not in person.districts:
        covered.append(or_(Ticket.district.is_(None), Ticket.district.in_(person.districts)))
    if "all" not in person.topics:
        covered.append(or_(Ticket.topic.is_(None), Ticket.topic.in_(person.topics)))
    given = [Ticket.assignee_id == person.id, Ticket.escalated_to_id == person.id]
    if contacts:
        given.append(Ticket.card_number.in_(contacts))
    return or_(*given, and_(*covered))


def queue_for(session: Session, *, person: Person) -> list[Ticket]:
    """The open tickets in a person's scope, most urgent and oldest first."""
    contacts = contact_cards(session, person=person)
    query = (
        select(Ticket)
        .where(Ticket.status.in_(OPEN_STATUSES), scope_clause(person, contacts=contacts))
        .order_by(Ticket.priority.desc(), Ticket.created_at)
    )
    return list(session.scalars(query))


def queue_view(
    session: Session,
    *,
    person: Person,
    view: str = "district",
    topic: str = "",
    district: str = "",
    status: str = "",
    limit: int = 200,
) -> tuple[list[Ticket], int]:
    """A page of a person's queue, oldest first, and how many tickets the whole view holds. `view`: "mine"
    (given or escalated to them), "unassigned" (open, nobody's), else everything in their scope; empty
    filters match all."""
    contacts = contact_cards(session, person=person)
    conditions = [Ticket.status.in_(OPEN_STATUSES), scope_clause(person, contacts=contacts)]
    if view == "mine":
        conditions.append(or_(Ticket.assignee_id == person.id, Ticket.escalated_to_id == person.id))
    elif view == "unassigned":
        conditions += [Ticket.assignee_id.is_(None), Ticket.status == TicketStatus.OPEN]
    for column, value in ((Ticket.topic, topic), (Ticket.district, district), (Ticket.status, status)):
        if value:
            conditions.append(column == value)
    total = session.scalar(select(func.count()).select_from(Ticket).where(*conditions)) or 0
    page = session.scalars(
        select(Ticket).where(*conditions).order_by(Ticket.created_at, Ticket.id).limit(limit)
    )
    return list(page), total


def queue_version(session: Session, *, person: Person) -> str:
    """A short value that changes whenever a ticket of the person's open queue is added, changed or leaves
    it (their count and latest update): cheap enough to ask every few seconds."""
    is_open = Ticket.status.in_(OPEN_STATUSES)
    in_scope = scope_clause(person, contacts=contact_cards(session, person=person))
    open_count, open_latest, latest = session.execute(
        select(
            func.count().filter(is_open),
            func.max(Ticket.updated_at).filter(is_open),
            func.max(Ticket.updated_at),
        ).where(in_scope)
    ).one()
    return f"{open_count}@{open_latest}@{latest}"


def list_tickets(session: Session, *, statuses: tuple[TicketStatus, ...] = OPEN_STATUSES) -> list[Ticket]:
    return list(
        session.scalars(select(Ticket).where(Ticket.status.in_(statuses)).order_by(Ticket.created_at))
    )


def events_of(session: Session, *, ticket_id: str) -> list[TicketEvent]:
    return list(
        session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        )
    )


def set_question(session: Session, *, ticket_id: str, question: str) -> None:
    """Keep the talent's whole text on a ticket (the assistant read only the beginning of it)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is not None:
        ticket.question = bounded(question)


def breached_first_response(session: Session, *, now: dt.datetime) -> list[Ticket]:
    """Tickets nobody has taken up by their first-response deadline (new, or escalated and untouched)."""
    return list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.status.in_((TicketStatus.OPEN, TicketStatus.ESCALATED)),
                Ticket.first_response_due <= now,
            )
            .order_by(Ticket.first_response_due)
        )
    )


def sla_policy(
    *,
    office_hours: str,
    first_response_hours: float,
    urgent_first_response_hours: float,
    resolution_hours: float,
    warning_share: float = 0.75,
) -> SlaPolicy:
    """The SLA policy for the given office hours and working-hour budgets."""
    return SlaPolicy(
        calendar=WorkingCalendar(office_hours=office_hours),
        first_response=dt.timedelta(hours=first_response_hours),
        urgent_first_response=dt.timedelta(hours=urgent_first_response_hours),
        resolution=dt.timedelta(hours=resolution_hours),
        warning_share=warning_share,
    )


@lru_cache(maxsize=1)
def default_sla() -> SlaPolicy:
    """The SLA policy configured for this deployment (SLA_* settings), on the office hours and holiday
    calendar administrators keep (tickets.office_calendar; OFFICE_HOURS and chinesecalendar until they
    do), followed as they change."""
    settings = get_settings()
    policy = sla_policy(
        office_hours=settings.office_hours,
        first_response_hours=settings.sla_first_response_hours,
        urgent_first_response_hours=settings.sla_urgent_first_response_hours,
        resolution_hours=settings.sla_resolution_hours,
        warning_share=settings.sla_warning_share,
    )
    return replace(policy, calendar=StoredCalendar(default_office_hours=settings.office_hours))


@dataclass(frozen=True)
class SlaClock:
    """Where a ticket stands against its next deadline: which one, when, the working time left (negative
    once breached) and a state people read at a glance."""

    deadline: str  # "first_response" or "resolution"
    due: dt.datetime
    left: dt.timedelta
    state: str  # "ok", "warning" or "breached"


def sla_clock(ticket: Ticket, *, sla: SlaPolicy, now: dt.datetime) -> SlaClock | None:
    """The clock of an open ticket (None once resolved or closed, or without deadlines)."""
    if ticket.status not in OPEN_STATUSES:
        return None
    if ticket.first_responded_at is None and ticket.first_response_due is not None:
        deadline, due, warn_at = "first_response", ticket.first_response_due, ticket.first_response_warn_at
    elif ticket.resolution_due is not None:
        deadline, due = "resolution", ticket.resolution_due
        warn_at = due - (due - ticket.created_at) * (1 - sla.warning_share)
    else:
        return None
    if due <= now:
        return SlaClock(deadline, due, -sla.calendar.between(due, now), "breached")
    state = "warning" if warn_at is not None and warn_at <= now else "ok"
    return SlaClock(deadline, due, sla.calendar.between(now, due), state)
