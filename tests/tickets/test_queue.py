"""A person's queue, queried in SQL, holds exactly the open tickets `in_scope` admits (SQLite and
PostgreSQL)."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from people.models import Person
from tests.conftest import MONDAY_11
from tickets import service
from tickets.models import Ticket, TicketStatus


def test_the_queue_holds_exactly_the_open_tickets_in_scope(people, sla):
    districts, topics = ["博乐市", "精河县", None], ["housing", "medical", None]
    for n, (district, topic, level) in enumerate(itertools.product(districts, topics, [1, 2, 3])):
        ticket = service.create_ticket(
            people, channel="telegram", sender_id=f"telegram:{n}", question="问题", reason="talent_request",
            sla=sla, district=district, topic=topic, now=MONDAY_11,
            card_number="BZ2026A001" if n % 5 == 0 else None,
        )  # fmt: skip
        ticket.escalation_level = level
        if n % 7 == 0:
            ticket.assignee_id = "staff-jinghe"
        if n % 11 == 0:
            ticket.status = TicketStatus.RESOLVED
    people.flush()
    tickets = list(people.scalars(select(Ticket)))
    for person in people.scalars(select(Person)):
        contacts = service.contact_cards(people, person=person)
        expected = {
            t.id
            for t in tickets
            if t.status in service.OPEN_STATUSES and service.in_scope(person, t, contacts=contacts)
        }
        assert {t.id for t in service.queue_for(people, person=person)} == expected, person.id
    assert len(service.queue_for(people, person=people.get(Person, "officer-hr"), limit=3)) == 3
