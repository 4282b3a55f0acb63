"""The ticket store on SQLite and PostgreSQL: transitions, routing, escalation, the sweep, the outbox."""

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from notifications import outbox
from notifications.models import OutboxMessage, OutboxStatus
from people import registry
from tests.conftest import MONDAY_11, SECRET
from tickets import flows, scheduled, service
from tickets.models import Priority, TicketStatus


def open_ticket(session, sla, *, sender="telegram:42", district="博乐市", card=None, now=MONDAY_11, **kw):
    ticket = service.create_ticket(
        session,
        channel="telegram",
        sender_id=sender,
        question="子女入学的事想找人问问",
        reason="talent_request",
        sla=sla,
        district=district,
        topic="schooling",
        card_number=card,
        now=now,
        **kw,
    )
    session.commit()
    return ticket


def outbox_rows(session, ticket_id):
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id).order_by(OutboxMessage.id)
    )
    return [(row.kind, row.recipient_kind, row.recipient) for row in rows]


def test_new_ticket_has_working_time_deadlines_and_reaches_level_one_staff_of_its_district(people, sla):
    ticket = open_ticket(people, sla)
    assert ticket.status is TicketStatus.OPEN
    # Monday 11:00 + 4 working hours (10-14, 16-20) = Monday 17:00 local time
    assert ticket.first_response_due == dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    assert outbox_rows(people, ticket.id) == [
        ("created", "staff_group", "staff_group"),
        ("created", "person", "staff-bole"),
    ]
    assert [e.action for e in service.events_of(people, ticket_id=ticket.id)] == ["created"]


def test_urgent_tickets_get_a_shorter_first_response_deadline(people, sla):
    ticket = open_ticket(people, sla, priority=Priority.URGENT)
    assert ticket.first_response_due == dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)  # 12:00 local


def test_claim_reply_and_talent_answer_follow_the_lifecycle_with_an_audit_trail(people, sla):
    ticket = open_ticket(people, sla)
    service.claim(people, ticket_id=ticket.id, person_id="staff-bole", now=MONDAY_11)
    service.reply(
        people,
        ticket_id=ticket.id,
        person_id="staff-bole",
        text="请问孩子几年级？",
        ask_talent=True,
        now=MONDAY_11,
    )
    assert ticket.status is TicketStatus.WAITING_TALENT
    assert service.waiting_ticket_of(people, sender_id="telegram:42") is ticket
    service.talent_reply(people, ticket_id=ticket.id, sender_id="telegram:42", text="初二", now=MONDAY_11)
    assert ticket.status is TicketStatus.ASSIGNED
    service.resolve(people, ticket_id=ticket.id, actor="staff-bole", note="已答复", now=MONDAY_11)
    people.commit()
    events = service.events_of(people, ticket_id=ticket.id)
    assert [e.action for e in events] == ["created", "claim", "reply", "talent_reply", "resolve"]
    assert events[1].before["status"] == "open" and events[1].after["assignee_id"] == "staff-bole"
    kinds = [row[0] for row in outbox_rows(people, ticket.id)]
    assert kinds.count("replied") == 1 and "talent_replied" in kinds and kinds[-1] == "resolve"


def test_invalid_transitions_are_refused_with_a_clear_error(people, sla):
    ticket = open_ticket(people, sla)
    with pytest.raises(service.InvalidTransition, match="'close' is possible only when it is resolved"):
        service.close(people, ticket_id=ticket.id, actor="staff-bole")
    service.resolve(people, ticket_id=ticket.id, actor="staff-bole")
    with pytest.raises(service.InvalidTransition):
        service.claim(people, ticket_id=ticket.id, person_id="staff-bole")
    service.reopen(people, ticket_id=ticket.id, actor="staff-bole")
    assert ticket.status is TicketStatus.OPEN


def test_a_talent_cannot_write_on_someone_elses_ticket(people, sla):
    ticket = open_ticket(people, sla)
    with pytest.raises(service.TicketError, match="not yours"):
        service.talent_reply(people, ticket_id=ticket.id, sender_id="telegram:99", text="hi")


def test_escalation_goes_to_the_talents_own_contact_leader_first(people, sla):
    ticket = open_ticket(people, sla, card="BZ2026A001")
    service.escalate(
        people, ticket_id=ticket.id, actor="staff-bole", reason="需要协调", sla=sla, now=MONDAY_11
    )
    assert (ticket.status, ticket.escalated_to_id, ticket.escalation_level) == (
        TicketStatus.ESCALATED,
        "leader-bole",
        3,
    )
    assert ("escalated", "person", "leader-bole") in outbox_rows(people, ticket.id)


def test_without_a_contact_leader_escalation_climbs_the_ladder_and_skips_people_away(people, sla):
    ticket = open_ticket(people, sla, district="精河县")
    officer = service.get_person(people, person_id="officer-hr")
    officer.away_until = MONDAY_11 + dt.timedelta(days=3)
    service.escalate(people, ticket_id=ticket.id, actor="staff-jinghe", reason="r", sla=sla, now=MONDAY_11)
    assert ticket.escalated_to_id == "leader-region"  # the officer is away; the region leader covers 精河县
    with pytest.raises(service.TicketError, match="top of the ladder"):
        service.escalate(people, ticket_id=ticket.id, actor="x", reason="r", sla=sla, now=MONDAY_11)


def test_sweep_escalates_overdue_tickets_once_and_queues_one_digest_a_day(people, sla):
    ticket = open_ticket(people, sla, district="精河县")
    evening = dt.datetime(2026, 11, 30, 19, 0, tzinfo=scheduled.LOCAL_TZ)  # deadline was 17:00
    first = scheduled.sweep(people, sla=sla, now=evening)
    assert first.escalated == [ticket.id] and ticket.escalated_to_id == "officer-hr"
    assert scheduled.sweep(people, sla=sla, now=evening).escalated == []  # idempotent
    much_later = evening + dt.timedelta(days=7)
    scheduled.sweep(people, sla=sla, now=much_later)  # officer overdue -> leader
    assert ticket.escalated_to_id == "leader-region"
    report = scheduled.sweep(people, sla=sla, now=much_later + dt.timedelta(days=7))
    assert report.at_top == [ticket.id] and report.digests == 1
    again = scheduled.sweep(people, sla=sla, now=much_later + dt.timedelta(days=7, hours=1))
    assert again.digests == 0


def test_sweep_warns_before_the_deadline(people, sla):
    ticket = open_ticket(people, sla)
    report = scheduled.sweep(
        people, sla=sla, now=dt.datetime(2026, 11, 30, 16, 30, tzinfo=scheduled.LOCAL_TZ)
    )
    assert report.warned == [ticket.id] and report.escalated == []
    assert ("sla_warning", "staff_group", "staff_group") in outbox_rows(people, ticket.id)


def test_exactly_one_of_two_concurrent_claims_wins(people, sla, session_factory, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("the race that matters is on PostgreSQL")
    ticket_id = open_ticket(people, sla).id
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(person_id: str) -> None:
        with session_factory() as session:
            service.get_ticket(session, ticket_id=ticket_id)
            barrier.wait()
            try:
                service.claim(session, ticket_id=ticket_id, person_id=person_id)
                session.commit()
                outcomes[person_id] = "won"
            except service.TicketError:
                outcomes[person_id] = "refused"

    threads = [threading.Thread(target=claim, args=(p,)) for p in ("staff-bole", "officer-hr")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "won"]
    with session_factory() as session:
        winner = next(p for p, o in outcomes.items() if o == "won")
        assert service.get_ticket(session, ticket_id=ticket_id).assignee_id == winner


def test_outbox_retries_with_backoff_then_flags(people, sla):
    ticket = open_ticket(people, sla)
    message = outbox.due(people, now=MONDAY_11)[0]
    assert message.ticket_id == ticket.id
    outbox.mark_failed(people, message=message, error="timeout", max_attempts=3, now=MONDAY_11)
    assert message.next_attempt_at == MONDAY_11 + dt.timedelta(seconds=5)
    assert message not in outbox.due(people, now=MONDAY_11)
    outbox.mark_failed(people, message=message, error="timeout", max_attempts=3, now=MONDAY_11)
    assert message.next_attempt_at == MONDAY_11 + dt.timedelta(seconds=10)
    outbox.mark_failed(people, message=message, error="chat not found", max_attempts=3, now=MONDAY_11)
    assert message.status is OutboxStatus.FAILED and outbox.flagged(people) == [message]
    other = outbox.due(people, now=MONDAY_11)[0]
    outbox.mark_delivered(people, message=other, now=MONDAY_11)
    assert other.status is OutboxStatus.DELIVERED


def test_binding_locks_after_five_wrong_tries(people):
    def bind(last4: str, *, card: str = "BZ2026A001", minutes: int = 0) -> registry.BindResult:
        moment = MONDAY_11 + dt.timedelta(minutes=minutes)
        return registry.bind(
            people, sender_id="telegram:7", card_number=card, last4=last4, secret=SECRET, now=moment
        )

    for tries_left in (4, 3, 2, 1):
        result = bind("0000")
        assert not result.bound and result.tries_left == tries_left
    assert bind("0000").locked_until == MONDAY_11 + dt.timedelta(hours=1)
    assert not bind("1234", minutes=59).bound
    assert bind("1234", card="bz2026a001", minutes=61).bound
    assert registry.profile_of(people, sender_id="telegram:7").tier == "A类"


def test_a_bound_talents_ticket_carries_card_and_district(people, sla):
    registry.bind(
        people, sender_id="telegram:8", card_number="BZ2026C002", last4="5678", secret="test-secret"
    )
    ticket = flows.open_for_talent(
        people, channel="telegram", sender_id="telegram:8", question="q", reason="r"
    )
    assert (ticket.card_number, ticket.district) == ("BZ2026C002", "精河县")


def test_deadlines_hold_whatever_time_zone_the_clock_gives(people, sla):
    """Production passes UTC instants; deadlines are computed in Beijing time. Both must compare right."""
    ticket = open_ticket(people, sla, now=MONDAY_11.astimezone(dt.UTC))
    people.expire_all()
    due = service.get_ticket(people, ticket_id=ticket.id).first_response_due
    assert due == dt.datetime(2026, 11, 30, 17, 0, tzinfo=scheduled.LOCAL_TZ)
    before = due.astimezone(dt.UTC) - dt.timedelta(minutes=1)
    assert scheduled.sweep(people, sla=sla, now=before).escalated == []
    assert scheduled.sweep(people, sla=sla, now=before + dt.timedelta(minutes=2)).escalated == [ticket.id]


def test_after_a_hand_back_the_warning_goes_to_the_staff_again(people, sla):
    ticket = open_ticket(people, sla, district="精河县")
    service.escalate(people, ticket_id=ticket.id, actor="staff-jinghe", reason="r", sla=sla, now=MONDAY_11)
    service.hand_back(
        people, ticket_id=ticket.id, person_id=ticket.escalated_to_id, note="窗口办理", now=MONDAY_11
    )
    report = scheduled.sweep(people, sla=sla, now=ticket.first_response_warn_at + dt.timedelta(minutes=1))
    assert report.warned == [ticket.id]
    assert ("sla_warning", "staff_group", "staff_group") in outbox_rows(people, ticket.id)


def test_fields_are_checked_before_the_database(session, sla):
    """An unknown or overlong district or topic slot is left out; no DataError loses the ticket."""
    ticket = service.create_ticket(
        session, channel="telegram", sender_id="telegram:9", question="q", reason="talent_request",
        sla=sla, district="博乐市" * 50, topic="x" * 100, now=MONDAY_11,
    )  # fmt: skip
    session.commit()
    assert (ticket.district, ticket.topic) == (None, None)
    long_question = "问" * 30_000
    kept = service.create_ticket(
        session, channel="telegram", sender_id="telegram:9", question=long_question, reason="talent_request",
        sla=sla, transcript=[{"who": "talent", "text": long_question}], now=MONDAY_11,
    )  # fmt: skip
    assert len(kept.question) < 20_100 and kept.question.endswith("(+10000)")
    assert kept.transcript[0]["text"] == kept.question
    with pytest.raises(ValueError, match="too long"):
        service.create_ticket(
            session, channel="telegram", sender_id="telegram:" + "9" * 200, question="q",
            reason="talent_request", sla=sla,
        )  # fmt: skip


def test_a_database_error_never_shows_what_the_talent_wrote(session):
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    with pytest.raises(SQLAlchemyError) as raised:
        session.execute(
            text("SELECT * FROM no_such_table WHERE question = :q"), {"q": "我的手机号13912345678"}
        )
    assert "13912345678" not in str(raised.value)
