"""Binding a green card through the channels' flow: the account bound to the card hears of every binding,
of every other account's try and of staff releasing it, through the outbox (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.clock import format_local
from notifications.models import OutboxMessage
from people import registry
from tests.conftest import MONDAY_11, SECRET
from tickets import flows

CARD = "BZ2026A001"  # phone ends 1234


def bind(session: Session, sender: str, last4: str, *, minutes: int = 0) -> registry.BindResult:
    moment = MONDAY_11 + dt.timedelta(minutes=minutes)
    return flows.bind_card(
        session, sender_id=sender, card_number=CARD, last4=last4, secret=SECRET, now=moment
    )


def notices(session: Session) -> list[tuple[str, str, str, str]]:
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return [(row.kind, row.recipient_kind, row.recipient, row.payload["event"]) for row in rows]


def test_the_holder_hears_of_every_binding_and_of_other_accounts_tries(people):
    assert bind(people, "telegram:1", "1234").bound
    assert bind(people, "telegram:2", "1234").taken  # the right digits, another account
    assert not bind(people, "telegram:3", "0000").bound  # wrong digits, another account
    assert not bind(people, "telegram:1", "0000").bound  # the holder's own typo: nothing to tell
    holder = ("card_binding", "talent", "telegram:1")
    assert notices(people) == [(*holder, "bound"), (*holder, "attempt"), (*holder, "attempt")]
    first = people.scalars(select(OutboxMessage)).first()
    assert first.ticket_id is None and first.payload["at"] == format_local(MONDAY_11)


def test_tries_while_the_card_is_locked_are_not_told(people):
    assert bind(people, "telegram:1", "1234").bound
    for n in range(2, 9):
        bind(people, f"telegram:{n}", "0000", minutes=1)
    assert [event for *_, event in notices(people)] == ["bound"] + ["attempt"] * 5


def test_staff_release_tells_the_account_and_frees_the_card(people):
    assert bind(people, "telegram:1", "1234").bound
    assert flows.unbind_card(people, card_number=CARD, now=MONDAY_11) == "telegram:1"
    assert flows.unbind_card(people, card_number=CARD, now=MONDAY_11) is None
    assert bind(people, "telegram:2", "1234").bound
    assert [(recipient, event) for _, _, recipient, event in notices(people)] == [
        ("telegram:1", "bound"),
        ("telegram:1", "unbound"),
        ("telegram:2", "bound"),
    ]
