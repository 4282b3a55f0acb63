"""The analytics' figures on a small hand-made record (SQLite and PostgreSQL): conversations and questions
per Beijing-time day, containment, topics and outcomes, and the 12345-style ticket figures in working time
(office hours 10:00–14:00 and 16:00–20:00; 4 working hours to a first response, 1 when urgent, 24 to
resolution), each worked out by hand below; the same figures from the rollups as from the record."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import rollup
from analytics.service import (
    NotAllowed,
    PeriodError,
    PeriodProblem,
    Scope,
    period_of,
    quantile,
    scope_of,
    summary,
)
from conversations.models import TurnOutcome
from conversations.service import record_turn
from feedback import service as feedback
from frontdesk.clock import LOCAL_TZ
from people.models import Person, Role
from tickets import service as tickets
from tickets.models import Priority

JUNE_8, JUNE_9, JUNE_10 = dt.date(2026, 6, 8), dt.date(2026, 6, 9), dt.date(2026, 6, 10)  # Monday–Wednesday
PERIOD = period_of(first="2026-06-08", last="2026-06-10", today=JUNE_10)
NOW = dt.datetime(2026, 6, 10, 21, 0, tzinfo=LOCAL_TZ)
HOUR = 3600


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=LOCAL_TZ)


# sender, (day, hour, minute), district, typed (not a button), topic, outcome
TURNS = [
    ("telegram:e", (7, 23, 50), "博乐市", True, "housing", TurnOutcome.ANSWERED),  # the day before
    ("telegram:a", (8, 0, 10), "博乐市", True, "housing", TurnOutcome.ANSWERED),
    ("telegram:a", (8, 9, 0), "博乐市", False, "housing", TurnOutcome.ANSWERED),  # a button
    ("telegram:a", (8, 9, 30), "精河县", False, "housing", TurnOutcome.SMALL_TALK),  # and of another district
    ("telegram:b", (8, 10, 0), "精河县", True, "schooling", TurnOutcome.NO_ARTICLE),
    ("telegram:b", (8, 10, 5), "精河县", True, "schooling", TurnOutcome.TICKET),
    ("telegram:a", (9, 11, 0), "博乐市", True, "medical", TurnOutcome.ANSWERED),
    ("rest-c", (9, 12, 0), None, True, None, TurnOutcome.NOT_UNDERSTOOD),
    ("rest-c", (9, 12, 1), None, True, "housing", TurnOutcome.ANSWERED),
    ("telegram:d", (10, 20, 30), "精河县", True, "housing", TurnOutcome.TICKET),
    ("telegram:d", (10, 20, 31), "精河县", False, "housing", TurnOutcome.TICKET_STATUS),
    ("telegram:e", (11, 0, 0), "博乐市", True, "housing", TurnOutcome.ANSWERED),  # the day after
]


@pytest.fixture
def record(people, sla):
    """The turns above; seven tickets (T7 before the period), three ratings, four votes."""
    session = people
    for sender, (day, hour, minute), district, typed, topic, outcome in TURNS:
        record_turn(
            session, sender_id=sender, language="zh", text="问题", from_button=not typed, intent="ask",
            confidence=0.9, outcome=outcome, topic=topic, district=district, at=at(day, hour, minute),
        )  # fmt: skip

    def ticket(name: str, created: dt.datetime, district: str, priority=Priority.NORMAL) -> str:
        return tickets.create_ticket(
            session, channel="telegram", sender_id=f"telegram:{name}", question="问题", reason="request",
            sla=sla, district=district, topic="housing", priority=priority, now=created,
        ).id  # fmt: skip

    t1 = ticket("t1", at(8, 10), "博乐市")
    tickets.claim(session, ticket_id=t1, person_id="staff-bole", now=at(8, 11))  # 1 h
    tickets.resolve(session, ticket_id=t1, actor="staff-bole", now=at(8, 17))  # 4 h + 1 h = 5 h
    t2 = ticket("t2", at(8, 13), "博乐市")
    tickets.claim(session, ticket_id=t2, person_id="staff-bole", now=at(8, 17, 30))  # 1 h + 1.5 h
    tickets.resolve(session, ticket_id=t2, actor="staff-bole", now=at(9, 11))  # 1 + 4 + 1 = 6 h
    t3 = ticket("t3", at(8, 19), "精河县")
    tickets.claim(session, ticket_id=t3, person_id="staff-jinghe", now=at(9, 12, 30))  # 1 h + 2.5 h
    t4 = ticket("t4", at(9, 10), "精河县", Priority.URGENT)
    tickets.claim(session, ticket_id=t4, person_id="staff-jinghe", now=at(9, 11, 30))  # 1.5 h: late
    tickets.resolve(session, ticket_id=t4, actor="staff-jinghe", now=at(9, 16, 30))  # 4.5 h
    ticket("t5", at(10, 10), "博乐市")  # nobody answers: due at 14:00, late; resolution due on Friday
    t6 = ticket("t6", at(8, 10), "精河县")
    tickets.claim(session, ticket_id=t6, person_id="staff-jinghe", now=at(8, 10, 30))  # 0.5 h
    t7 = ticket("t7", at(5, 10), "博乐市")  # Friday before: outside the period
    tickets.claim(session, ticket_id=t7, person_id="staff-bole", now=at(5, 10, 10))
    for name, ticket_id, score, when in (
        ("t1", t1, 5, at(8, 18)),
        ("t2", t2, 3, at(9, 12)),
        ("t4", t4, 4, at(10, 9)),
    ):
        assert feedback.rate_ticket(
            session, ticket_id=ticket_id, sender_id=f"telegram:{name}", score=score, now=when
        ) is feedback.Rated.RECORDED  # fmt: skip
    for ref, helpful, when in (
        ("1", True, at(8, 9)),
        ("2", True, at(9, 9)),
        ("3", False, at(10, 9)),
        ("4", False, at(11, 9)),
    ):
        feedback.vote(
            session, channel="telegram", sender_id="telegram:a", message_ref=ref, article_id="a", version=1,
            helpful=helpful, now=when,
        )  # fmt: skip
    session.commit()
    return session


EVERYTHING = Scope(None)


def test_conversations_questions_and_containment_per_day(record, sla):
    rollup.refresh_tickets(record, sla=sla)
    figures = summary(record, scope=EVERYTHING, period=PERIOD, now=NOW)
    assert [(d.day, d.conversations, d.questions, d.answered) for d in figures.days] == [
        (JUNE_8, 2, 3, 1),  # a and b; a's typed question answered, b's two not; a's button is no question
        (JUNE_9, 2, 3, 2),
        (JUNE_10, 1, 1, 0),
    ]
    assert (figures.conversations, figures.handed_conversations, figures.without_ticket) == (5, 2, 3)
    assert figures.without_ticket_share == pytest.approx(3 / 5)
    assert (figures.questions, figures.answered) == (7, 3)
    assert figures.answered_share == pytest.approx(3 / 7)
    assert figures.topics == [("housing", 3), ("schooling", 2), ("medical", 1), (None, 1)]
    outcomes = dict(figures.outcomes)
    assert list(outcomes) == list(TurnOutcome)
    assert {o: n for o, n in outcomes.items() if n} == {
        TurnOutcome.ANSWERED: 3, TurnOutcome.NO_ARTICLE: 1, TurnOutcome.TICKET: 2,
        TurnOutcome.NOT_UNDERSTOOD: 1,
    }  # fmt: skip
    assert figures.unanswered == [("schooling", 2), ("housing", 1), (None, 1)]
    rows = {row.district: (row.conversations, row.questions, row.answered) for row in figures.by_district}
    assert rows == {
        "博乐市": (2, 2, 2), "阿拉山口市": (0, 0, 0), "精河县": (3, 3, 0), "温泉县": (0, 0, 0),
        None: (1, 2, 1),
    }  # fmt: skip
    assert (figures.votes.helpful, figures.votes.unhelpful) == (2, 1)


def test_12345_figures_in_working_time(record, sla):
    rollup.refresh_tickets(record, sla=sla)
    figures = summary(record, scope=EVERYTHING, period=PERIOD, now=NOW)
    overall = figures.handling
    # 响应率: t1, t2, t3, t6 in time; t4 (urgent, 1.5 h) and t5 (unanswered past 14:00) late
    assert (overall.tickets, overall.response_counted, overall.responded_in_time) == (6, 6, 4)
    # 解决率: t1, t2, t4 resolved; t6 past its deadline (Wednesday 20:00); t3 and t5 not yet due
    assert (overall.resolution_counted, overall.finished) == (4, 3)
    assert overall.resolution_rate == pytest.approx(3 / 4)
    assert overall.response_p50 is None  # the page shows medians per district and person only
    assert overall.satisfaction.distribution == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert overall.satisfaction.satisfied_share == pytest.approx(2 / 3)

    district = {row.district: row.handling for row in figures.by_district}
    bole, jinghe = district["博乐市"], district["精河县"]
    assert (bole.response_counted, bole.responded_in_time) == (3, 2)  # t1, t2 in time; t5 late
    assert (bole.resolution_counted, bole.finished) == (2, 2)  # t5 not yet due
    # responses 1 h and 2.5 h: median 1.75 h, p90 1 + 0.9 × 1.5 = 2.35 h; resolutions 5 h and 6 h
    assert (bole.response_p50, bole.response_p90) == (1.75 * HOUR, 8460)
    assert (bole.resolution_p50, bole.resolution_p90) == (5.5 * HOUR, 21240)
    assert bole.satisfaction.satisfied_share == pytest.approx(1 / 2)
    assert (jinghe.response_counted, jinghe.responded_in_time) == (3, 2)
    assert (jinghe.resolution_counted, jinghe.finished) == (2, 1)
    # responses 0.5 h (t6), 1.5 h (t4), 3.5 h (t3): median 1.5 h, p90 1.5 + 0.8 × 2 = 3.1 h; resolution 4.5 h
    assert (jinghe.response_p50, jinghe.response_p90, jinghe.resolution_p50) == (
        1.5 * HOUR,
        11160,
        4.5 * HOUR,
    )
    assert jinghe.satisfaction.satisfied_share == 1
    assert district["温泉县"].tickets == 0 and district["温泉县"].response_rate is None

    person = {row.key: row for row in figures.by_person}
    assert set(person) == {"staff-bole", "staff-jinghe"}  # t5 is nobody's; t7 is before the period
    assert (person["staff-bole"].tickets, person["staff-bole"].response_rate) == (2, 1)
    assert person["staff-bole"].satisfaction.distribution[5] == 1
    jinghe_staff = person["staff-jinghe"]
    assert (jinghe_staff.tickets, jinghe_staff.response_rate, jinghe_staff.resolution_rate) == (
        3,
        2 / 3,
        1 / 2,
    )
    assert (jinghe_staff.response_p50, jinghe_staff.resolution_p90) == (5400, 16200)


def test_the_rollups_give_the_figures_the_record_gives(record, sla):
    rollup.refresh_tickets(record, sla=sla)
    raw = summary(record, scope=EVERYTHING, period=PERIOD, now=NOW)
    raw_jinghe = summary(record, scope=EVERYTHING, period=PERIOD, district="精河县", now=NOW)
    assert rollup.refresh_turns(record, today=JUNE_9) == 2  # 7 and 8 June rolled up; 9 and 10 read raw
    assert summary(record, scope=EVERYTHING, period=PERIOD, now=NOW) == raw
    assert rollup.refresh_turns(record, today=dt.date(2026, 6, 12)) == 3
    assert rollup.refresh_turns(record, today=dt.date(2026, 6, 12)) == 0
    assert summary(record, scope=EVERYTHING, period=PERIOD, now=NOW) == raw
    assert summary(record, scope=EVERYTHING, period=PERIOD, district="精河县", now=NOW) == raw_jinghe
    assert raw_jinghe.conversations == 3 and raw_jinghe.questions == 3 and raw_jinghe.handling.tickets == 3


def test_ticket_figures_follow_changes_and_the_rules(record, sla):
    assert rollup.refresh_tickets(record, sla=sla) == 7
    assert rollup.refresh_tickets(record, sla=sla) == 1  # t5, the newest change: within the late margin
    t3 = tickets.tickets_of_sender(record, sender_id="telegram:t3")[0].id
    tickets.resolve(record, ticket_id=t3, actor="staff-jinghe", now=at(10, 12))
    assert rollup.refresh_tickets(record, sla=sla) == 2  # t3, and t5 again
    resolved = summary(record, scope=EVERYTHING, period=PERIOD, now=NOW).handling
    assert (resolved.resolution_counted, resolved.finished) == (5, 4)
    stricter = tickets.sla_policy(
        office_hours="10:00-14:00,16:00-20:00", first_response_hours=1, urgent_first_response_hours=1,
        resolution_hours=24,
    )  # fmt: skip
    assert rollup.refresh_tickets(record, sla=stricter) == 7  # other rules: every ticket again
    figures = summary(record, scope=EVERYTHING, period=PERIOD, now=NOW)
    assert figures.handling.responded_in_time == 2  # t1 (1 h) and t6 (0.5 h) within one hour


def test_an_officer_sees_only_their_districts(record, sla):
    rollup.refresh_tickets(record, sla=sla)
    officer = Person(id="o", name="o", role=Role.OFFICER, level=2, districts=["精河县"], topics=["all"])
    scope = scope_of(officer, everything=False)
    figures = summary(record, scope=scope, period=PERIOD, now=NOW)
    assert [row.district for row in figures.by_district] == ["精河县"]
    assert (figures.conversations, figures.questions, figures.handling.tickets) == (3, 3, 3)
    assert [row.key for row in figures.by_person] == ["staff-jinghe"]
    assert figures.votes is None  # votes are not kept by district
    with pytest.raises(NotAllowed):
        summary(record, scope=scope, period=PERIOD, district="博乐市", now=NOW)
    both = Person(
        id="p", name="p", role=Role.OFFICER, level=2, districts=["博乐市", "精河县"], topics=["all"]
    )
    two = summary(record, scope=scope_of(both, everything=False), period=PERIOD, now=NOW)
    # each talent once a day: a wrote about both districts on 8 June
    assert [d.conversations for d in two.days] == [2, 1, 1]
    assert [row.conversations for row in two.by_district] == [2, 3]
    rollup.refresh_turns(record, today=dt.date(2026, 6, 12))
    assert summary(record, scope=scope_of(both, everything=False), period=PERIOD, now=NOW) == two
    clerk = record.get(Person, "staff-bole")
    with pytest.raises(NotAllowed):
        scope_of(clerk, everything=False)
    assert scope_of(clerk, everything=True) == EVERYTHING


def test_periods():
    today = dt.date(2026, 6, 30)
    default = period_of(first="", last="", today=today)
    assert (default.first, default.last, len(default.days)) == (dt.date(2026, 6, 1), today, 30)
    for first, last, problem in (
        ("2026-06-10", "2026-06-01", PeriodProblem.ORDER),
        ("2026-6-1x", "", PeriodProblem.DATE),
        ("2025-01-01", "2026-06-01", PeriodProblem.LENGTH),
    ):
        with pytest.raises(PeriodError) as error:
            period_of(first=first, last=last, today=today)
        assert error.value.problem is problem


def test_quantiles_interpolate_as_percentile_cont():
    assert quantile([], 0.5) is None
    assert quantile([7.0], 0.9) == 7.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1800, 3600, 5400, 9000, 12600], 0.9) == pytest.approx(11160)
