"""The outbox's order of delivery (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from notifications import outbox
from notifications.models import OutboxKind, RecipientKind
from tests.conftest import MONDAY_11


def test_talents_are_served_before_a_backlog_of_staff_cards(session):
    for n in range(5):
        outbox.queue(
            session, kind=OutboxKind.CREATED, ticket_id=None, recipient_kind=RecipientKind.STAFF_GROUP,
            recipient="staff_group", payload={"n": n}, now=MONDAY_11,
        )  # fmt: skip
    later = MONDAY_11 + dt.timedelta(seconds=1)
    for kind, who in ((RecipientKind.TALENT, "telegram:1"), (RecipientKind.PERSON, "staff-bole")):
        outbox.queue(
            session, kind=OutboxKind.KEPT_AS_TICKET, ticket_id=None, recipient_kind=kind, recipient=who,
            payload={}, now=later,
        )  # fmt: skip
    session.flush()
    order = [m.recipient for m in outbox.due(session, now=later)]
    assert order == ["telegram:1", *["staff_group"] * 5, "staff-bole"]
