"""A person's queue, queried in SQL, holds exactly the open tickets `in_scope` admits (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
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


def test_the_queue_version_changes_when_a_ticket_arrives_changes_or_leaves(people, sla):
    clerk = people.get(Person, "staff-bole")
    versions = [service.queue_version(people, person=clerk)]

    def new_ticket(district: str) -> Ticket:
        ticket = service.create_ticket(
            people, channel="telegram", sender_id="telegram:9", question="问题", reason="talent_request",
            sla=sla, district=district, topic="housing", now=MONDAY_11,
        )  # fmt: skip
        people.flush()
        return ticket

    ticket = new_ticket("博乐市")
    versions.append(service.queue_version(people, person=clerk))
    new_ticket("精河县")  # outside the clerk's districts
    assert service.queue_version(people, person=clerk) == versions[-1]
    service.claim(
        people, ticket_id=ticket.id, person_id="staff-bole", now=MONDAY_11 + dt.timedelta(minutes=1)
    )
    people.flush()
    versions.append(service.queue_version(people, person=clerk))
    service.resolve(people, ticket_id=ticket.id, actor="staff-bole", now=MONDAY_11 + dt.timedelta(minutes=2))
    people.flush()
    versions.append(service.queue_version(people, person=clerk))
    assert len(set(versions)) == 4
