"""Talents' feedback: a vote on an answer (one per talent and answered message, a second press changes it),
a 1–5 rating of a resolved ticket (once, by its own talent, also in the ticket's audit trail), and the
counts the analytics read: votes per article version and overall, satisfaction per district (满意率)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from feedback.models import HIGHEST_SCORE, LOWEST_SCORE, SATISFIED_FROM, AnswerVote, TicketRating
from frontdesk.clock import utcnow
from tickets import service as ticket_service
from tickets.models import Ticket, TicketStatus

RATED = "rated"  # the ticket event of a rating
RATEABLE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class Voted(enum.StrEnum):
    RECORDED = "recorded"  # a first vote on the message
    CHANGED = "changed"  # the other button than before
    SAME = "same"  # the same button again: nothing changes


class Rated(enum.StrEnum):
    RECORDED = "recorded"
    ALREADY_RATED = "already_rated"
    NO_TICKET = "no_ticket"
    NOT_THEIRS = "not_theirs"  # another talent's ticket (refused)
    NOT_RESOLVED = "not_resolved"
    BAD_SCORE = "bad_score"


def _insert(session: Session) -> Callable[..., Any]:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def vote(
    session: Session,
    *,
    channel: str,
    sender_id: str,
    message_ref: str,
    article_id: str,
    version: int,
    helpful: bool,
    now: dt.datetime | None = None,
) -> Voted:
    """Record the talent's vote on an answered message, in one `INSERT … ON CONFLICT DO UPDATE` (two
    presses at the same moment leave one vote)."""
    now = now or utcnow()
    before = session.scalar(
        select(AnswerVote.helpful).where(
            AnswerVote.channel == channel,
            AnswerVote.sender_id == sender_id,
            AnswerVote.message_ref == message_ref,
        )
    )
    statement = _insert(session)(AnswerVote).values(
        channel=channel,
        sender_id=sender_id,
        message_ref=message_ref,
        article_id=article_id,
        version=version,
        helpful=helpful,
        created_at=now,
        updated_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[AnswerVote.channel, AnswerVote.sender_id, AnswerVote.message_ref],
        set_={"helpful": statement.excluded.helpful, "updated_at": statement.excluded.updated_at},
    )
    session.execute(statement)
    if before is None:
        return Voted.RECORDED
    return Voted.SAME if before == helpful else Voted.CHANGED


def unhelpful_votes(
    session: Session, *, since: dt.datetime, until: dt.datetime
) -> list[tuple[str, str, dt.datetime]]:
    """(sender, article, when) of each answer standing marked 👎, voted in [since, until), oldest first."""
    rows = session.execute(
        select(AnswerVote.sender_id, AnswerVote.article_id, AnswerVote.created_at)
        .where(AnswerVote.helpful.is_(False), AnswerVote.created_at >= since, AnswerVote.created_at < until)
        .order_by(AnswerVote.created_at, AnswerVote.id)
    )
    return [(sender, article, at) for sender, article, at in rows]


def rate_ticket(
    session: Session, *, ticket_id: str, sender_id: str, score: int, now: dt.datetime | None = None
) -> Rated:
    """Record the talent's satisfaction with their resolved ticket: once, by the ticket's own talent only,
    with an event in the ticket's audit trail."""
    now = now or utcnow()
    if not LOWEST_SCORE <= score <= HIGHEST_SCORE:
        return Rated.BAD_SCORE
    ticket = session.get(Ticket, ticket_id.strip().upper())
    if ticket is None:
        return Rated.NO_TICKET
    if ticket.sender_id != sender_id:
        return Rated.NOT_THEIRS
    if ticket.status not in RATEABLE:
        return Rated.NOT_RESOLVED
    inserted = session.execute(
        _insert(session)(TicketRating)
        .values(ticket_id=ticket.id, sender_id=sender_id, score=score, created_at=now)
        .on_conflict_do_nothing(index_elements=[TicketRating.ticket_id])
        .returning(TicketRating.ticket_id)
    ).scalar_one_or_none()
    if inserted is None:
        return Rated.ALREADY_RATED
    ticket_service.record(
        session,
        ticket=ticket,
        actor=sender_id,
        action=RATED,
        before=ticket_service.snapshot(ticket),
        note=f"{score}/{HIGHEST_SCORE}",
        now=now,
    )
    return Rated.RECORDED


def rating_of(session: Session, *, ticket_id: str) -> int | None:
    """The score a ticket was rated with, if it was."""
    return session.scalar(select(TicketRating.score).where(TicketRating.ticket_id == ticket_id))


# -- counting ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteCount:
    """Votes on the answers from one article version (article_id and version None: all answers)."""

    article_id: str | None
    version: int | None
    helpful: int
    unhelpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.unhelpful

    @property
    def helpful_share(self) -> float | None:
        return self.helpful / self.total if self.total else None


@dataclass(frozen=True)
class Satisfaction:
    """Ratings of the resolved tickets of one district (None: tickets without a district, or all of them
    in `satisfaction_overall`): how many of each score, and the share of 4–5 (满意率)."""

    district: str | None
    distribution: dict[int, int] = field(default_factory=dict)  # score → ratings, every score 1–5

    @property
    def rated(self) -> int:
        return sum(self.distribution.values())

    @property
    def satisfied(self) -> int:
        return sum(n for score, n in self.distribution.items() if score >= SATISFIED_FROM)

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


def _period(column: Any, since: dt.datetime | None, until: dt.datetime | None) -> list[ColumnElement[bool]]:
    where = []
    if since is not None:
        where.append(column >= since)
    if until is not None:
        where.append(column < until)
    return where


def _vote_sums() -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    return (
        func.coalesce(func.sum(case((AnswerVote.helpful.is_(True), 1), else_=0)), 0),
        func.coalesce(func.sum(case((AnswerVote.helpful.is_(False), 1), else_=0)), 0),
    )


def vote_counts(
    session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[VoteCount]:
    """Votes per article version, in the period the votes were first cast in; by article, then version."""
    rows = session.execute(
        select(AnswerVote.article_id, AnswerVote.version, *_vote_sums())
        .where(*_period(AnswerVote.created_at, since, until))
        .group_by(AnswerVote.article_id, AnswerVote.version)
        .order_by(AnswerVote.article_id, AnswerVote.version)
    )
    return [VoteCount(article, version, int(up), int(down)) for article, version, up, down in rows]


def vote_totals(
    session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> VoteCount:
    """All votes on answers, in the period."""
    up, down = session.execute(
        select(*_vote_sums()).where(*_period(AnswerVote.created_at, since, until))
    ).one()
    return VoteCount(None, None, int(up), int(down))


def _distribution(pairs: list[tuple[int, int]]) -> dict[int, int]:
    counts = dict.fromkeys(range(LOWEST_SCORE, HIGHEST_SCORE + 1), 0)
    for score, n in pairs:
        counts[int(score)] = int(n)
    return counts


def satisfaction_by_district(
    session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[Satisfaction]:
    """The ratings given in the period, per district of the ticket; districts by name, None last."""
    rows = session.execute(
        select(Ticket.district, TicketRating.score, func.count())
        .join(Ticket, Ticket.id == TicketRating.ticket_id)
        .where(*_period(TicketRating.created_at, since, until))
        .group_by(Ticket.district, TicketRating.score)
    ).all()
    by_district: dict[str | None, list[tuple[int, int]]] = {}
    for district, score, n in rows:
        by_district.setdefault(district, []).append((score, n))
    ordered = sorted(by_district, key=lambda d: (d is None, d or ""))
    return [Satisfaction(d, _distribution(by_district[d])) for d in ordered]


def satisfaction_overall(
    session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Satisfaction:
    """All ratings given in the period."""
    rows = session.execute(
        select(TicketRating.score, func.count())
        .where(*_period(TicketRating.created_at, since, until))
        .group_by(TicketRating.score)
    ).all()
    return Satisfaction(None, _distribution([(score, n) for score, n in rows]))
