"""The web chat's records: the messages of a conversation (written as they are said, read for history
and polling) and the answers one may vote on. (The call-back phone on a ticket: tickets/callbacks.py.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from frontdesk.contract import PayloadType
from webchat.models import WebchatMessage, Who

PAGE = 500  # messages at most in one answer to a poll


@dataclass(frozen=True)
class Said:
    """A message to keep, as the page will show it."""

    who: Who
    text: str
    buttons: list[dict[str, str]]
    custom: dict[str, Any] | None = None


def add_messages(
    session: Session, *, sender_id: str, said: list[Said], now: dt.datetime | None = None
) -> list[WebchatMessage]:
    """Keep `said` in the conversation of `sender_id`, in order."""
    now = now or utcnow()
    rows = [
        WebchatMessage(
            sender_id=sender_id,
            who=item.who,
            text=item.text,
            buttons=item.buttons,
            custom=item.custom,
            at=now,
        )
        for item in said
    ]
    session.add_all(rows)
    session.flush()
    return rows


def add_delivered(
    session: Session, *, sender_id: str, outbox_id: int, said: Said, now: dt.datetime | None = None
) -> WebchatMessage:
    """Keep a notification delivered from the outbox (once per outbox row: the column is unique)."""
    row = WebchatMessage(
        sender_id=sender_id,
        who=said.who,
        text=said.text,
        buttons=said.buttons,
        custom=said.custom,
        outbox_id=outbox_id,
        at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def messages_after(session: Session, *, sender_id: str, after: int) -> list[WebchatMessage]:
    """The conversation's messages after id `after` (0: from the start), oldest first."""
    return list(
        session.scalars(
            select(WebchatMessage)
            .where(WebchatMessage.sender_id == sender_id, WebchatMessage.id > after)
            .order_by(WebchatMessage.id)
            .limit(PAGE)
        )
    )


def last_typed(session: Session, *, sender_id: str, within: int = 50) -> str | None:
    """What the talent typed last (for "ask it as a new question"), among their last `within` messages;
    their button presses carry a custom payload, typed text none."""
    rows = session.scalars(
        select(WebchatMessage)
        .where(WebchatMessage.sender_id == sender_id, WebchatMessage.who == Who.TALENT)
        .order_by(WebchatMessage.id.desc())
        .limit(within)
    )
    return next((row.text for row in rows if row.custom is None), None)


def is_votable(custom: dict[str, Any] | None) -> bool:
    """An answer from the knowledge base, naming its article and version."""
    return bool(
        custom
        and custom.get("type") == PayloadType.KB_ANSWER
        and custom.get("article_id")
        and isinstance(custom.get("version"), int)
    )


def votable_message(session: Session, *, sender_id: str, message_id: int) -> WebchatMessage | None:
    """The conversation's own message `message_id`, if it is an answer one can vote on."""
    row = session.get(WebchatMessage, message_id)
    if row is None or row.sender_id != sender_id or not is_votable(row.custom):
        return None
    return row
