"""Staff and operators' command line: tickets, roster, talent registry and the SLA sweep."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from frontdesk.clock import format_local
from frontdesk.config import get_settings
from frontdesk.database import get_engine, session_scope
from frontdesk.migrate import upgrade_schema
from notifications import outbox
from people import registry, roster
from people.models import Person
from tickets import commands, flows, scheduled, service
from tickets.commands import Verb
from tickets.models import Ticket, TicketStatus

# The command line's verbs for the domain's (`reply --ask` asks the talent).
CLI_VERBS = {
    "claim": Verb.CLAIM,
    "reply": Verb.REPLY,
    "note": Verb.NOTE,
    "escalate": Verb.ESCALATE,
    "handback": Verb.HAND_BACK,
    "resolve": Verb.RESOLVE,
    "reopen": Verb.REOPEN,
}


def _ticket_row(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "status": str(ticket.status),
        "priority": str(ticket.priority),
        "topic": ticket.topic,
        "district": ticket.district,
        "assignee": ticket.assignee_id,
        "escalated_to": ticket.escalated_to_id,
        "escalation_level": ticket.escalation_level,
        "first_response_due": ticket.first_response_due.isoformat() if ticket.first_response_due else None,
        "created_at": ticket.created_at.isoformat(),
        "question": ticket.question,
    }


def _local(moment: dt.datetime | None) -> str:
    return format_local(moment, "%m-%d %H:%M") if moment else "-"


def _print_tickets(tickets: list[Ticket], as_json: bool) -> None:
    if as_json:
        print(json.dumps([_ticket_row(t) for t in tickets], ensure_ascii=False, indent=2))
        return
    for t in tickets:
        handler = t.assignee_id or (f"→{t.escalated_to_id}" if t.escalated_to_id else "-")
        question = t.question.replace("\n", " ")[:40]
        print(
            f"{t.id}  {t.status:<14} {t.priority:<6} {t.district or '-':<6} {t.topic or '-':<18} "
            f"{handler:<16} due {_local(t.first_response_due)}  {question}"
        )
    print(f"{len(tickets)} tickets")


def _list(args: argparse.Namespace, session: Session) -> int:
    if args.person:
        tickets = service.queue_for(session, person=service.get_person(session, person_id=args.person))
    else:
        statuses = tuple(TicketStatus(s) for s in args.status) if args.status else service.OPEN_STATUSES
        tickets = service.list_tickets(session, statuses=statuses)
    _print_tickets(tickets, args.json)
    failed = outbox.flagged(session)
    if failed and not args.json:
        print(
            f"{len(failed)} notifications could not be delivered; follow them up: "
            + ", ".join(f"{m.kind} for {m.ticket_id or m.recipient}" for m in failed[:10])
        )
    return 0


def _show(args: argparse.Namespace, session: Session) -> int:
    ticket = service.get_ticket(session, ticket_id=args.ticket)
    events = service.events_of(session, ticket_id=ticket.id)
    if args.json:
        row = _ticket_row(ticket) | {
            "transcript": ticket.transcript,
            "events": [
                {
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "action": e.action,
                    "before": e.before,
                    "after": e.after,
                    "note": e.note,
                    "via": e.via,
                }
                for e in events
            ],
        }
        print(json.dumps(row, ensure_ascii=False, indent=2))
        return 0
    due = ticket.first_response_due
    shown = _ticket_row(ticket) | {
        "first_response_due": format_local(due) if due else None,
        "created_at": format_local(ticket.created_at),
    }
    for key, value in shown.items():
        print(f"{key:>18}: {value}")
    print("conversation:")
    for turn in ticket.transcript:
        print(f"  {turn.get('who')}: {turn.get('text')}")
    print("history:")
    for e in events:
        print(
            f"  {_local(e.at)}  {e.actor:<16} {e.action:<13} "
            f"{e.before.get('status', '-')}→{e.after.get('status')}  {e.note}"
        )
    return 0


def _act(args: argparse.Namespace, session: Session) -> int:
    verb = Verb.ASK_TALENT if args.verb == "reply" and args.ask else CLI_VERBS[args.verb]
    person = session.get(Person, args.person)
    try:
        ticket = commands.perform(
            session, verb=verb, ticket_id=args.ticket.upper(), person=person, text=args.text or "", via="cli"
        )
    except commands.Refused as refused:
        session.rollback()
        print(f"refused: {refused.message('en')}", file=sys.stderr)
        return 2
    print(
        json.dumps(_ticket_row(ticket), ensure_ascii=False) if args.json else f"{ticket.id}: {ticket.status}"
    )
    return 0


def _roster(args: argparse.Namespace, session: Session) -> int:
    if args.roster_verb == "import":
        fmt: Literal["csv", "yaml"] = "csv" if args.file.suffix.lower() == ".csv" else "yaml"
        report = roster.import_roster(session, text=args.file.read_text(encoding="utf-8"), fmt=fmt)
        for problem in report.problems:
            print(f"skipped: {problem}", file=sys.stderr)
        print(f"{report.imported} people imported, {len(report.problems)} problems")
        return 1 if report.problems else 0
    people = roster.list_people(session)
    if args.json:
        print(json.dumps([_person_row(p) for p in people], ensure_ascii=False, indent=2))
    for p in [] if args.json else people:
        print(
            f"L{p.level} {p.id:<16} {p.name:<8} {p.role:<8} {','.join(p.districts):<20} "
            f"{','.join(p.topics):<20} {'active' if p.active else 'inactive'}"
        )
    return 0


def _person_row(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "role": str(person.role),
        "level": person.level,
        "districts": person.districts,
        "topics": person.topics,
        "telegram_user_id": person.telegram_user_id,
        "active": person.active,
        "away_until": person.away_until.isoformat() if person.away_until else None,
    }


def _registry(args: argparse.Namespace, session: Session) -> int:
    if args.registry_verb == "unbind":
        holder = flows.unbind_card(session, card_number=args.card)
        print(f"{args.card} unbound from {holder}" if holder else f"{args.card} is not bound")
        return 0 if holder else 1
    secret = get_settings().registry_secret.get_secret_value()
    report = registry.import_csv(session, text=args.file.read_text(encoding="utf-8"), secret=secret)
    for problem in report.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    print(f"{report.imported} talents added, {report.updated} updated, {len(report.problems)} problems")
    return 1 if report.problems else 0


def _sweep(args: argparse.Namespace, session: Session) -> int:
    report = scheduled.sweep(session, sla=service.default_sla())
    summary = {
        "escalated": report.escalated,
        "warned": report.warned,
        "at_top": report.at_top,
        "digests": report.digests,
    }
    print(
        json.dumps(summary, ensure_ascii=False)
        if args.json
        else f"{len(report.escalated)} escalated, {len(report.warned)} warned, "
        f"{len(report.at_top)} at the top, {report.digests} digests queued"
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tickets", description=__doc__)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    verbs = parser.add_subparsers(dest="verb", required=True)

    def verb(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    sub = verb("list", _list, "open tickets (or a person's queue with --person)")
    sub.add_argument("--status", action="append", choices=[s.value for s in TicketStatus])
    sub.add_argument("--person", help="show this roster person's queue")
    sub = verb("show", _show, "a ticket with its conversation and history")
    sub.add_argument("ticket")
    for name, help_text, text in (
        ("claim", "take a ticket", None),
        ("reply", "answer the talent", "the answer"),
        ("note", "add an internal note", "the note"),
        ("escalate", "hand a ticket up the ladder", "why"),
        ("handback", "return an escalated ticket to the window staff (the leader it reached)", "why"),
        ("resolve", "mark a ticket resolved", "what was done"),
        ("reopen", "reopen a resolved or closed ticket", "why"),
    ):
        sub = verb(name, _act, help_text)
        sub.add_argument("ticket")
        sub.add_argument("--person", required=True, help="roster id of who acts")
        if text:
            sub.add_argument(
                "text",
                nargs="?" if name in {"escalate", "handback", "resolve", "reopen"} else None,
                help=text,
            )
        else:
            sub.set_defaults(text=None)
        if name == "reply":
            sub.add_argument("--ask", action="store_true", help="the answer asks the talent for something")
        else:
            sub.set_defaults(ask=False)
    sub = verb("roster", _roster, "import or list the roster")
    roster_verbs = sub.add_subparsers(dest="roster_verb", required=True)
    roster_verbs.add_parser("import", help="from a .yml/.yaml or .csv file").add_argument("file", type=Path)
    roster_verbs.add_parser("list", help="everyone on the roster")
    sub = verb("registry", _registry, "import green-card holders from CSV, or release a card's binding")
    registry_verbs = sub.add_subparsers(dest="registry_verb", required=True)
    registry_verbs.add_parser("import", help="columns: card_number,name,tier,district,phone").add_argument(
        "file", type=Path
    )
    registry_verbs.add_parser(
        "unbind", help="release a card from its messenger account (the account is told), to be bound anew"
    ).add_argument("card")
    verb("sweep", _sweep, "escalate overdue tickets and send SLA warnings now")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    upgrade_schema(get_engine())
    try:
        with session_scope() as session:
            code = args.handler(args, session)
    except (service.TicketError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(code)
