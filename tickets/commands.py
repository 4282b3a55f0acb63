"""Every ticket verb a person can use, who may use it, and one `perform` that checks and does it.

Channels (Telegram, the CLI, the web back office) call `perform`, `refusal` or `allowed` and show a
`Refused`'s `message(language)`; none of them reads the status table or checks a role itself.

Who may act on a ticket: an active roster person whose scope holds it (`service.in_scope`): its
assignee, the person it was escalated to, a leader who personally keeps in contact with its talent,
or someone of its escalation level or above covering its district and topic. Handing back is for the
leader it was escalated to alone.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from frontdesk.templating import message_environment
from people.models import Person, Role
from tickets import service
from tickets.models import Ticket, TicketEvent, TicketStatus


class Verb(enum.StrEnum):
    CLAIM = "claim"
    REPLY = "reply"
    ASK_TALENT = "ask_talent"
    NOTE = "note"
    ESCALATE = "escalate"
    HAND_BACK = "hand_back"
    RESOLVE = "resolve"
    REOPEN = "reopen"


class Reason(enum.StrEnum):
    """Why a command was refused."""

    NO_SUCH_TICKET = "no_such_ticket"
    NOT_ON_ROSTER = "not_on_roster"
    LEADERS_ONLY = "leaders_only"
    NOT_ESCALATED_TO_YOU = "not_escalated_to_you"
    OUT_OF_SCOPE = "out_of_scope"
    WRONG_STATE = "wrong_state"
    TAKEN = "taken"
    TOP_OF_LADDER = "top_of_ladder"
    TEXT_REQUIRED = "text_required"


@dataclass(frozen=True)
class Command:
    """A verb and who may use it."""

    verb: Verb
    needs_text: bool = False
    leaders_only: bool = False
    escalated_to_them: bool = False  # only the person the ticket was escalated to


COMMANDS: dict[Verb, Command] = {
    command.verb: command
    for command in (
        Command(Verb.CLAIM),
        Command(Verb.REPLY, needs_text=True),
        Command(Verb.ASK_TALENT, needs_text=True),
        Command(Verb.NOTE, needs_text=True),
        Command(Verb.ESCALATE),
        Command(Verb.HAND_BACK, leaders_only=True, escalated_to_them=True),
        Command(Verb.RESOLVE),
        Command(Verb.REOPEN),
    )
}


class Refused(Exception):
    """A command that may not or cannot be carried out, and why, in the person's language."""

    def __init__(
        self,
        reason: Reason,
        *,
        verb: Verb,
        ticket_id: str,
        status: TicketStatus | None = None,
        holder: str | None = None,
        level: int | None = None,
    ) -> None:
        super().__init__(f"{verb} {ticket_id}: {reason}")
        self.reason, self.verb, self.ticket_id = reason, verb, ticket_id
        self.status, self.holder, self.level = status, holder, level

    def message(self, language: str = "zh") -> str:
        return (
            _templates()
            .get_template(f"refused.{language}.j2")
            .render(
                reason=str(self.reason),
                verb=str(self.verb),
                ticket_id=self.ticket_id,
                status=str(self.status) if self.status else "",
                holder=self.holder or "",
                level=self.level,
            )
            .strip()
        )


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return message_environment(Path(__file__).parent / "templates")


def possible_now(ticket: Ticket) -> list[Verb]:
    """The verbs the ticket's status allows, whoever acts."""
    return [verb for verb in Verb if ticket.status in service.TRANSITIONS[verb][0]]


def refusal(
    person: Person | None,
    ticket: Ticket | None,
    verb: Verb,
    *,
    ticket_id: str,
    text: str | None = None,
    contacts: frozenset[str] = frozenset(),
) -> Refused | None:
    """Why `person` may not use `verb` on `ticket` now, or None when they may; `text=None` leaves the
    text a verb needs to be asked for later."""
    if ticket is None:
        return Refused(Reason.NO_SUCH_TICKET, verb=verb, ticket_id=ticket_id)
    command = COMMANDS[verb]
    if person is None or not person.active:
        reason = Reason.NOT_ON_ROSTER
    elif command.leaders_only and person.role is not Role.LEADER:
        reason = Reason.LEADERS_ONLY
    elif command.escalated_to_them and ticket.escalated_to_id != person.id:
        reason = Reason.NOT_ESCALATED_TO_YOU
    elif not service.in_scope(person, ticket, contacts=contacts):
        reason = Reason.OUT_OF_SCOPE
    elif ticket.status not in service.TRANSITIONS[verb][0]:
        taken = verb is Verb.CLAIM and ticket.assignee_id is not None
        reason = Reason.TAKEN if taken else Reason.WRONG_STATE
    elif command.needs_text and text is not None and not text.strip():
        reason = Reason.TEXT_REQUIRED
    else:
        return None
    return Refused(reason, verb=verb, ticket_id=ticket.id, status=ticket.status, holder=ticket.assignee_id)


def check(
    session: Session, *, verb: Verb, ticket_id: str, person: Person | None, text: str | None = None
) -> Ticket:
    """The ticket, when `person` may use `verb` on it now; else raises Refused."""
    ticket = session.get(Ticket, ticket_id)
    contacts = service.contact_cards(session, person=person) if person is not None else frozenset()
    refused = refusal(person, ticket, verb, ticket_id=ticket_id, text=text, contacts=contacts)
    if refused is not None:
        raise _with_names(session, refused)
    assert ticket is not None
    return ticket


def visible(session: Session, *, ticket_id: str, person: Person | None) -> Ticket:
    """A ticket the person may read (its details and the talent's), else raises Refused."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise Refused(Reason.NO_SUCH_TICKET, verb=Verb.NOTE, ticket_id=ticket_id)
    if person is None or not person.active:
        raise Refused(Reason.NOT_ON_ROSTER, verb=Verb.NOTE, ticket_id=ticket_id)
    if not service.in_scope(person, ticket, contacts=service.contact_cards(session, person=person)):
        raise Refused(Reason.OUT_OF_SCOPE, verb=Verb.NOTE, ticket_id=ticket_id)
    return ticket


def allowed(session: Session, *, ticket: Ticket, person: Person) -> list[Verb]:
    """The verbs the person may use on the ticket now."""
    contacts = service.contact_cards(session, person=person)
    return [
        verb for verb in Verb if refusal(person, ticket, verb, ticket_id=ticket.id, contacts=contacts) is None
    ]


def perform(
    session: Session,
    *,
    verb: Verb,
    ticket_id: str,
    person: Person | None,
    text: str = "",
    via: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Check that `person` may use `verb` on the ticket now, then do it (in the caller's transaction);
    the audit trail records `via` (telegram, web, cli) with what they did."""
    ticket = check(session, verb=verb, ticket_id=ticket_id, person=person, text=text)
    assert person is not None
    try:
        last_event = session.scalar(
            select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id)
        )
        done = _do(session, verb=verb, ticket=ticket, person=person, text=text, now=now)
        session.flush()
        session.execute(
            update(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.id > (last_event or 0))
            .values(via=via)
        )
        return done
    except service.TicketError as error:
        session.rollback()
        current = session.get(Ticket, ticket_id)
        status = current.status if current else None
        if verb is Verb.CLAIM:
            holder = current.assignee_id if current else None
            refused = Refused(Reason.TAKEN, verb=verb, ticket_id=ticket_id, holder=holder)
            raise _with_names(session, refused) from error
        if verb is Verb.ESCALATE and not isinstance(error, service.InvalidTransition):
            level = current.escalation_level if current else None
            raise Refused(Reason.TOP_OF_LADDER, verb=verb, ticket_id=ticket_id, level=level) from error
        raise Refused(Reason.WRONG_STATE, verb=verb, ticket_id=ticket_id, status=status) from error


def _with_names(session: Session, refused: Refused) -> Refused:
    """The refusal with the name of the person holding the ticket instead of their roster id."""
    holder = session.get(Person, refused.holder) if refused.holder else None
    if holder is not None:
        refused.holder = holder.name
    return refused


def _do(
    session: Session, *, verb: Verb, ticket: Ticket, person: Person, text: str, now: dt.datetime | None
) -> Ticket:
    ticket_id, actor = ticket.id, person.id
    if verb is Verb.CLAIM:
        return service.claim(session, ticket_id=ticket_id, person_id=actor, now=now)
    if verb in (Verb.REPLY, Verb.ASK_TALENT):
        ask = verb is Verb.ASK_TALENT
        return service.reply(
            session, ticket_id=ticket_id, person_id=actor, text=text, ask_talent=ask, now=now
        )
    if verb is Verb.NOTE:
        return service.add_note(session, ticket_id=ticket_id, person_id=actor, text=text, now=now)
    if verb is Verb.ESCALATE:
        sla, roster = service.default_sla(), service.RosterView.load(session)
        reason = text or "人工上报"
        return service.escalate(
            session, ticket_id=ticket_id, actor=actor, reason=reason, sla=sla, roster=roster, now=now
        )
    if verb is Verb.HAND_BACK:
        return service.hand_back(session, ticket_id=ticket_id, person_id=actor, note=text, now=now)
    if verb is Verb.RESOLVE:
        return service.resolve(session, ticket_id=ticket_id, actor=actor, note=text, now=now)
    return service.reopen(session, ticket_id=ticket_id, actor=actor, note=text, now=now)
