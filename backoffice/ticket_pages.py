"""The window's pages: the queue (live), a ticket with its conversation and history, and the ticket
actions, through tickets.commands exactly as on Telegram."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from backoffice import audit
from backoffice.accounts import SignedIn
from backoffice.web import page, read_form, render
from frontdesk.clock import utcnow
from frontdesk.database import session_scope
from frontdesk.vocabulary import DISTRICTS, TOPICS
from people import roster
from people.models import Person, Talent
from tickets import callbacks, commands, service
from tickets.commands import Refused, Verb
from tickets.models import Ticket

log = logging.getLogger(__name__)

VIEWS = ("mine", "district", "unassigned")
QUEUE_PAGE = 100  # rows shown; the filters narrow a longer queue
QUEUE_POLL_SECONDS = 2.0
STREAM_SECONDS = 300  # then the browser reconnects (EventSource does it by itself)


def _filters(request: Request) -> dict[str, str]:
    """The queue's filters from the query string, each one of the known values or empty."""
    params = request.query_params
    view = params.get("view", "district")
    statuses = {str(s) for s in service.OPEN_STATUSES}
    return {
        "view": view if view in VIEWS else "district",
        "topic": params.get("topic", "") if params.get("topic", "") in TOPICS else "",
        "district": params.get("district", "") if params.get("district", "") in DISTRICTS else "",
        "status": params.get("status", "") if params.get("status", "") in statuses else "",
    }


def _rows(db: Session, signed: SignedIn, filters: dict[str, str]) -> tuple[list[dict], int]:
    tickets, total = service.queue_view(db, person=signed.person, limit=QUEUE_PAGE, **filters)
    sla, now = service.default_sla(), utcnow()
    names = roster.names_of(db, ids={t.assignee_id for t in tickets if t.assignee_id})
    rows = [
        {
            "ticket": t,
            "clock": service.sla_clock(t, sla=sla, now=now),
            "assignee": names.get(t.assignee_id or ""),
        }
        for t in tickets
    ]
    return rows, total


@page()
async def queue(request: Request, db: Session, signed: SignedIn) -> Response:
    filters = _filters(request)
    fragment = bool(request.headers.get("x-fragment"))
    version = service.queue_version(db, person=signed.person)  # before the rows: a change between is seen
    rows, total = _rows(db, signed, filters)
    return render(
        request,
        "queue_rows.html" if fragment else "queue.html",
        signed=signed,
        version=version,
        rows=rows,
        total=total,
        filters=filters,
        views=VIEWS,
        topics=TOPICS,
        districts=DISTRICTS,
        statuses=[str(s) for s in service.OPEN_STATUSES],
    )


def _signature(person_id: str) -> str:
    """What changes when the person's queue changes: its tickets and their last update."""
    with session_scope() as db:
        person = db.get(Person, person_id)
        if person is None or not person.active:
            return ""
        return service.queue_version(db, person=person)


@page()
async def queue_events(request: Request, db: Session, signed: SignedIn) -> Response:
    """Server-sent events: `queue` whenever the person's queue changes (the page then reloads its rows)."""
    person_id = signed.person.id  # the stream outlives this request's database session
    since = request.query_params.get("since", "")[:200]  # the version the page was rendered with

    async def stream() -> AsyncIterator[str]:
        last = since or await asyncio.to_thread(_signature, person_id)
        yield "retry: 3000\n\n"
        deadline = asyncio.get_running_loop().time() + STREAM_SECONDS
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(QUEUE_POLL_SECONDS)
            if await request.is_disconnected():
                return
            current = await asyncio.to_thread(_signature, person_id)
            if current != last:
                last = current
                yield "event: queue\ndata: changed\n\n"
            else:
                yield ": still here\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


def _ticket_page(
    request: Request,
    db: Session,
    signed: SignedIn,
    ticket: Ticket,
    *,
    refused: str = "",
    callback_number: str = "",
    status_code: int = 200,
) -> Response:
    talent = db.get(Talent, ticket.card_number) if ticket.card_number else None
    events = service.events_of(db, ticket_id=ticket.id)
    people = {ticket.assignee_id, ticket.escalated_to_id, *(event.actor for event in events)}
    names = roster.names_of(db, ids={person_id for person_id in people if person_id})
    return render(
        request,
        "ticket.html",
        signed=signed,
        status_code=status_code,
        ticket=ticket,
        talent=talent,
        events=events,
        names=names,
        callback_masked=callbacks.masked_phone(db, ticket_id=ticket.id),
        callback_number=callback_number,
        clock=service.sla_clock(ticket, sla=service.default_sla(), now=utcnow()),
        verbs=[str(v) for v in commands.allowed(db, ticket=ticket, person=signed.person)],
        text_verbs=[str(v) for v, c in commands.COMMANDS.items() if c.needs_text],
        refused=refused,
        done=request.query_params.get("done", "")
        if request.query_params.get("done", "") in set(Verb)
        else "",
    )


@page()
async def ticket_detail(request: Request, db: Session, signed: SignedIn) -> Response:
    ticket_id = request.path_params["ticket_id"].upper()
    try:
        ticket = commands.visible(db, ticket_id=ticket_id, person=signed.person)
    except Refused as refused:
        status = 404 if refused.reason == "no_such_ticket" else 403
        detail = refused.message(signed.account.language)
        return render(
            request, "error.html", signed=signed, status_code=status, message="refused", detail=detail
        )
    return _ticket_page(request, db, signed, ticket)


@page()
async def ticket_action(request: Request, db: Session, signed: SignedIn) -> Response:
    ticket_id = request.path_params["ticket_id"].upper()
    form = await read_form(request)
    try:
        verb = Verb(str(form.get("verb", "")))
    except ValueError:
        return Response(status_code=400)
    text = str(form.get("text", "")).strip()
    try:
        commands.perform(
            db, verb=verb, ticket_id=ticket_id, person=signed.person, text=text, via="web", now=utcnow()
        )
    except Refused as refused:
        message = refused.message(signed.account.language)
        try:
            ticket = commands.visible(db, ticket_id=ticket_id, person=signed.person)
        except Refused:
            return render(
                request, "error.html", signed=signed, status_code=403, message="refused", detail=message
            )
        return _ticket_page(request, db, signed, ticket, refused=message, status_code=409)
    return RedirectResponse(f"/tickets/{ticket_id}?done={verb}", status_code=303)


@page()
async def callback_number(request: Request, db: Session, signed: SignedIn) -> Response:
    """The whole call-back number a web talent left, for someone who may see the ticket, once per asking;
    who asked is in the audit log (the number never is, nor in any log)."""
    ticket_id = request.path_params["ticket_id"].upper()
    await read_form(request)
    try:
        ticket = commands.visible(db, ticket_id=ticket_id, person=signed.person)
    except Refused as refused:
        status = 404 if refused.reason == "no_such_ticket" else 403
        detail = refused.message(signed.account.language)
        return render(
            request, "error.html", signed=signed, status_code=status, message="refused", detail=detail
        )
    number = callbacks.callback_phone(db, ticket_id=ticket.id, secret=request.app.state.registry_secret)
    if number is None:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    audit.record(db, actor=signed.person.id, action="ticket.callback_number", subject=ticket.id)
    log.info("call-back number of %s shown to %s", ticket.id, signed.person.id)
    return _ticket_page(request, db, signed, ticket, callback_number=number)
