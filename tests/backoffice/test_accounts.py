"""Accounts, passwords, lockout and sessions, in the domain (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice import accounts
from backoffice.models import Account, WebSession
from tests.conftest import MONDAY_11

PASSWORD = "a long enough password"


def test_only_roster_people_get_accounts_and_weak_passwords_are_refused(people):
    with pytest.raises(accounts.AccountError, match="not on the roster"):
        accounts.create_account(people, person_id="nobody", password=PASSWORD)
    with pytest.raises(accounts.AccountError, match="at least 12"):
        accounts.create_account(people, person_id="staff-bole", password="short")
    account = accounts.create_account(people, person_id="staff-bole", password=PASSWORD)
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
    with pytest.raises(accounts.AccountError, match="already has an account"):
        accounts.create_account(people, person_id="staff-bole", password=PASSWORD)


def test_five_wrong_passwords_lock_the_account_for_a_while(people):
    accounts.create_account(people, person_id="staff-bole", password=PASSWORD)
    for _ in range(accounts.MAX_FAILED_LOGINS):
        assert accounts.authenticate(people, person_id="staff-bole", password="wrong", now=MONDAY_11) is None
    assert accounts.authenticate(people, person_id="staff-bole", password=PASSWORD, now=MONDAY_11) is None
    later = MONDAY_11 + accounts.LOCKOUT + dt.timedelta(seconds=1)
    assert accounts.authenticate(people, person_id="staff-bole", password=PASSWORD, now=later) is not None
    assert people.get(Account, "staff-bole").failed_logins == 0


def test_an_inactive_person_cannot_sign_in_and_their_session_ends(people):
    from people.models import Person

    account = accounts.create_account(people, person_id="staff-bole", password=PASSWORD)
    token = accounts.open_session(people, account=account, now=MONDAY_11)
    assert accounts.signed_in(people, token=token, now=MONDAY_11) is not None
    people.get(Person, "staff-bole").active = False
    assert accounts.authenticate(people, person_id="staff-bole", password=PASSWORD) is None
    assert accounts.signed_in(people, token=token, now=MONDAY_11) is None


def test_sessions_end_when_idle_at_their_limit_at_logout_and_on_a_new_password(people):
    account = accounts.create_account(people, person_id="staff-bole", password=PASSWORD)
    token = accounts.open_session(people, account=account, now=MONDAY_11)
    assert people.get(WebSession, token) is None  # only the token's hash is stored
    idle = MONDAY_11 + accounts.IDLE_LIMIT
    assert accounts.signed_in(people, token=token, now=idle) is None
    token = accounts.open_session(people, account=account, now=MONDAY_11)
    moment = MONDAY_11
    while moment < MONDAY_11 + accounts.SESSION_LIMIT - dt.timedelta(minutes=20):
        moment += dt.timedelta(minutes=20)
        assert accounts.signed_in(people, token=token, now=moment) is not None
    assert accounts.signed_in(people, token=token, now=MONDAY_11 + accounts.SESSION_LIMIT) is None
    token = accounts.open_session(people, account=account, now=MONDAY_11)
    accounts.close_session(people, token=token)
    assert accounts.signed_in(people, token=token, now=MONDAY_11) is None
    token = accounts.open_session(people, account=account, now=MONDAY_11)
    accounts.set_password(people, person_id="staff-bole", password="another long password")
    assert accounts.signed_in(people, token=token, now=MONDAY_11) is None
    assert accounts.signed_in(people, token="forged", now=MONDAY_11) is None
