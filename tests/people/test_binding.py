"""Binding a messenger account to a green card: one account per card, tries counted per account and per
card, each count one statement, so concurrent tries are all answered and all counted (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from people import registry
from people.models import BindingLockout, LockScope
from tests.conftest import MONDAY_11, SECRET

CARD = "BZ2026A001"  # phone ends 1234
OTHER_CARD = "BZ2026C002"  # phone ends 5678


def bind(
    session: Session, sender: str, last4: str, *, card: str = CARD, minutes: int = 0
) -> registry.BindResult:
    moment = MONDAY_11 + dt.timedelta(minutes=minutes)
    return registry.bind(session, sender_id=sender, card_number=card, last4=last4, secret=SECRET, now=moment)


def test_a_card_bound_to_one_account_is_not_bound_by_another(people):
    assert bind(people, "telegram:1", "1234").bound
    second = bind(people, "telegram:2", "1234")
    assert not second.bound and second.taken and second.talent is None
    assert second.holder == "telegram:1"  # to be told
    assert registry.profile_of(people, sender_id="telegram:2") is None
    assert registry.profile_of(people, sender_id="telegram:1").card_number == CARD
    assert bind(people, "telegram:1", "1234").bound  # the holder's own account may bind again
    assert bind(people, "telegram:2", "5678", card=OTHER_CARD).bound
    assert bind(people, "telegram:1", "5678", card=OTHER_CARD).taken  # nor may it take another's card
    assert registry.profile_of(people, sender_id="telegram:1").card_number == CARD


def test_wrong_digits_on_a_bound_card_name_its_holder_unless_the_holder_tried(people):
    assert bind(people, "telegram:1", "1234").holder == "telegram:1"
    assert bind(people, "telegram:2", "0000").holder == "telegram:1"
    assert bind(people, "telegram:1", "0000").holder is None
    assert bind(people, "telegram:2", "0000", card=OTHER_CARD).holder is None  # not bound to anyone


def test_tries_on_one_card_from_many_accounts_count_together(people):
    for number, tries_left in enumerate((4, 3, 2, 1), start=1):
        assert bind(people, f"telegram:{number}", "0000").tries_left == tries_left
    assert bind(people, "telegram:5", "0000").locked_until == MONDAY_11 + dt.timedelta(hours=1)
    assert not bind(people, "telegram:6", "1234", minutes=59).bound  # the right digits, a fresh account
    assert bind(people, "telegram:6", "1234", minutes=61).bound
    assert bind(people, "telegram:7", "0000", card=OTHER_CARD).tries_left == 4  # another card, its own count


def test_a_binding_clears_the_counts_of_its_account_and_card(people):
    for _ in range(3):
        bind(people, "telegram:1", "0000")
    assert bind(people, "telegram:1", "1234").bound
    assert people.scalars(select(BindingLockout)).all() == []
    assert bind(people, "telegram:1", "0000").tries_left == 4


def test_staff_release_a_card_for_another_account(people):
    assert bind(people, "telegram:1", "1234").bound
    assert registry.unbind(people, card_number=CARD.lower()) == "telegram:1"
    assert registry.profile_of(people, sender_id="telegram:1") is None
    assert bind(people, "telegram:2", "1234").bound
    assert registry.unbind(people, card_number=OTHER_CARD) is None


def _concurrently(session_factory: sessionmaker[Session], tries: list[tuple[str, str]]) -> list:
    """Each (sender, last4) in its own thread and transaction, all started at once."""
    start = threading.Barrier(len(tries))

    def attempt(sender_and_digits: tuple[str, str]) -> registry.BindResult:
        sender, last4 = sender_and_digits
        start.wait()
        with session_factory() as session, session.begin():
            return bind(session, sender, last4)

    with ThreadPoolExecutor(len(tries)) as pool:
        return list(pool.map(attempt, tries))


def test_twenty_concurrent_tries_of_one_account_are_all_answered_and_counted(people, session_factory):
    results = _concurrently(session_factory, [("telegram:9", "0000")] * 20)
    assert len(results) == 20 and not any(result.bound for result in results)
    assert sorted(r.tries_left for r in results if r.locked_until is None) == [1, 2, 3, 4]
    assert sum(r.locked_until == MONDAY_11 + dt.timedelta(hours=1) for r in results) == 16
    with session_factory() as session:
        counts = {(row.scope, row.key): row.tries for row in session.scalars(select(BindingLockout))}
    assert counts == {(LockScope.ACCOUNT, "telegram:9"): 20, (LockScope.CARD, CARD): 20}


def test_accounts_binding_one_card_at_the_same_moment_leave_it_bound_to_one(people, session_factory):
    results = _concurrently(session_factory, [(f"telegram:{n}", "1234") for n in range(1, 9)])
    assert sum(result.bound for result in results) == 1
    [winner] = [f"telegram:{n}" for n, result in enumerate(results, start=1) if result.bound]
    with session_factory() as session:
        assert registry.holder_of(session, card_number=CARD) == winner
