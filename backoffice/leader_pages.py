"""The contact leaders' workspace (区、县领导联系专家人才): the talents a leader personally looks after, each
with their tickets and the leader's contacts, "record a contact", and the open needs of those talents by
topic. Only the signed-in leader's own talents: any other card is "no such page" on every route."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backoffice.accounts import SignedIn
from backoffice.permissions import Capability
from backoffice.web import page, read_form, render
from frontdesk.clock import local_today, utcnow
from frontdesk.config import get_settings
from people import contacts, roster
from people.models import MAX_CONTACT_NOTE_CHARS, ContactKind, Talent
from tickets import talent_tickets

CONTACT_PAGE_TICKETS = 20  # recent tickets on a talent's page
# which form field each problem belongs to (the field is marked invalid and names the message)
PROBLEM_FIELDS = {
    contacts.Problem.KIND_MISSING: "kind",
    contacts.Problem.NOTE_TOO_LONG: "note",
    contacts.Problem.NOTE_HAS_PHONE: "note",
    contacts.Problem.CONTACTED_IN_FUTURE: "contacted_on",
    contacts.Problem.FOLLOW_UP_IN_PAST: "follow_up_on",
    contacts.Problem.FOLLOW_UP_BEFORE_CONTACT: "follow_up_on",
    "contacted_on_invalid": "contacted_on",
    "follow_up_invalid": "follow_up_on",
}


def _every_days() -> int:
    return get_settings().contact_reminder_days


def _not_yours(request: Request, signed: SignedIn) -> Response:
    """Another leader's talent, or no such card: the same answer, so neither can be told apart."""
    return render(request, "error.html", signed=signed, status_code=404, message="not_found")


@page(Capability.LOOK_AFTER_TALENTS)
async def workspace(request: Request, db: Session, signed: SignedIn) -> Response:
    """The leader's talents, and their open needs by topic."""
    me, today, every_days = signed.person.id, local_today(), _every_days()
    talents = contacts.talents_of(db, person_id=me)
    cards = [talent.card_number for talent in talents]
    tickets = talent_tickets.tickets_of_talents(db, cards=cards, now=utcnow())
    latest = contacts.latest_contacts(db, person_id=me)
    paired = contacts.pairings_of(db, person_id=me)
    rows = []
    for talent in talents:
        last = latest.get((me, talent.card_number))
        next_on, why = contacts.next_contact(
            latest=last, paired_on=paired[talent.card_number], every_days=every_days
        )
        rows.append(
            {
                "talent": talent,
                "tickets": tickets[talent.card_number],
                "last": last,
                "next_on": next_on,
                "why": why,
                "due": next_on <= today,
            }
        )
    return render(
        request,
        "leaders.html",
        signed=signed,
        rows=rows,
        needs=talent_tickets.open_needs(db, cards=cards),
        by_card={talent.card_number: talent for talent in talents},
        every_days=every_days,
    )


def _talent_page(
    request: Request,
    db: Session,
    signed: SignedIn,
    talent: Talent,
    *,
    problems: list[str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    me, today, every_days = signed.person.id, local_today(), _every_days()
    card = talent.card_number
    records = contacts.history(db, person_id=me, card_number=card)
    paired_on = contacts.pairings_of(db, person_id=me)[card]
    next_on, why = contacts.next_contact(
        latest=records[0] if records else None, paired_on=paired_on, every_days=every_days
    )
    tickets = talent_tickets.tickets_of_talents(
        db, cards=[card], now=utcnow(), recent_shown=CONTACT_PAGE_TICKETS
    )[card]
    problems = problems or []
    return render(
        request,
        "leader_talent.html",
        signed=signed,
        status_code=status_code,
        talent=talent,
        paired_on=paired_on,
        records=records,
        names=roster.names_of(db, ids={record.recorded_by for record in records}),
        tickets=tickets,
        next_on=next_on,
        why=why,
        due=next_on <= today,
        every_days=every_days,
        kinds=[str(kind) for kind in ContactKind],
        max_note=MAX_CONTACT_NOTE_CHARS,
        today=today.isoformat(),
        problems=problems,
        invalid={PROBLEM_FIELDS[problem] for problem in problems},
        form=form or {"kind": "", "note": "", "contacted_on": today.isoformat(), "follow_up_on": ""},
        done=request.query_params.get("done", "") == "recorded",
    )


@page(Capability.LOOK_AFTER_TALENTS)
async def talent_detail(request: Request, db: Session, signed: SignedIn) -> Response:
    """One talent of the leader's: who, their tickets, the contact history, and "record a contact"."""
    try:
        talent = contacts.talent_of(db, person_id=signed.person.id, card_number=request.path_params["card"])
    except contacts.NotPaired:
        return _not_yours(request, signed)
    return _talent_page(request, db, signed, talent)


def _day(text: str) -> dt.date:
    """A day as a date field sends it (YYYY-MM-DD); ValueError otherwise."""
    if len(text) != 10:
        raise ValueError(text)
    return dt.date.fromisoformat(text)


@page(Capability.LOOK_AFTER_TALENTS)
async def record_contact(request: Request, db: Session, signed: SignedIn) -> Response:
    """Record a contact with one of the leader's talents, whole or not at all; every problem of the form
    is shown with what was typed, and nothing is saved then."""
    try:
        talent = contacts.talent_of(db, person_id=signed.person.id, card_number=request.path_params["card"])
    except contacts.NotPaired:
        return _not_yours(request, signed)
    posted = await read_form(request)
    form = {
        name: str(posted.get(name, "")).strip() for name in ("kind", "note", "contacted_on", "follow_up_on")
    }
    today = local_today()
    problems: list[str] = []
    try:
        contacted_on = _day(form["contacted_on"]) if form["contacted_on"] else today
    except ValueError:
        contacted_on = today
        problems.append("contacted_on_invalid")
    try:
        follow_up_on = _day(form["follow_up_on"]) if form["follow_up_on"] else None
    except ValueError:
        follow_up_on = None
        problems.append("follow_up_invalid")
    if problems:
        problems += contacts.problems_with(
            kind=form["kind"],
            note=form["note"],
            contacted_on=contacted_on,
            follow_up_on=follow_up_on,
            today=today,
        )
    else:
        try:
            contacts.record_contact(
                db,
                person_id=signed.person.id,
                card_number=talent.card_number,
                kind=form["kind"],
                note=form["note"],
                contacted_on=contacted_on,
                follow_up_on=follow_up_on,
                recorded_by=signed.person.id,
                today=today,
            )
        except contacts.ContactError as error:
            problems = error.problems
    if problems:
        return _talent_page(request, db, signed, talent, problems=problems, form=form, status_code=422)
    return RedirectResponse(f"/leaders/talents/{talent.card_number}?done=recorded", status_code=303)
