import datetime as dt
import re
import threading

import pytest

from tickets import service

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


def test_ids_are_formatted_and_increase_per_year(session, sla):
    first = service.create_ticket(
        session, channel="rest", sender_id="u1", question="q", reason="t", sla=sla, now=NOW
    )
    second = service.create_ticket(
        session, channel="rest", sender_id="u1", question="q", reason="t", sla=sla, now=NOW
    )
    next_year = service.create_ticket(
        session, channel="rest", sender_id="u1", question="q", reason="t", sla=sla, now=NOW.replace(year=2027)
    )
    session.commit()
    assert re.fullmatch(r"GC-2026-\d{6}", first.id)
    assert (first.id, second.id, next_year.id) == ("GC-2026-000001", "GC-2026-000002", "GC-2027-000001")


def test_a_talent_sees_only_their_own_tickets(session, sla):
    mine = service.create_ticket(
        session, channel="rest", sender_id="me", question="q", reason="t", sla=sla, now=NOW
    )
    theirs = service.create_ticket(
        session, channel="rest", sender_id="them", question="q", reason="t", sla=sla, now=NOW
    )
    session.commit()
    assert service.tickets_of_sender(session, sender_id="me") == [mine]
    assert service.tickets_of_sender(session, sender_id="me", ticket_id=theirs.id) == []
    assert service.tickets_of_sender(session, sender_id="me", ticket_id=mine.id.lower()) == [mine]


def test_concurrent_creation_hands_out_unique_consecutive_ids(session_factory, database_url, sla):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers; the concurrency that matters is PostgreSQL's")
    ids: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with session_factory.begin() as s:
                    ids.append(
                        service.create_ticket(
                            s, channel="rest", sender_id="u", question="q", reason="t", sla=sla, now=NOW
                        ).id
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(ids) == [f"GC-2026-{n:06d}" for n in range(1, 81)]
