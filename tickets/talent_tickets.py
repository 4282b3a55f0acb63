"""The tickets of the talents a contact leader looks after, as the leader reads them: each talent's open and
recent tickets and what they asked about, and the open needs of all of them by topic. Which talents are a
leader's is people.contacts' to say; these functions take their cards."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from frontdesk.vocabulary import TOPICS
from tickets.models import Ticket
from tickets.service import OPEN_STATUSES

RECENT = dt.timedelta(
    days=180
)  # a resolved or closed ticket is recent while it was last changed this long ago
RECENT_SHOWN = 5  # recent tickets at most per talent


@dataclass
class TalentTickets:
    """One talent's tickets: the open ones oldest first, the recent others latest first, and the topics of
    all of these, most asked first."""

    open: list[Ticket] = field(default_factory=list)
    recent: list[Ticket] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Need:
    """Open tickets of one topic (None: not classified) among a leader's talents, and whose."""

    topic: str | None
    tickets: int
    cards: tuple[str, ...]


def _topic_order(topic: str | None) -> int:
    return TOPICS.index(topic) if topic in TOPICS else len(TOPICS)


def tickets_of_talents(
    session: Session, *, cards: Collection[str], now: dt.datetime, recent_shown: int = RECENT_SHOWN
) -> dict[str, TalentTickets]:
    """Each card's open tickets and, at most `recent_shown`, its recent resolved or closed ones."""
    found: dict[str, TalentTickets] = {card: TalentTickets() for card in cards}
    if not found:
        return found
    tickets = session.scalars(
        select(Ticket)
        .where(
            Ticket.card_number.in_(list(found)),
            or_(Ticket.status.in_(OPEN_STATUSES), Ticket.updated_at >= now - RECENT),
        )
        .order_by(Ticket.created_at, Ticket.id)
    )
    for ticket in tickets:
        assert ticket.card_number is not None  # selected by it
        of_talent = found[ticket.card_number]
        if ticket.status in OPEN_STATUSES:
            of_talent.open.append(ticket)
        else:
            of_talent.recent.append(ticket)
    for of_talent in found.values():
        of_talent.recent = sorted(of_talent.recent, key=lambda t: t.updated_at, reverse=True)[:recent_shown]
        asked = Counter(t.topic for t in of_talent.open + of_talent.recent if t.topic)
        of_talent.topics = sorted(asked, key=lambda topic: (-asked[topic], _topic_order(topic)))
    return found


def open_needs(session: Session, *, cards: Collection[str]) -> list[Need]:
    """The open tickets of these talents by topic: the most tickets first, then in the topics' order."""
    if not cards:
        return []
    rows = session.execute(
        select(Ticket.topic, Ticket.card_number)
        .where(Ticket.card_number.in_(list(cards)), Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.created_at)
    ).all()
    counts: Counter[str | None] = Counter(topic for topic, _ in rows)
    whose: dict[str | None, list[str]] = {}
    for topic, card in rows:
        if card not in whose.setdefault(topic, []):
            whose[topic].append(card)
    return [
        Need(topic, counts[topic], tuple(whose[topic]))
        for topic in sorted(counts, key=lambda topic: (-counts[topic], _topic_order(topic)))
    ]
