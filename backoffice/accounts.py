"""Accounts, passwords and sessions of the back office: one thing per function."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlalchemy.orm import Session

from backoffice.models import Account, WebSession
from frontdesk.clock import utcnow
from people.models import Person

MIN_PASSWORD_CHARS = 12
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
IDLE_LIMIT = dt.timedelta(minutes=30)
SESSION_LIMIT = dt.timedelta(hours=10)
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account that cannot be made or changed as asked: the reason, for the operator."""


@dataclass(frozen=True)
class SignedIn:
    """Who a valid session belongs to."""

    person: Person
    account: Account
    session: WebSession


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")


def create_account(
    session: Session,
    *,
    person_id: str,
    password: str,
    admin: bool = False,
    editor: bool = False,
    language: str = "zh",
) -> Account:
    """An account for a roster person (AccountError: no such person, or one already)."""
    if session.get(Person, person_id) is None:
        raise AccountError(f"{person_id!r} is not on the roster: import the roster first")
    if session.get(Account, person_id) is not None:
        raise AccountError(f"{person_id!r} already has an account")
    check_password_strength(password)
    account = Account(
        person_id=person_id,
        password_hash=_hasher.hash(password),
        admin=admin,
        editor=editor,
        language=language,
    )
    session.add(account)
    session.flush()
    return account


def set_password(session: Session, *, person_id: str, password: str) -> None:
    """A new password; every open session of the account ends and a lockout is lifted."""
    account = session.get(Account, person_id)
    if account is None:
        raise AccountError(f"{person_id!r} has no account")
    check_password_strength(password)
    account.password_hash = _hasher.hash(password)
    account.failed_logins, account.locked_until = 0, None
    session.execute(delete(WebSession).where(WebSession.person_id == person_id))


def authenticate(
    session: Session, *, person_id: str, password: str, now: dt.datetime | None = None
) -> Account | None:
    """The account when the password is right and the account may log in now; a wrong password counts
    towards a lockout of LOCKOUT after MAX_FAILED_LOGINS. The same None for every failure."""
    now = now or utcnow()
    account = session.get(Account, person_id.strip())
    if account is None:
        _hasher.hash(password)  # the same time as a wrong password: no telling which ids exist
        return None
    person = session.get(Person, account.person_id)
    if account.locked_until is not None and account.locked_until > now:
        return None
    try:
        _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.failed_logins, account.locked_until = 0, now + LOCKOUT
        return None
    if person is None or not person.active:
        return None
    account.failed_logins, account.locked_until = 0, None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return account


def open_session(session: Session, *, account: Account, now: dt.datetime | None = None) -> str:
    """A new session for the account; returns the token for the cookie (only its hash is kept)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_token_hash(token),
            person_id=account.person_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIMIT,
        )
    )
    session.flush()
    return token


def signed_in(session: Session, *, token: str | None, now: dt.datetime | None = None) -> SignedIn | None:
    """Who the session token belongs to, when it is valid now (not idle too long, not expired, the person
    still active); touches the session."""
    if not token:
        return None
    now = now or utcnow()
    web_session = session.get(WebSession, _token_hash(token))
    if web_session is None:
        return None
    if web_session.expires_at <= now or web_session.last_seen_at + IDLE_LIMIT <= now:
        session.delete(web_session)
        return None
    account = session.get(Account, web_session.person_id)
    person = session.get(Person, web_session.person_id)
    if account is None or person is None or not person.active:
        return None
    web_session.last_seen_at = now
    return SignedIn(person=person, account=account, session=web_session)


def csrf_valid(signed: SignedIn, *, provided: str | None) -> bool:
    return provided is not None and hmac.compare_digest(provided.encode(), signed.session.csrf_token.encode())


def close_session(session: Session, *, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def purge_sessions(session: Session, *, now: dt.datetime | None = None) -> int:
    """Remove expired sessions; returns how many."""
    now = now or utcnow()
    result = session.execute(
        delete(WebSession).where(
            (WebSession.expires_at <= now) | (WebSession.last_seen_at <= now - IDLE_LIMIT)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def set_language(session: Session, *, account: Account, language: str) -> None:
    if language not in {"zh", "en"}:
        raise AccountError("language must be zh or en")
    account.language = language
