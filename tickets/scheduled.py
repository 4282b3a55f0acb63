"""Timers of the ticket store and the contact leaders. The sweeps are idempotent and keep no state of their
own: deadlines are stored on the tickets, contacts and follow-up days on the contact records, so they can
run every minute and after any restart."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.clock import LOCAL_TZ, utcnow
from notifications import outbox
from notifications.models import STAFF_GROUP, OutboxKind, OutboxMessage, RecipientKind
from people import contacts
from people.models import Talent
from tickets import service
from tickets.models import Ticket, TicketStatus

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    escalated: list[str] = field(default_factory=list)
    at_top: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    digests: int = 0


def sweep(session: Session, *, sla: service.SlaPolicy, now: dt.datetime | None = None) -> SweepReport:
    """Escalate tickets past their first-response deadline, warn those close to it, and queue the
    daily digest of tickets stuck at the top of the ladder."""
    now = now or utcnow()
    report = SweepReport()
    roster = service.RosterView.load(session)
    for ticket in service.breached_first_response(session, now=now):
        try:
            service.escalate(
                session,
                ticket_id=ticket.id,
                actor="sla-sweep",
                reason="first response overdue",
                sla=sla,
                roster=roster,
                now=now,
            )
            report.escalated.append(ticket.id)
        except service.TicketError:
            report.at_top.append(ticket.id)
    report.warned = _warn(session, now=now)
    report.digests = _digest(session, ticket_ids=report.at_top, now=now)
    if report.escalated or report.warned or report.digests:
        log.info(
            "sweep: %d escalated, %d warned, %d at the top, %d digests",
            len(report.escalated),
            len(report.warned),
            len(report.at_top),
            report.digests,
        )
    return report


def _warn(session: Session, *, now: dt.datetime) -> list[str]:
    """Tell whom a ticket waits on when most of its first-response time has passed (once per deadline)."""
    due = session.scalars(
        select(Ticket).where(
            Ticket.status.in_((TicketStatus.OPEN, TicketStatus.ESCALATED)),
            Ticket.sla_warned_at.is_(None),
            Ticket.first_response_warn_at <= now,
            Ticket.first_response_due > now,
        )
    )
    warned = []
    for ticket in due:
        ticket.sla_warned_at = now
        # whom it waits on: the leader while escalated (not after a hand-back), else the window staff
        leader = ticket.escalated_to_id if ticket.status is TicketStatus.ESCALATED else None
        deadline = ticket.first_response_due
        assert deadline is not None  # the query selects by it
        service.notify(
            session,
            kind=OutboxKind.SLA_WARNING,
            ticket=ticket,
            recipient_kind=RecipientKind.PERSON if leader else RecipientKind.STAFF_GROUP,
            recipient=leader or STAFF_GROUP,
            payload={"ticket_id": ticket.id, "due": deadline.isoformat()},
            now=now,
        )
        warned.append(ticket.id)
    return warned


def _digest(session: Session, *, ticket_ids: list[str], now: dt.datetime) -> int:
    """One message a day to each top-level person with the overdue tickets waiting on them."""
    by_person: dict[str, list[str]] = {}
    for ticket_id in ticket_ids:
        ticket = session.get(Ticket, ticket_id)
        if ticket is not None and ticket.escalated_to_id:
            by_person.setdefault(ticket.escalated_to_id, []).append(ticket_id)
    day = now.astimezone(LOCAL_TZ).date().isoformat()
    queued = 0
    for person_id, ids in by_person.items():
        key = f"digest:{person_id}:{day}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is None:
            service.notify(
                session,
                kind=OutboxKind.DIGEST,
                ticket=None,
                recipient_kind=RecipientKind.PERSON,
                recipient=person_id,
                payload={"day": day, "ticket_ids": sorted(ids)},
                now=now,
                dedup_key=key,
            )
            queued += 1
    return queued


def remind_contact_leaders(session: Session, *, every_days: int, now: dt.datetime | None = None) -> int:
    """Tell each contact leader, through the outbox, of every talent of theirs due for a contact today
    (people.contacts.due_contacts): once per talent, reason and due day, however many sweeps run, one after
    the other or at the same moment. Returns how many reminders were queued."""
    now = now or utcnow()
    due = contacts.due_contacts(session, today=now.astimezone(LOCAL_TZ).date(), every_days=every_days)
    by_key = {_reminder_key(item): item for item in due}
    if not by_key:
        return 0
    taken = set(session.scalars(select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(by_key))))
    cards = {item.card_number for item in due}
    talents = {t.card_number: t for t in session.scalars(select(Talent).where(Talent.card_number.in_(cards)))}
    queued = 0
    for key, item in by_key.items():
        if key in taken:
            continue
        talent = talents[item.card_number]
        queued += (
            outbox.queue_once(
                session,
                kind=OutboxKind.CONTACT_REMINDER,
                recipient_kind=RecipientKind.PERSON,
                recipient=item.person_id,
                payload={
                    "reason": item.reason,
                    "talent": talent.name,
                    "tier": talent.tier,
                    "district": talent.district,
                    "card": f"{talent.card_number[:2]}••••{talent.card_number[-2:]}",
                    "due_on": item.due_on.isoformat(),
                    "last_contact_on": item.last_contact_on.isoformat() if item.last_contact_on else None,
                    "follow_up_on": item.follow_up_on.isoformat() if item.follow_up_on else None,
                    "every_days": every_days,
                },
                now=now,
                dedup_key=key,
            )
            is not None
        )
    if queued:
        log.info("contact reminders: %d queued", queued)
    return queued


def _reminder_key(item: contacts.Due) -> str:
    return f"contact:{item.reason}:{item.person_id}:{item.card_number}:{item.due_on.isoformat()}"
