"""Talent registry: green-card holders imported from CSV, and binding messenger users to them: one account
per card, failed tries counted per account and per card, each count one atomic statement.

Phone numbers are never stored or logged: only keyed hashes (HMAC-SHA256) of the number and of
its last four digits (bound to the card number) are kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from frontdesk.database import UtcDateTime
from frontdesk.vocabulary import DISTRICTS, TIERS
from people.models import Binding, BindingLockout, LockScope, Talent

log = logging.getLogger(__name__)

MAX_TRIES = 5
LOCK_TIME = dt.timedelta(hours=1)
MAX_LOCK_KEY = 120  # characters of a sender id or a typed card number a lockout is kept under
REQUIRED_COLUMNS = ("card_number", "name", "tier", "district", "phone")
_PHONE = re.compile(r"^\+?\d{7,15}$")


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BindResult:
    bound: bool
    talent: Talent | None = None
    tries_left: int = 0
    locked_until: dt.datetime | None = None
    taken: bool = False  # the card is bound to another account
    holder: str | None = None  # the account bound to the card, to be told of this try


def _digest(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def phone_hashes(*, secret: str, card_number: str, phone: str) -> tuple[str, str]:
    """Keyed hashes of the whole number and of its last four digits for this card."""
    digits = re.sub(r"\D", "", phone)
    return _digest(secret, digits), _digest(secret, f"{card_number}:{digits[-4:]}")


def _row_problem(*, card: str, tier: str, district: str, phone: str, seen: set[str]) -> str | None:
    if not card:
        return "no card number"
    if card in seen:
        return f"card {card} appears twice"
    if tier not in TIERS:
        return f"unknown tier {tier!r} (use one of {', '.join(TIERS)})"
    if district not in DISTRICTS:
        return f"unknown district {district!r} (use one of {', '.join(DISTRICTS)})"
    if not _PHONE.match(phone):
        return "the phone number is not a phone number"
    return None


def import_csv(session: Session, *, text: str, secret: str) -> ImportReport:
    """Add or update holders from CSV text (columns: card_number, name, tier, district, phone).
    A bad row is reported by line number and skipped; phone numbers never appear in the report."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        report.problems.append(f"missing columns: {', '.join(missing)}")
        return report
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        card = (row["card_number"] or "").strip().upper()
        tier, district = (row["tier"] or "").strip(), (row["district"] or "").strip()
        phone = re.sub(r"[\s-]", "", row["phone"] or "")
        problem = _row_problem(card=card, tier=tier, district=district, phone=phone, seen=seen)
        if problem:
            report.problems.append(f"line {line}: {problem}")
            continue
        seen.add(card)
        phone_hash, last4_hash = phone_hashes(secret=secret, card_number=card, phone=phone)
        talent = session.get(Talent, card)
        if talent is None:
            session.add(
                Talent(
                    card_number=card,
                    name=row["name"].strip(),
                    tier=tier,
                    district=district,
                    phone_hash=phone_hash,
                    phone_last4_hash=last4_hash,
                )
            )
            report.imported += 1
        else:
            talent.name, talent.tier, talent.district = row["name"].strip(), tier, district
            talent.phone_hash, talent.phone_last4_hash = phone_hash, last4_hash
            report.updated += 1
    session.flush()
    return report


def _insert(session: Session) -> Callable[..., Any]:
    """The INSERT that knows ON CONFLICT on this session's database."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _lockouts(keys: tuple[tuple[LockScope, str], ...]) -> ColumnElement[bool]:
    return or_(*(and_(BindingLockout.scope == scope, BindingLockout.key == key) for scope, key in keys))


@dataclass(frozen=True)
class _Count:
    tries: int
    locked_until: dt.datetime | None

    @property
    def was_locked(self) -> bool:
        """Locked before this try: only tries while locked count past MAX_TRIES."""
        return self.tries > MAX_TRIES


def _count_try(session: Session, *, scope: LockScope, key: str, now: dt.datetime) -> _Count:
    """Count a try in one statement (concurrent tries queue on the row): the tries so far and the lock,
    set when they reach MAX_TRIES. A lock that has run out starts the count again."""
    running = BindingLockout.locked_until > now
    tries = case((BindingLockout.locked_until <= now, 1), else_=BindingLockout.tries + 1)
    lock = literal(now + LOCK_TIME, UtcDateTime())
    statement = _insert(session)(BindingLockout).values(scope=scope, key=key, tries=1, locked_until=None)
    statement = statement.on_conflict_do_update(
        index_elements=[BindingLockout.scope, BindingLockout.key],
        set_={
            "tries": tries,
            "locked_until": case((running, BindingLockout.locked_until), (tries >= MAX_TRIES, lock)),
        },
    ).returning(BindingLockout.tries, BindingLockout.locked_until)
    counted, locked_until = session.execute(statement).one()
    return _Count(counted, locked_until)


def _take_card(session: Session, *, sender_id: str, card: str, now: dt.datetime) -> bool:
    """Bind the account to the card (replacing its earlier card), unless another account holds the card:
    the unique card number decides, also between two tries at the same moment."""
    statement = _insert(session)(Binding).values(sender_id=sender_id, card_number=card, bound_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[Binding.sender_id],
        set_={"card_number": statement.excluded.card_number, "bound_at": statement.excluded.bound_at},
    )
    try:
        with session.begin_nested():
            session.execute(statement)
    except IntegrityError:
        return False
    return True


def holder_of(session: Session, *, card_number: str) -> str | None:
    """The sender id of the account a card is bound to, if any."""
    return session.scalar(select(Binding.sender_id).where(Binding.card_number == card_number))


def bind(
    session: Session,
    *,
    sender_id: str,
    card_number: str,
    last4: str,
    secret: str,
    now: dt.datetime | None = None,
) -> BindResult:
    """Bind a messenger user to a holder by card number and the phone's last four digits, unless another
    account holds the card. Every try counts against the account and the card (in that order, always)
    until one binds: after MAX_TRIES either is locked for LOCK_TIME. The result's `holder` is the account
    to tell of the try."""
    now = now or utcnow()
    card = card_number.strip().upper()
    keys = ((LockScope.ACCOUNT, sender_id), (LockScope.CARD, card[:MAX_LOCK_KEY]))
    counts = [_count_try(session, scope=scope, key=key, now=now) for scope, key in keys]
    locks = [count.locked_until for count in counts if count.locked_until is not None]
    refused = BindResult(
        bound=False,
        tries_left=max(MAX_TRIES - max(count.tries for count in counts), 0),
        locked_until=max(locks) if locks else None,
    )
    if any(count.was_locked for count in counts):
        return refused
    talent = session.get(Talent, card)
    digits = re.sub(r"\D", "", last4)
    if (
        talent is None
        or len(digits) != 4
        or not hmac.compare_digest(talent.phone_last4_hash, _digest(secret, f"{card}:{digits}"))
    ):
        holder = holder_of(session, card_number=card) if talent else None
        log.info("binding refused for %s", sender_id)
        return replace(refused, holder=holder if holder != sender_id else None)
    if not _take_card(session, sender_id=sender_id, card=card, now=now):
        log.info("binding refused for %s: the card is bound to another account", sender_id)
        return replace(refused, taken=True, holder=holder_of(session, card_number=card))
    session.execute(delete(BindingLockout).where(_lockouts(keys)))
    log.info("%s bound to a green card", sender_id)
    return BindResult(bound=True, talent=talent, holder=sender_id)


def unbind(session: Session, *, card_number: str) -> str | None:
    """Release a card from the account bound to it (staff, for a holder who changed accounts): that
    account's sender id, or None when the card was not bound."""
    holder = holder_of(session, card_number=card_number.strip().upper())
    if holder is not None:
        session.execute(delete(Binding).where(Binding.sender_id == holder))
        log.info("%s unbound from its green card", holder)
    return holder


def profile_of(session: Session, *, sender_id: str) -> Talent | None:
    """The holder a messenger user is bound to, if any."""
    return session.scalar(
        select(Talent)
        .join(Binding, Binding.card_number == Talent.card_number)
        .where(Binding.sender_id == sender_id)
    )
