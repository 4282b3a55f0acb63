"""Orchestration used by the channels: opening a ticket for a talent with everything known of them, and
binding a messenger account to a green card with the card's holder told through the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy.orm import Session

from frontdesk.clock import format_local, utcnow
from notifications import outbox
from notifications.models import OutboxKind, RecipientKind
from people import registry
from tickets import service
from tickets.models import Priority, Ticket


def open_for_talent(
    session: Session,
    *,
    channel: str,
    sender_id: str,
    question: str,
    reason: str,
    topic: str | None = None,
    district: str | None = None,
    transcript: list[dict[str, Any]] | None = None,
    priority: Priority = Priority.NORMAL,
    message_key: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """A ticket for a talent's question, linked to their green card and district when they are bound,
    with the deployment's SLA deadlines; the staff who cover it are notified through the outbox. The same
    `message_key` (the inbound message) always gives the same ticket."""
    profile = registry.profile_of(session, sender_id=sender_id)
    return service.create_ticket(
        session,
        channel=channel,
        sender_id=sender_id,
        question=question,
        reason=reason,
        sla=service.default_sla(),
        topic=topic,
        district=district or (profile.district if profile else None),
        card_number=profile.card_number if profile else None,
        transcript=transcript,
        priority=priority,
        message_key=message_key,
        now=now,
    )


def tell_holder(
    session: Session, *, holder: str, event: Literal["bound", "attempt", "unbound"], now: dt.datetime
) -> None:
    """Tell the account a green card is bound to what happened to the binding: "bound" (to this
    account), "attempt" (another account tried to bind the card) or "unbound" (by staff)."""
    outbox.queue(
        session,
        kind=OutboxKind.CARD_BINDING,
        ticket_id=None,
        recipient_kind=RecipientKind.TALENT,
        recipient=holder,
        payload={"event": event, "at": format_local(now)},
        now=now,
    )


def bind_card(
    session: Session,
    *,
    sender_id: str,
    card_number: str,
    last4: str,
    secret: str,
    now: dt.datetime | None = None,
) -> registry.BindResult:
    """Bind a messenger account to a green card (people.registry.bind); the account bound to the card
    hears of the binding, or of another account's try."""
    now = now or utcnow()
    result = registry.bind(
        session, sender_id=sender_id, card_number=card_number, last4=last4, secret=secret, now=now
    )
    if result.holder is not None:
        tell_holder(session, holder=result.holder, event="bound" if result.bound else "attempt", now=now)
    return result


def unbind_card(session: Session, *, card_number: str, now: dt.datetime | None = None) -> str | None:
    """Release a green card from its account (staff, for a holder who changed accounts), telling that
    account; its sender id, or None when the card was not bound."""
    holder = registry.unbind(session, card_number=card_number)
    if holder is not None:
        tell_holder(session, holder=holder, event="unbound", now=now or utcnow())
    return holder
