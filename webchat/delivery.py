"""The outbox drained to the web chat: notifications for talents whose sender id is "web:…" (staff replies,
ticket news, policy-change notices), rendered as plain text in the talent's language from
templates/notifications and written into their conversation, where the page's polling finds them.

Each round claims due rows for web talents only (notifications.outbox.due with talents_only; PostgreSQL's
SKIP LOCKED keeps two web-chat processes off the same row), and writes each row's message and marks it
delivered in one transaction: a crash before the commit leaves both undone, so a row is shown exactly once
(the message's outbox id is unique besides). A row without a template for its kind is flagged, and the
staff group told, as the Telegram deliverer does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, UndefinedError
from sqlalchemy.orm import Session

from bot.flows import chosen_language
from feedback import service as feedback
from frontdesk.clock import format_local, utcnow
from frontdesk.config import Settings
from frontdesk.contract import PayloadType
from frontdesk.database import session_scope
from frontdesk.payloads import sign
from frontdesk.text import detect_language
from notifications import outbox
from notifications.models import OutboxKind, OutboxMessage
from tickets.models import Ticket
from webchat import service
from webchat.models import Who
from webchat.sessions import CHANNEL

log = logging.getLogger(__name__)

TALENT_PREFIX = f"{CHANNEL}:"
BATCH = 50


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """Plain-text templates: the page shows messages as text (it escapes them), so nothing is escaped here."""
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates" / "notifications"),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["local_time"] = format_local
    return environment


def render(name: str, language: str, **values: Any) -> str:
    return _environment().get_template(f"{name}.{language}.j2").render(**values).strip()


def _language(session: Session, row: OutboxMessage, ticket: Ticket | None) -> str:
    """The language the payload names (a policy-change notice), else the talent's choice, else that of the
    ticket's question."""
    named = row.payload.get("language")
    if named in ("zh", "en"):
        return str(named)
    chosen = chosen_language(session, sender_id=row.recipient)
    if chosen is not None:
        return chosen
    return detect_language(ticket.question) if ticket else "zh"


def as_message(session: Session, row: OutboxMessage, settings: Settings) -> service.Said:
    """The row as a message of the conversation (TemplateNotFound for a kind the web chat does not show)."""
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    language = _language(session, row, ticket)
    values = {key: value for key, value in row.payload.items() if key != "language"}
    text = render(row.kind, language, window_phone=settings.window_phone, **values)
    if row.kind == OutboxKind.POLICY_CHANGED:
        see = {
            "title": render("see_new_answer", language),
            "payload": sign(f"/ask_{values['topic']}" + json.dumps({"kb_article": values["article_id"]})),
        }
        return service.Said(Who.SYSTEM, text, [see], {"type": "policy_changed", **values})
    custom = {"type": PayloadType.TICKET, "ticket_id": row.ticket_id, "status": values.get("status")}
    if row.kind == OutboxKind.RESOLVED and ticket is not None:  # 1–5 asked, as Telegram does
        custom["rate"] = feedback.rating_of(session, ticket_id=ticket.id) is None
    return service.Said(Who.STAFF if row.kind == OutboxKind.REPLIED else Who.SYSTEM, text, [], custom)


def deliver_due(settings: Settings, *, limit: int = BATCH) -> int:
    """Write every due notification for web talents into their conversations; how many were taken."""
    now = utcnow()
    with session_scope() as session:
        rows = outbox.due(session, now=now, limit=limit, talents_of=TALENT_PREFIX, talents_only=True)
        for row in rows:
            try:
                said = as_message(session, row, settings)
            except (TemplateNotFound, UndefinedError, KeyError) as exc:
                log.error("outbox %d (%s) cannot be shown in the web chat: %r", row.id, row.kind, exc)
                outbox.mark_failed(
                    session, message=row, error=f"cannot be rendered: {exc!r}", max_attempts=1, permanent=True
                )
                outbox.alert_staff(session, message=row, recipient_label=row.recipient, now=now)
                continue
            service.add_delivered(session, sender_id=row.recipient, outbox_id=row.id, said=said, now=now)
            outbox.mark_delivered(session, message=row, now=now)
        return len(rows)


async def run(settings: Settings, *, stop: asyncio.Event) -> None:
    """Deliver every OUTBOX_POLL_SECONDS until `stop` is set; a failed round is logged and tried again."""
    while not stop.is_set():
        try:
            taken = await asyncio.to_thread(deliver_due, settings)
        except Exception as exc:  # the database down: the rows wait for the next round
            log.error("web-chat delivery round failed (%s)", type(exc).__name__)
            taken = 0
        if taken < BATCH:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.outbox_poll_seconds)
