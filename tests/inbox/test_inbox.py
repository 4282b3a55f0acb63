"""The inbox on SQLite and PostgreSQL: no talent message is lost when a process or the database fails."""

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from frontdesk import database
from inbox import flows, scheduled, service, spool
from inbox.models import InboundMessage, InboxStatus
from notifications.models import OutboxMessage
from tests.conftest import MONDAY_11
from tickets import service as ticket_service
from tickets.models import Ticket

STALE = dt.timedelta(minutes=2)


@pytest.fixture
def store(session_factory, monkeypatch):
    """session_scope() of the code under test on the test database."""
    monkeypatch.setattr(database, "get_sessionmaker", lambda: session_factory)
    return session_factory


def receive(key, *, spool_dir, sender="telegram:42", text="人才公寓怎么申请？"):
    return flows.receive(
        key=key, channel="telegram", sender_id=sender, text=text, language="zh", spool_dir=spool_dir
    )


def test_a_message_nothing_answered_becomes_a_ticket_and_the_talent_is_told(store, tmp_path):
    assert receive("k1", spool_dir=tmp_path)
    assert scheduled.ticket_unanswered(stale_after=STALE) == []  # still in flight
    later = dt.datetime.now(dt.UTC) + STALE * 2
    [ticket_id] = scheduled.ticket_unanswered(stale_after=STALE, now=later)
    with store() as session:
        message = session.get(InboundMessage, "k1")
        assert (message.status, message.ticket_id) == (InboxStatus.TICKETED, ticket_id)
        ticket = session.get(Ticket, ticket_id)
        assert (ticket.question, ticket.reason, ticket.message_key) == (
            "人才公寓怎么申请？",
            "unanswered",
            "k1",
        )
        kinds = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.recipient == "telegram:42"))
        assert list(kinds) == ["kept_as_ticket"]
    assert scheduled.ticket_unanswered(stale_after=STALE, now=later) == []  # once


def test_an_answered_message_is_not_ticketed(store, tmp_path):
    assert receive("k2", spool_dir=tmp_path)
    with store.begin() as session:
        assert service.settle(session, key="k2", status=InboxStatus.ANSWERED)
        assert not service.settle(session, key="k2", status=InboxStatus.TICKETED)
    assert scheduled.ticket_unanswered(stale_after=STALE, now=dt.datetime.now(dt.UTC) + STALE * 2) == []


def test_the_ticket_the_assistant_opened_for_the_message_is_reused(store, tmp_path, sla):
    assert receive("k3", spool_dir=tmp_path)
    with store.begin() as session:
        opened = ticket_service.create_ticket(
            session, channel="telegram", sender_id="telegram:42", question="q", reason="talent_request",
            sla=sla, message_key="k3",
        ).id  # fmt: skip
    [ticket_id] = scheduled.ticket_unanswered(stale_after=STALE, now=dt.datetime.now(dt.UTC) + STALE * 2)
    assert ticket_id == opened


def test_while_the_database_is_down_messages_wait_in_the_spool_and_staff_hear_of_it(
    store, tmp_path, monkeypatch, caplog
):
    def down(*args, **kwargs):
        raise OperationalError("connect", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(flows, "_outage_since", None)
    record = service.record
    monkeypatch.setattr(service, "record", down)
    with caplog.at_level("INFO"):
        assert not receive("k4", spool_dir=tmp_path, text="我的孩子上学的事")
        assert not receive("k5", spool_dir=tmp_path, text="配偶就业")
    outage_lines = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(outage_lines) == 1  # one line per incident, not per message
    assert "孩子" not in caplog.text and "配偶" not in caplog.text
    assert [m.key for _, m in spool.kept(tmp_path)] == ["k4", "k5"]
    assert scheduled.replay_spool(spool_dir=tmp_path) == 0  # still down: nothing lost
    monkeypatch.setattr(service, "record", record)  # the database is back

    assert scheduled.replay_spool(spool_dir=tmp_path) == 2
    assert spool.kept(tmp_path) == []
    with caplog.at_level("INFO"):
        assert receive("k6", spool_dir=tmp_path)
    assert "database available again" in caplog.text
    with store() as session:
        texts = session.scalars(select(InboundMessage.text).order_by(InboundMessage.received_at))
        assert list(texts) == ["我的孩子上学的事", "配偶就业", "人才公寓怎么申请？"]
        outage = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "outage")).one()
        assert (outage.recipient_kind, outage.payload["messages"]) == ("staff_group", 2)
    tickets = scheduled.ticket_unanswered(stale_after=STALE, now=dt.datetime.now(dt.UTC) + STALE * 2)
    assert len(tickets) == 3


def test_an_unreadable_spool_file_is_set_aside_once(tmp_path, caplog):
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert spool.kept(tmp_path) == []
    assert spool.kept(tmp_path) == []
    assert (tmp_path / "broken.unreadable").exists()
    assert sum("cannot be read" in r.getMessage() for r in caplog.records) == 1


def test_two_sweeps_at_once_open_one_ticket_per_message(store, tmp_path, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    for number in range(5):
        assert receive(f"r{number}", spool_dir=tmp_path, sender=f"telegram:{number}")
    later = dt.datetime.now(dt.UTC) + STALE * 2
    results: list[list[str]] = []
    workers = [
        threading.Thread(
            target=lambda: results.append(scheduled.ticket_unanswered(stale_after=STALE, now=later))
        )
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    opened = [ticket_id for result in results for ticket_id in result]
    assert len(opened) == len(set(opened)) == 5
    with store() as session:
        assert session.query(Ticket).count() == 5


def test_a_slow_assistant_and_the_channel_open_one_ticket_for_one_message(session, sla):
    first = ticket_service.create_ticket(
        session, channel="telegram", sender_id="telegram:7", question="q", reason="assistant_unavailable",
        sla=sla, message_key="m1", now=MONDAY_11,
    )  # fmt: skip
    second = ticket_service.create_ticket(
        session, channel="telegram", sender_id="telegram:7", question="q", reason="talent_request",
        sla=sla, message_key="m1", now=MONDAY_11,
    )  # fmt: skip
    assert first.id == second.id
    assert session.query(Ticket).count() == 1
