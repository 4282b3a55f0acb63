"""Talents' feedback on SQLite and PostgreSQL: votes on answers, ratings of resolved tickets, the counts."""

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from feedback import service as feedback
from feedback.models import AnswerVote, TicketRating
from tests.conftest import MONDAY_11
from tickets import service
from tickets.models import TicketEvent

TALENT, OTHER = "telegram:42", "telegram:43"


def resolved_ticket(session, sla, *, sender=TALENT, district="博乐市", resolve=True):
    ticket = service.create_ticket(
        session,
        channel="telegram",
        sender_id=sender,
        question="人才公寓怎么申请？",
        reason="talent_request",
        sla=sla,
        district=district,
        topic="housing",
        now=MONDAY_11,
    )
    if resolve:
        service.resolve(session, ticket_id=ticket.id, actor="staff-bole", note="已办结", now=MONDAY_11)
    session.commit()
    return ticket


def vote(session, *, sender=TALENT, message="42:100", article="talent-apartment-bole", version=1, helpful):
    result = feedback.vote(
        session,
        channel="telegram",
        sender_id=sender,
        message_ref=message,
        article_id=article,
        version=version,
        helpful=helpful,
        now=MONDAY_11,
    )
    session.commit()
    return result


def test_one_vote_per_talent_and_message_a_second_press_changes_it(session):
    assert vote(session, helpful=True) is feedback.Voted.RECORDED
    assert vote(session, helpful=True) is feedback.Voted.SAME
    assert vote(session, helpful=False) is feedback.Voted.CHANGED
    [row] = session.scalars(select(AnswerVote)).all()
    assert (row.sender_id, row.message_ref, row.article_id, row.version, row.helpful) == (
        TALENT,
        "42:100",
        "talent-apartment-bole",
        1,
        False,
    )
    assert vote(session, message="42:101", helpful=True) is feedback.Voted.RECORDED  # another answer
    assert vote(session, sender=OTHER, message="43:100", helpful=True) is feedback.Voted.RECORDED
    assert len(session.scalars(select(AnswerVote)).all()) == 3


def test_votes_are_counted_per_article_version_and_overall(session):
    vote(session, message="42:1", helpful=True)
    vote(session, message="42:2", helpful=False)
    vote(session, message="42:3", version=2, helpful=True)
    vote(session, message="42:4", article="green-card-renewal", helpful=True)
    vote(session, sender=OTHER, message="43:1", version=2, helpful=True)
    counts = {(c.article_id, c.version): (c.helpful, c.unhelpful) for c in feedback.vote_counts(session)}
    assert counts == {
        ("green-card-renewal", 1): (1, 0),
        ("talent-apartment-bole", 1): (1, 1),
        ("talent-apartment-bole", 2): (2, 0),
    }
    total = feedback.vote_totals(session)
    assert (total.helpful, total.unhelpful, total.total, total.helpful_share) == (4, 1, 5, 0.8)
    later = MONDAY_11 + dt.timedelta(days=1)
    assert feedback.vote_counts(session, since=later) == []
    assert feedback.vote_totals(session, since=later).helpful_share is None


def test_a_resolved_ticket_is_rated_once_by_its_own_talent_in_its_audit_trail(people, sla):
    ticket = resolved_ticket(people, sla)
    assert (
        feedback.rate_ticket(people, ticket_id=ticket.id, sender_id=OTHER, score=1)
        is feedback.Rated.NOT_THEIRS
    )
    assert (
        feedback.rate_ticket(people, ticket_id=ticket.id, sender_id=TALENT, score=6)
        is feedback.Rated.BAD_SCORE
    )
    assert feedback.rating_of(people, ticket_id=ticket.id) is None
    assert (
        feedback.rate_ticket(people, ticket_id=ticket.id, sender_id=TALENT, score=4)
        is feedback.Rated.RECORDED
    )
    people.commit()
    again = feedback.rate_ticket(people, ticket_id=ticket.id, sender_id=TALENT, score=1)
    assert again is feedback.Rated.ALREADY_RATED
    people.commit()
    assert feedback.rating_of(people, ticket_id=ticket.id) == 4
    events = service.events_of(people, ticket_id=ticket.id)
    assert [(e.action, e.actor, e.note) for e in events][-1] == ("rated", TALENT, "4/5")
    assert [e.action for e in events].count("rated") == 1
    assert feedback.rate_ticket(people, ticket_id="GC-2026-999999", sender_id=TALENT, score=5) is (
        feedback.Rated.NO_TICKET
    )


def test_an_open_ticket_cannot_be_rated(people, sla):
    ticket = resolved_ticket(people, sla, resolve=False)
    assert feedback.rate_ticket(people, ticket_id=ticket.id, sender_id=TALENT, score=5) is (
        feedback.Rated.NOT_RESOLVED
    )
    assert people.scalars(select(TicketEvent).where(TicketEvent.action == "rated")).all() == []


def test_the_database_keeps_scores_in_range(people, sla):
    ticket = resolved_ticket(people, sla)
    people.add(TicketRating(ticket_id=ticket.id, sender_id=TALENT, score=9))
    with pytest.raises(IntegrityError):
        people.flush()


def test_satisfaction_per_district_and_the_share_of_four_and_five(people, sla):
    scores = [("博乐市", 5), ("博乐市", 4), ("博乐市", 2), ("精河县", 3), (None, 5)]
    for number, (district, score) in enumerate(scores):
        sender = f"telegram:{100 + number}"
        ticket = resolved_ticket(people, sla, sender=sender, district=district)
        assert (
            feedback.rate_ticket(people, ticket_id=ticket.id, sender_id=sender, score=score, now=MONDAY_11)
            is feedback.Rated.RECORDED
        )
    people.commit()
    by_district = feedback.satisfaction_by_district(people)
    assert [s.district for s in by_district] == ["博乐市", "精河县", None]
    bole, jinghe, unknown = by_district
    assert bole.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert (bole.rated, bole.satisfied, bole.satisfied_share) == (3, 2, pytest.approx(2 / 3))
    assert (jinghe.rated, jinghe.satisfied_share) == (1, 0.0)
    assert unknown.satisfied_share == 1.0
    overall = feedback.satisfaction_overall(people)
    assert (overall.rated, overall.satisfied, overall.satisfied_share) == (5, 3, 0.6)
    assert feedback.satisfaction_by_district(people, until=MONDAY_11) == []
    assert feedback.satisfaction_overall(people, until=MONDAY_11).satisfied_share is None
