"""Orchestration used by the channels: opening a ticket for a talent with everything known of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

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
