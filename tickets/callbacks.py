"""Call-back phones: the number a talent without a messenger (the web chat) leaves on their ticket so that
staff can call back. Never stored in clear text: encrypted (Fernet, a key derived from the registry's
secret) with a keyed hash of the last four digits, which with the ticket number lets the talent check the
ticket's status later. Staff see the masked number in the ticket's trail; the whole number only on asking,
and the asking is audited by the caller."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re

from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from tickets import service
from tickets.models import CallbackPhone, Ticket

CALLBACK_EVENT = "callback_phone"  # the ticket event staff see, with the masked number
MOBILE = re.compile(r"^1[3-9]\d{9}$")  # a mainland mobile number, 11 digits


class NotTheirs(Exception):
    """No such ticket, or another talent's."""


def mask(phone: str) -> str:
    """138****1234: what staff see of a number."""
    return f"{phone[:3]}****{phone[-4:]}"


def _key(secret: str, *, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"frontdesk.callback.{purpose}".encode(), hashlib.sha256).digest()


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key(secret, purpose="phone")))


def _last4_hash(secret: str, *, ticket_id: str, last4: str) -> str:
    digest = hmac.new(_key(secret, purpose="last4"), f"{ticket_id}:{last4}".encode(), hashlib.sha256)
    return digest.hexdigest()


def leave_phone(
    session: Session,
    *,
    sender_id: str,
    ticket_id: str,
    phone: str,
    secret: str,
    now: dt.datetime | None = None,
) -> CallbackPhone:
    """Keep the phone for a call-back on the talent's own ticket (a second one replaces it), with an event in
    the ticket's trail that shows staff the masked number. `phone`: 11 digits (MOBILE)."""
    now = now or utcnow()
    ticket = session.get(Ticket, ticket_id.strip().upper())
    if ticket is None or ticket.sender_id != sender_id:
        raise NotTheirs(ticket_id)
    record = session.get(CallbackPhone, ticket.id) or CallbackPhone(ticket_id=ticket.id)
    record.sender_id = sender_id
    record.phone_encrypted = _fernet(secret).encrypt(phone.encode()).decode()
    record.last4_hash = _last4_hash(secret, ticket_id=ticket.id, last4=phone[-4:])
    record.masked = mask(phone)
    record.updated_at = now
    session.add(record)
    service.record(
        session,
        ticket=ticket,
        actor=sender_id,
        action=CALLBACK_EVENT,
        before=service.snapshot(ticket),
        note=record.masked,
        now=now,
    )
    return record


def masked_phone(session: Session, *, ticket_id: str) -> str | None:
    record = session.get(CallbackPhone, ticket_id)
    return record.masked if record else None


def callback_phone(session: Session, *, ticket_id: str, secret: str) -> str | None:
    """The number to call back on a ticket (for staff who may see the ticket; the caller audits it)."""
    record = session.get(CallbackPhone, ticket_id)
    return _fernet(secret).decrypt(record.phone_encrypted.encode()).decode() if record else None


def ticket_for_status(session: Session, *, ticket_id: str, last4: str, secret: str) -> Ticket | None:
    """The ticket, when `last4` are the last four digits of its call-back phone; None alike for an unknown
    ticket, one without a phone and wrong digits."""
    ticket_id = ticket_id.strip().upper()
    record = session.get(CallbackPhone, ticket_id)
    expected = record.last4_hash if record else _last4_hash(secret, ticket_id="", last4="0000")
    matches = hmac.compare_digest(expected, _last4_hash(secret, ticket_id=ticket_id, last4=last4))
    return session.get(Ticket, ticket_id) if record is not None and matches else None
