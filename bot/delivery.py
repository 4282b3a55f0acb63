"""The outbox drained to Telegram: every notification the ticket store queued, sent at least once.

A repeating job takes the oldest due row Telegram can reach (the staff group, roster people, and talents
whose sender id is "telegram:<user id>"; the rows of other channels' talents stay pending for their own
channel), leases it for LEASE, renders it from bot/templates and sends it, then records the outcome in a
transaction of its own, so one bad row never holds up the others. A crash between sending and that
commit sends the message again once the lease has run out: delivery is at least once. A text too long for
one Telegram message goes as several, each but the last recorded as sent when it is out, so that a later
try sends only the parts not sent yet. Flood control (RetryAfter) postpones a row without counting a try;
network errors back off (notifications.outbox); a blocked bot, an unknown chat or a refused message flag
the row at once, and the staff group is told of every flagged row that was not meant for the staff group
itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes
from telegram.warnings import PTBDeprecationWarning

from backoffice.models import Account
from bot.flows import chosen_language
from bot.keyboards import ticket_button
from bot.messages import render
from bot.notices import notice_keyboard
from bot.votes import rating_keyboard
from feedback import service as feedback
from frontdesk.clock import utcnow
from frontdesk.config import Settings
from frontdesk.database import session_scope
from frontdesk.text import detect_language, split_message
from frontdesk.vocabulary import TOPIC_LABELS
from notifications import outbox
from notifications.models import OutboxKind, OutboxMessage, OutboxStatus, RecipientKind
from people.models import Person
from tickets.models import Ticket

log = logging.getLogger(__name__)

TALENT_PREFIX = "telegram:"
LEASE = dt.timedelta(minutes=2)  # a row being sent is not due again for this long
BATCH = 50  # rows at most per run
TRANSCRIPT_TURNS = 10
NEW_TICKET = ("claim", "reply", "escalate", "resolve")
LEADER = ("reply", "handback")
BUTTONS = {"created": NEW_TICKET, "handed_back": NEW_TICKET, "talent_replied": ("reply", "resolve")}
IN_THEIR_LANGUAGE = {OutboxKind.CONTACT_REMINDER}  # to roster people in their back-office language, not zh


class Undeliverable(Exception):
    """A row that no Telegram chat can receive."""


@dataclass(frozen=True)
class Envelope:
    """A leased outbox row, ready to send; with `problem`, one that can never be sent."""

    outbox_id: int
    chat_id: int = 0
    parts: tuple[str, ...] = ()
    markup: InlineKeyboardMarkup | None = None
    problem: str | None = None
    parts_sent: int = 0  # by earlier tries


@dataclass(frozen=True)
class Outcome:
    """How sending went: delivered when `error` is None."""

    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None  # flood control: try again after this many seconds, uncounted


def _chat_of(session: Session, row: OutboxMessage, settings: Settings) -> int:
    if row.recipient_kind == RecipientKind.STAFF_GROUP:
        if settings.staff_chat_id is None:
            raise Undeliverable("STAFF_CHAT_ID is not set")
        return settings.staff_chat_id
    if row.recipient_kind == RecipientKind.PERSON:
        person = session.get(Person, row.recipient)
        if person is None or person.telegram_user_id is None:
            raise Undeliverable(f"{row.recipient} has no Telegram user id on the roster")
        return person.telegram_user_id
    user_id = row.recipient.removeprefix(TALENT_PREFIX)
    if row.recipient_kind != RecipientKind.TALENT or not user_id.isdigit():
        raise Undeliverable(f"{row.recipient_kind} {row.recipient} is not a Telegram chat")
    return int(user_id)


def _card(ticket: Ticket) -> dict[str, Any]:
    """What staff and leaders see of a ticket."""
    return {
        "id": ticket.id,
        "question": ticket.question,
        "district": ticket.district,
        "topic": TOPIC_LABELS["zh"].get(ticket.topic or "", ticket.topic),
        "priority": str(ticket.priority),
        "due": ticket.first_response_due,
        "turns": ticket.transcript[-TRANSCRIPT_TURNS:],
    }


def _talent_language(session: Session, sender_id: str, ticket: Ticket | None) -> str:
    """The talent's /lang choice, else the language of their question (Chinese when unsure)."""
    chosen = chosen_language(session, sender_id=sender_id)
    if chosen is not None:
        return chosen
    return detect_language(ticket.question) if ticket else "zh"


def _person_language(session: Session, row: OutboxMessage) -> str:
    """Staff and leaders read Chinese; the kinds IN_THEIR_LANGUAGE come in the language the person chose
    for the back office."""
    if row.kind not in IN_THEIR_LANGUAGE or row.recipient_kind != RecipientKind.PERSON:
        return "zh"
    account = session.get(Account, row.recipient)
    return account.language if account is not None and account.language in ("zh", "en") else "zh"


def _keyboard(row: OutboxMessage) -> InlineKeyboardMarkup | None:
    """Ticket buttons for staff and leaders; talents' messages have none (but 1–5 under "resolved" and the
    buttons of a policy-change notice, in _envelope)."""
    if row.ticket_id is None or row.recipient_kind == RecipientKind.TALENT:
        return None
    if row.kind == "sla_warning":
        actions = LEADER if row.recipient_kind == RecipientKind.PERSON else NEW_TICKET
    else:
        actions = LEADER if row.kind == "escalated" else BUTTONS.get(row.kind, ())
    buttons = [ticket_button(action, row.ticket_id) for action in actions]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]) if buttons else None


def _asks_rating(session: Session, row: OutboxMessage, ticket: Ticket | None) -> bool:
    """The talent is asked for 1–5 under the notice that their ticket is resolved, unless they rated it."""
    return (
        row.kind == OutboxKind.RESOLVED
        and ticket is not None
        and feedback.rating_of(session, ticket_id=ticket.id) is None
    )


def _envelope(session: Session, row: OutboxMessage, settings: Settings) -> Envelope:
    """The row as Telegram messages: staff read Chinese, talents their own language."""
    try:
        chat_id = _chat_of(session, row, settings)
        ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
        markup = _keyboard(row)
        if row.recipient_kind == RecipientKind.TALENT:
            values = dict(row.payload)  # a payload naming its language (a policy-change notice) is in it
            language = values.pop("language", None) or _talent_language(session, row.recipient, ticket)
            ask_rating = _asks_rating(session, row, ticket)
            text = render(f"talent_{row.kind}", language, **values, ask_rating=ask_rating)
            if ask_rating and ticket is not None:
                markup = rating_keyboard(ticket_id=ticket.id, language=language)
            elif row.kind == OutboxKind.POLICY_CHANGED:
                markup = notice_keyboard(session, payload=row.payload, language=language)
        else:
            language = _person_language(session, row)
            text = render(
                f"notify_{row.kind}", language, ticket=_card(ticket) if ticket else None, **row.payload
            )
        parts = tuple(split_message(text))
        if not parts:
            raise Undeliverable("the message is empty")
    except Undeliverable as exc:
        return Envelope(row.id, problem=str(exc))
    except Exception as exc:  # a missing template or payload field must not hold up the other rows
        log.exception("outbox %d (%s) cannot be rendered", row.id, row.kind)
        return Envelope(row.id, problem=f"cannot be rendered: {exc!r}")
    return Envelope(row.id, chat_id, parts, markup, parts_sent=row.parts_sent)


def _claim(settings: Settings) -> Envelope | None:
    """Lease the oldest due row and prepare its message."""
    now = utcnow()
    with session_scope() as session:
        row = outbox.lease_next(session, now=now, lease=LEASE, talents_of=TALENT_PREFIX)
        return None if row is None else _envelope(session, row, settings)


def _retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # an int until PTB_TIMEDELTA, with a deprecation warning
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)


def _part_sent(envelope: Envelope, number: int) -> None:
    """Record, in a transaction of its own, that the row's first `number` parts are out."""
    with session_scope() as session:
        row = session.get(OutboxMessage, envelope.outbox_id)
        assert row is not None
        outbox.mark_parts_sent(row, parts=number)


async def _send(bot: Bot, envelope: Envelope) -> Outcome:
    """Send the parts earlier tries did not, each recorded as it goes out (the last by the outcome)."""
    if envelope.problem is not None:
        return Outcome(error=envelope.problem, permanent=True)
    last = len(envelope.parts)
    try:
        for number, part in enumerate(envelope.parts[envelope.parts_sent :], start=envelope.parts_sent + 1):
            markup = envelope.markup if number == last else None  # under the last part
            await bot.send_message(envelope.chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup)
            if number < last:
                await asyncio.to_thread(_part_sent, envelope, number)
    except RetryAfter as exc:
        return Outcome(error=str(exc), retry_after=_retry_after_seconds(exc))
    except (Forbidden, BadRequest, ChatMigrated) as exc:  # the same request would be refused again
        return Outcome(error=exc.message, permanent=True)
    except TelegramError as exc:  # TimedOut, NetworkError, ...: try again later
        return Outcome(error=exc.message)
    return Outcome()


def _recipient_label(session: Session, row: OutboxMessage) -> str:
    person = session.get(Person, row.recipient) if row.recipient_kind == RecipientKind.PERSON else None
    return f"{person.name}（{person.id}）" if person else row.recipient


def _settle(envelope: Envelope, outcome: Outcome, settings: Settings) -> None:
    """Record how sending went, in a transaction of its own."""
    now = utcnow()
    with session_scope() as session:
        row = session.get(OutboxMessage, envelope.outbox_id)
        assert row is not None
        if outcome.error is None:
            outbox.mark_delivered(session, message=row, now=now)
        elif outcome.retry_after is not None:
            outbox.postpone(row, seconds=outcome.retry_after, error=outcome.error, now=now)
            log.warning("outbox %d (%s) postponed by flood control: %s", row.id, row.kind, outcome.error)
        else:
            outbox.mark_failed(
                session,
                message=row,
                error=outcome.error,
                max_attempts=settings.outbox_max_attempts,
                permanent=outcome.permanent,
                now=now,
            )
            flagged = row.status is OutboxStatus.FAILED
            log.log(
                logging.ERROR if flagged else logging.WARNING,
                "outbox %d (%s to %s) %s: %s",
                row.id,
                row.kind,
                row.recipient_kind,
                "flagged" if flagged else "will be retried",
                outcome.error,
            )
            if flagged:
                outbox.alert_staff(
                    session, message=row, recipient_label=_recipient_label(session, row), now=now
                )


async def deliver_due(bot: Bot, settings: Settings, *, limit: int = BATCH) -> int:
    """Send due outbox rows one at a time, oldest first, until none is due; the number taken."""
    for taken in range(limit):
        envelope = await asyncio.to_thread(_claim, settings)
        if envelope is None:
            return taken
        outcome = await _send(bot, envelope)
        await asyncio.to_thread(_settle, envelope, outcome, settings)
        if outcome.retry_after is not None:
            return taken + 1
    return limit


async def _drain(context: ContextTypes.DEFAULT_TYPE) -> None:
    lock: asyncio.Lock = context.bot_data.setdefault("outbox_lock", asyncio.Lock())
    if lock.locked():  # the last run is still sending (APScheduler would log a skipped run every tick)
        return
    async with lock:
        await deliver_due(context.bot, context.bot_data["settings"])


def register(application: Application) -> None:
    """Deliver the outbox every OUTBOX_POLL_SECONDS while the application runs."""
    settings: Settings = application.bot_data["settings"]
    if settings.staff_chat_id is None:
        log.error("STAFF_CHAT_ID is not set: notifications for the staff group will be flagged undeliverable")
    assert application.job_queue is not None, "python-telegram-bot[job-queue] is required"
    application.job_queue.run_repeating(
        _drain, interval=settings.outbox_poll_seconds, name="outbox", job_kwargs={"max_instances": 2}
    )
