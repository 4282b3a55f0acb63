"""Talent registry: green-card holders imported from CSV, and binding messenger users to them.

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
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from frontdesk.vocabulary import DISTRICTS, TIERS
from people.models import Binding, BindingAttempts, Talent

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCK_TIME = dt.timedelta(hours=1)
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


def bind(
    session: Session,
    *,
    sender_id: str,
    card_number: str,
    last4: str,
    secret: str,
    now: dt.datetime | None = None,
) -> BindResult:
    """Bind a messenger user to a holder by card number and the phone's last four digits.
    After MAX_FAILURES wrong tries binding is locked for LOCK_TIME."""
    now = now or utcnow()
    attempts = session.get(BindingAttempts, sender_id) or BindingAttempts(sender_id=sender_id, failures=0)
    session.add(attempts)
    if attempts.locked_until is not None and attempts.locked_until > now:
        return BindResult(bound=False, locked_until=attempts.locked_until)
    if attempts.locked_until is not None:
        attempts.failures, attempts.locked_until = 0, None
    card = card_number.strip().upper()
    talent = session.get(Talent, card)
    digits = re.sub(r"\D", "", last4)
    if (
        talent is None
        or len(digits) != 4
        or not hmac.compare_digest(talent.phone_last4_hash, _digest(secret, f"{card}:{digits}"))
    ):
        attempts.failures += 1
        log.info("binding refused for %s (%d failures)", sender_id, attempts.failures)
        if attempts.failures >= MAX_FAILURES:
            attempts.locked_until = now + LOCK_TIME
            return BindResult(bound=False, locked_until=attempts.locked_until)
        return BindResult(bound=False, tries_left=MAX_FAILURES - attempts.failures)
    attempts.failures = 0
    binding = session.get(Binding, sender_id) or Binding(sender_id=sender_id, card_number=card)
    binding.card_number, binding.bound_at = card, now
    session.add(binding)
    session.flush()
    log.info("%s bound to a green card", sender_id)
    return BindResult(bound=True, talent=talent)


def profile_of(session: Session, *, sender_id: str) -> Talent | None:
    """The holder a messenger user is bound to, if any."""
    return session.scalar(
        select(Talent)
        .join(Binding, Binding.card_number == Talent.card_number)
        .where(Binding.sender_id == sender_id)
    )
