"""Faults under load: the bot, the action server, Rasa (and the database) killed and restarted while
talents write in Telegram; counts the questions lost (must be 0) and what reached a talent twice.

    .venv/bin/python -m benchmarks.faults [--rate 3] [--seconds 90] [--talents 60] [--postgres]

The whole stack runs as `make serve` runs it: Rasa, the action server and the Telegram bot (`python -m
bot`, polling a fake Bot API server in this process) as child processes on loopback, a scratch database
(SQLite, or with --postgres a scratch PostgreSQL database), and the inbox's and the SLA sweeps in a thread
here every 2 s, with UNANSWERED_AFTER_SECONDS at 15. Talents send questions open-loop at --rate a second,
each talent's questions all different. Spaced through the run, each fault kills its process with SIGKILL
(then what is left of its group, as the supervisor does) and starts it again after 2 s: the bot while a
turn is in flight (a message in the inbox, not answered yet); the action server and Rasa likewise (then
waits until they are ready); the bot again the moment it has acknowledged an update to the Bot API (a
getUpdates with a later offset: Telegram would not deliver it again); with --postgres, PostgreSQL is
restarted once (pg_ctlcluster). After the load the sweeps run on until every message is settled and its
talent told, or for --drain seconds.

Lost: a message with no inbox row, a row still unsettled at the end, a ticketed or answered row whose
talent's chat got nothing after it (also counted: ticketed rows whose talent was told only that the
question is kept, the ticket's number still waiting in the outbox). Duplicate replies: a message recorded
(so answered) twice, or the same text twice within one turn (the channel's fixed apologies apart).
Notifications twice: the same text naming a ticket sent twice to one chat, a talent's or the staff
group's (an outbox row delivered twice). Recovery: from the fault to the first answer to a message sent
after it. Exit code 1 when a message was lost.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import logging
import math
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from benchmarks.telegram_load import QUESTIONS
from bot.messages import render
from frontdesk import database
from frontdesk.clock import utcnow
from frontdesk.config import Settings, get_settings
from frontdesk.database import make_engine, session_scope
from frontdesk.text import normalize
from inbox import scheduled as inbox_scheduled
from inbox.models import InboundMessage, InboxStatus
from launcher.prepare import prepare_database
from launcher.serve import (
    LOG_FORMAT,
    Service,
    build_services,
    free_port,
    stop_all,
    wait_until_ready,
    warm_up,
    with_secrets,
)
from notifications.models import OutboxMessage, OutboxStatus, RecipientKind
from tests.fake_bot_api import FakeBotApi, html_to_text
from tickets import scheduled as ticket_scheduled
from tickets import service as ticket_service
from tickets.models import Ticket

log = logging.getLogger("benchmarks.faults")

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
POSTGRES_DATABASE = "frontdesk_faults"
STAFF_CHAT_ID = -1001000000077
FIRST_TALENT = 600_000
UNANSWERED_AFTER_SECONDS = 15
SWEEP_SECONDS = 2.0
RESTART_AFTER_SECONDS = 2.0
IN_FLIGHT_WAIT_SECONDS = 5.0  # a fault waits this long at most for a turn in flight
READY_SECONDS = 120
TICKET_ID = re.compile(r"GC-\d{4}-\d{6}")
# (what, when: a share of the load's duration, the moment of the kill): "mid-turn" waits for a message
# recorded in the inbox and not answered yet; "acknowledged" for the next update the bot has confirmed to
# the Bot API (getUpdates with a later offset), the moment Telegram would no longer deliver it again
SCHEDULE = (
    ("telegram bot", 0.08, "mid-turn"),
    ("action server", 0.22, "mid-turn"),
    ("telegram bot", 0.36, "acknowledged"),
    ("rasa server", 0.48, "mid-turn"),
    ("postgres", 0.80, "mid-turn"),
)
SHORT = {"telegram bot": "bot", "action server": "actions", "rasa server": "rasa", "postgres": "postgres"}
ACKNOWLEDGED_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class Sent:
    talent: int
    text: str
    update_id: int
    at: float  # monotonic


@dataclass
class Fault:
    what: str
    planned: float  # monotonic
    moment: str = "mid-turn"
    at: float = 0.0  # monotonic time of the kill
    wall: dt.datetime | None = None
    in_flight: int = 0
    back_after: float | None = None  # seconds from the fault to the restarted service's readiness
    recovery: float | None = None  # seconds from the fault to the next answered turn
    note: str = ""


@dataclass
class Run:
    settings: Settings
    services: dict[str, Service]
    folder: Path
    api: FakeBotApi
    postgres_version: str | None = None
    sent: list[Sent] = field(default_factory=list)
    sent_lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    sweeps: int = 0
    failed_sweeps: int = 0


# -- the stack ------------------------------------------------------------------------------------------


def _clear_cached_settings() -> None:
    for cached in (get_settings, database.get_engine, database.get_sessionmaker):
        cached.cache_clear()


def _postgres_version() -> str:
    versions = sorted(
        (p.name for p in Path("/etc/postgresql").iterdir() if (p / "main").is_dir()), key=float, reverse=True
    )
    if not versions:
        raise SystemExit("no PostgreSQL cluster 'main' under /etc/postgresql")
    return versions[0]


@contextlib.contextmanager
def _scratch_postgres() -> Iterator[str]:
    # no pool: a connection kept from before the database's restart would fail the final DROP
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {POSTGRES_DATABASE}"))
        yield f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"
    finally:  # WITH (FORCE): connections left over from the services are closed
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)"))
        admin.dispose()


def _other_ports() -> dict[str, int]:
    """Free ports for the services beyond Rasa and the action server that this checkout has."""
    return {name: free_port() for name in ("backoffice_port",) if name in Settings.model_fields}


def _service_env(settings: Settings) -> dict[str, str]:
    """What `make serve` would have in its environment for this deployment (read by every service)."""
    assert settings.telegram_bot_token is not None
    return {
        "RASA_PORT": str(settings.rasa_port),
        "ACTIONS_PORT": str(settings.actions_port),
        "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token.get_secret_value(),
        "TELEGRAM_API_BASE_URL": settings.telegram_api_base_url,
        "STAFF_CHAT_ID": str(settings.staff_chat_id),
        "REGISTRY_SECRET": settings.registry_secret.get_secret_value(),
        "UNANSWERED_AFTER_SECONDS": str(settings.unanswered_after_seconds),
        "SPOOL_DIR": str(settings.spool_dir),
    }


def _polled_since(api: FakeBotApi, moment: float) -> bool:
    return any(name == "getUpdates" and at >= moment for name, _, at in list(api.calls))


def _wait_for_bot(run: Run, since: float, timeout: float = 60) -> float:
    """Block until the bot process polls the fake Bot API (started after `since`); seconds waited."""
    bot = run.services["telegram bot"]
    deadline = time.monotonic() + timeout
    while not _polled_since(run.api, since):
        if (code := bot.exited()) is not None:
            raise SystemExit(f"the telegram bot exited with code {code}{bot.log_hint()}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the telegram bot did not poll within {timeout:.0f} s{bot.log_hint()}")
        time.sleep(0.05)
    return time.monotonic() - since


@contextlib.contextmanager
def faulty_stack(api: FakeBotApi, *, folder: Path, postgres: bool) -> Iterator[Run]:
    with contextlib.ExitStack() as stack:
        database_url = (
            stack.enter_context(_scratch_postgres()) if postgres else f"sqlite:///{folder / 'faults.db'}"
        )
        settings = with_secrets(
            Settings(
                database_url=database_url,
                rasa_port=free_port(),
                actions_port=free_port(),
                rasa_open_for_evaluation=False,
                tracker_store_url=f"sqlite:///{folder / 'rasa-tracker.db'}",
                telegram_bot_token=SecretStr(api.token),
                telegram_api_base_url=api.base_url,
                staff_chat_id=STAFF_CHAT_ID,
                registry_secret=SecretStr(secrets.token_urlsafe(32)),  # not the demo: no demo secrets
                button_secret=SecretStr(secrets.token_urlsafe(32)),
                unanswered_after_seconds=UNANSWERED_AFTER_SECONDS,
                spool_dir=folder / "spool",
                **_other_ports(),
            )
        )
        settings.check_secrets()
        engine = make_engine(settings.database_url)
        prepare_database(engine)
        engine.dispose()
        services = build_services(settings, log_dir=folder)
        for service in services:
            service.env.update(_service_env(settings))
        previous = {name: os.environ.get(name) for name in ("DATABASE_URL", "SPOOL_DIR")}
        os.environ.update(DATABASE_URL=settings.database_url, SPOOL_DIR=str(settings.spool_dir))
        _clear_cached_settings()
        run = Run(
            settings,
            {service.name: service for service in services},
            folder,
            api,
            postgres_version=_postgres_version() if postgres else None,
        )
        try:
            started = time.monotonic()
            for service in services:
                service.start()
            print(f"server ready in {wait_until_ready(settings, services):.1f} s (logs in {folder})")
            _wait_for_bot(run, started)
            warm_up(settings)
            yield run
        finally:
            stop_all(services)
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            database.get_engine().dispose()
            _clear_cached_settings()


# -- load, sweeps, faults -------------------------------------------------------------------------------


def _load(run: Run, *, rate: float, seconds: float, talents: int) -> None:
    """Open-loop: message n at n/rate seconds, round-robin over the talents, each talent's all different."""
    total = int(rate * seconds)
    started = time.monotonic()
    for n in range(total):
        if run.stop.is_set():
            return
        time.sleep(max(0.0, started + n / rate - time.monotonic()))
        index, round_ = n % talents, n // talents
        talent = FIRST_TALENT + index
        question = QUESTIONS[(index + round_) % len(QUESTIONS)]
        update = run.api.send_text(talent, question)
        with run.sent_lock:
            run.sent.append(
                Sent(talent, question, update["update_id"], run.api.queued_at[update["update_id"]])
            )


def _sweep(run: Run) -> None:
    """As the launcher's `_sweep_every` does for `make serve`, every SWEEP_SECONDS."""
    stale_after = dt.timedelta(seconds=run.settings.unanswered_after_seconds)
    while not run.stop.wait(SWEEP_SECONDS):
        try:
            inbox_scheduled.sweep(spool_dir=run.settings.spool_dir, stale_after=stale_after)
            with session_scope() as session:
                ticket_scheduled.sweep(session, sla=ticket_service.default_sla())
            run.sweeps += 1
        except Exception as exc:
            run.failed_sweeps += 1
            log.error("sweep failed (%s)", type(exc).__name__)


def _turns_in_flight() -> int:
    """Talent messages recorded in the last 10 s and not answered yet."""
    with session_scope() as session:
        return session.scalar(
            select(func.count())
            .select_from(InboundMessage)
            .where(
                InboundMessage.status == InboxStatus.RECEIVED,
                InboundMessage.received_at > utcnow() - dt.timedelta(seconds=10),
            )
        )


def _wait_for_a_turn_in_flight() -> int:
    deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
    while time.monotonic() < deadline:
        if in_flight := _turns_in_flight():
            return in_flight
        time.sleep(0.005)
    return 0


def _wait_for_an_acknowledged_update(run: Run) -> Sent | None:
    """The next message sent, once the bot has confirmed its update to the Bot API (None: not in time)."""
    deadline = time.monotonic() + ACKNOWLEDGED_WAIT_SECONDS
    first = len(run.sent)
    while len(run.sent) <= first:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.0005)
    target, seen = run.sent[first], 0
    while time.monotonic() < deadline:
        calls = run.api.calls[seen:]
        seen += len(calls)
        if any(
            name == "getUpdates" and int(params.get("offset") or 0) > target.update_id
            for name, params, _ in calls
        ):
            return target
        time.sleep(0.0002)
    return None


def _kill(service: Service) -> None:
    """SIGKILL to the service's first process (a crash), then to what is left of its group."""
    assert service.process is not None
    with contextlib.suppress(ProcessLookupError):
        os.kill(service.process.pid, signal.SIGKILL)
    service.process.wait()
    service.signal_group(signal.SIGKILL)


def _inflict(run: Run, fault: Fault) -> None:
    """The fault, and the service (or database) back; runs in the main thread (see Service.start)."""
    time.sleep(max(0.0, fault.planned - time.monotonic()))
    if fault.moment == "acknowledged":
        target = _wait_for_an_acknowledged_update(run)
        fault.note = (
            f"killed {(time.monotonic() - target.at) * 1000:.0f} ms after telegram:{target.talent}'s"
            f" update {target.update_id} was queued, once acknowledged"
            if target
            else "no update acknowledged in time"
        )
    else:
        fault.in_flight = _wait_for_a_turn_in_flight()
    fault.at, fault.wall = time.monotonic(), utcnow()
    if fault.what == "postgres":
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", str(run.postgres_version), "main", "restart"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        fault.back_after = time.monotonic() - fault.at
        if done.returncode != 0:
            fault.note = f"pg_ctlcluster failed ({done.returncode}): {done.stderr.strip()[:200]}"
        return
    service = run.services[fault.what]
    _kill(service)
    time.sleep(RESTART_AFTER_SECONDS)
    restarted = time.monotonic()
    service.start()
    if fault.what == "telegram bot":
        _wait_for_bot(run, restarted)
    else:
        wait_until_ready(run.settings, list(run.services.values()), timeout=READY_SECONDS)
    fault.back_after = time.monotonic() - fault.at


# -- settling and counting ------------------------------------------------------------------------------


def _sent_index(sent: list[Sent]) -> dict[tuple[str, str], list[Sent]]:
    index: dict[tuple[str, str], list[Sent]] = defaultdict(list)
    for message in sent:
        index[(f"telegram:{message.talent}", normalize(message.text))].append(message)
    return index


def _rows() -> list[InboundMessage]:
    with session_scope() as session:
        rows = list(session.scalars(select(InboundMessage).where(InboundMessage.channel == "telegram")))
        session.expunge_all()
        return rows


def _pending_talent_notifications() -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.recipient_kind == RecipientKind.TALENT,
            )
        )


def _settled(run: Run) -> bool:
    index = _sent_index(run.sent)
    rows = _rows()
    recorded = Counter((row.sender_id, row.text) for row in rows)
    return (
        all(recorded[key] >= len(sent) for key, sent in index.items())
        and all(row.status is not InboxStatus.RECEIVED for row in rows)
        and not any(run.settings.spool_dir.glob("*"))
        and _pending_talent_notifications() == 0
    )


def _drain(run: Run, deadline_seconds: float) -> float:
    """Let the sweeps run on until everything is settled; the seconds it took (or the deadline)."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_seconds:
        try:
            if _settled(run):
                break
        except Exception as exc:  # the database restarting under the last check
            log.warning("settle check failed (%s)", type(exc).__name__)
        time.sleep(1.0)
    time.sleep(2.0)  # a duplicate would come now
    return time.monotonic() - started


def _fixed_notices() -> set[str]:
    """The channel's own apologies, the same text for every message they answer."""
    return {
        html_to_text(render(name, language, ticket_id=None))
        for name in ("handler_failed", "kept_for_later", "assistant_unavailable")
        for language in ("zh", "en")
        if not (name == "handler_failed" and language == "en")
    }


def report(run: Run, faults: list[Fault], *, started: float, drained: float) -> int:
    api, sent = run.api, list(run.sent)
    index = _sent_index(sent)
    rows = _rows()
    by_key: dict[tuple[str, str], list[InboundMessage]] = defaultdict(list)
    for row in rows:
        by_key[(row.sender_id, row.text)].append(row)
    chats = {message.talent for message in sent}
    bot_messages = {talent: api.sent(talent) for talent in chats}

    def texts_after(talent: int, moment: float) -> list[str]:
        return [
            m.get("text", "")
            for m in bot_messages[talent]
            if api.sent_at[(talent, m["message_id"])] >= moment
        ]

    def first_reply_at(talent: int, moment: float) -> float | None:
        times = [api.sent_at[(talent, m["message_id"])] for m in bot_messages[talent]]
        return min((t for t in times if t >= moment), default=None)

    unrecorded = [m for key, s in index.items() for m in s[len(by_key.get(key, [])) :]]
    missing = len(unrecorded)
    extra_rows = sum(max(0, len(r) - len(index.get(key, []))) for key, r in by_key.items())
    unknown_rows = sum(len(r) for key, r in by_key.items() if key not in index)
    unsettled = [row for row in rows if row.status is InboxStatus.RECEIVED]
    answered = [row for row in rows if row.status is InboxStatus.ANSWERED]
    ticketed = [row for row in rows if row.status is InboxStatus.TICKETED]
    untold, silent, no_number = [], [], []
    for key, own in by_key.items():
        for row, message in zip(own, index.get(key, []), strict=False):
            told = texts_after(message.talent, message.at)
            if row.status is InboxStatus.TICKETED and not told:
                untold.append(row)
            elif row.status is InboxStatus.TICKETED and not any(row.ticket_id in t for t in told):
                no_number.append(row)  # told it is kept (an apology), not yet the ticket's number
            elif row.status is InboxStatus.ANSWERED and not told:
                silent.append(row)
    lost = missing + len(unsettled) + len(untold) + len(silent)

    fixed = _fixed_notices()
    repeated_replies = repeated_notices = told_twice = 0
    examples: list[str] = []
    starts_of: dict[int, list[float]] = defaultdict(list)
    for message in sent:
        starts_of[message.talent].append(message.at)
    for talent in chats:
        # a reply sent twice: the same text twice within one turn (up to the talent's next message)
        starts = [*sorted(starts_of[talent]), float("inf")]
        for begin, end in itertools.pairwise(starts):
            turn = Counter(
                m.get("text", "")
                for m in bot_messages[talent]
                if begin <= api.sent_at[(talent, m["message_id"])] < end
            )
            for body, count in turn.items():
                if count > 1 and body not in fixed and not TICKET_ID.search(body):
                    repeated_replies += count - 1
                    examples.append(f"telegram:{talent} got {count} times: {body[:60]!r}")
        # a notification sent twice: the same text naming a ticket, twice in the chat
        counts = Counter(m.get("text", "") for m in bot_messages[talent])
        for body, count in counts.items():
            if count > 1 and TICKET_ID.search(body):
                repeated_notices += count - 1
                examples.append(f"telegram:{talent} got {count} times: {body[:60]!r}")
        named = Counter(tid for body in counts for tid in set(TICKET_ID.findall(body)))
        told_twice += sum(1 for n in named.values() if n > 1)
    staff = Counter(m.get("text", "") for m in api.sent(STAFF_CHAT_ID))
    staff_twice = sum(count - 1 for body, count in staff.items() if count > 1 and TICKET_ID.search(body))
    repeated_notices += staff_twice
    duplicates = extra_rows + repeated_replies
    delays, staff_cards = _notification_delays()

    for fault in faults:
        after = [
            first_reply_at(message.talent, message.at)
            for key, own in by_key.items()
            for row, message in zip(own, index.get(key, []), strict=False)
            if row.status is InboxStatus.ANSWERED and message.at >= fault.at
        ]
        answered_at = min((t for t in after if t is not None), default=None)
        fault.recovery = None if answered_at is None else answered_at - fault.at

    print(
        f"messages sent: {len(sent)} from {len(chats)} talents"
        f" (load {sent[-1].at - sent[0].at:.0f} s; settled {drained:.0f} s after it)"
    )
    print(f"inbox rows recorded: {len(rows)} ({unknown_rows} not matching a message sent)")
    print(f"answered: {len(answered)}")
    print(
        f"ticketed: {len(ticketed)} ("
        + ", ".join(f"{reason} {n}" for reason, n in sorted(_ticket_reasons(ticketed).items()))
        + ")"
    )
    print(
        f"lost: {lost} (no inbox row {missing}, unsettled {len(unsettled)}, ticketed but the talent told"
        f" nothing {len(untold)}, answered but nothing sent {len(silent)})"
    )
    print(
        f"ticketed, the talent told it is kept but not yet the ticket's number: {len(no_number)}"
        f" (the notification still pending in the outbox: {_pending_of([r.ticket_id for r in no_number])})"
    )
    for message in unrecorded[:10]:
        print(
            f"  lost: telegram:{message.talent} {message.text!r} (update {message.update_id}): no inbox row"
        )
    for row in (unsettled + untold + silent)[:10]:
        print(
            f"  lost: {row.sender_id} {row.text!r} {row.status} ticket {row.ticket_id} at {row.received_at}"
        )
    print(
        f"duplicate replies: {duplicates} (messages recorded twice {extra_rows}, same reply twice"
        f" {repeated_replies})"
    )
    print(
        f"notifications twice: {repeated_notices} (a text naming a ticket sent twice to one chat;"
        f" {staff_twice} in the staff group);"
        f" tickets named in two different messages to the talent: {told_twice}"
    )
    for example in examples[:10]:
        print(f"  twice: {example}")
    print(
        "talents told of a ticket the sweep opened: "
        + (
            f"{len(delays)}, after p50 {statistics.median(delays):.0f} s, max {max(delays):.0f} s"
            if delays
            else "none"
        )
        + f"; staff group cards delivered {staff_cards[0]} of {staff_cards[1]}"
    )
    print(f"sweeps: {run.sweeps} ({run.failed_sweeps} failed)")
    for fault in faults:
        _print_fault(fault, started)
    recovery = ",".join(
        f"{SHORT[f.what]}:{f.recovery:.1f}" if f.recovery is not None else f"{SHORT[f.what]}:none"
        for f in faults
    )
    print(
        f"faults: sent={len(sent)} recorded={len(rows)} answered={len(answered)} ticketed={len(ticketed)}"
        f" lost={lost} duplicate_replies={duplicates} notifications_twice={repeated_notices}"
        f" recovery_s={recovery}"
    )
    return lost


def _pending_of(ticket_ids: list[str | None]) -> int:
    """How many of these tickets' talent notifications are still waiting in the outbox."""
    with session_scope() as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.ticket_id.in_([t for t in ticket_ids if t]),
                OutboxMessage.recipient_kind == RecipientKind.TALENT,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
        )


def _notification_delays() -> tuple[list[float], tuple[int, int]]:
    """Seconds from queueing to delivery of the talents' notifications of a ticket (delivered ones), and
    the staff group's new-ticket cards (delivered, queued)."""
    with session_scope() as session:
        rows = session.execute(
            select(OutboxMessage.recipient_kind, OutboxMessage.created_at, OutboxMessage.delivered_at)
        ).all()
    delays = [
        (delivered - created).total_seconds()
        for kind, created, delivered in rows
        if kind == RecipientKind.TALENT and delivered is not None
    ]
    staff = [delivered for kind, _, delivered in rows if kind == RecipientKind.STAFF_GROUP]
    return delays, (sum(1 for d in staff if d is not None), len(staff))


def _ticket_reasons(rows: list[InboundMessage]) -> Counter[str]:
    with session_scope() as session:
        reasons = session.execute(
            select(Ticket.id, Ticket.reason).where(Ticket.id.in_([row.ticket_id for row in rows]))
        ).all()
    return Counter(reason for _, reason in reasons)


def _print_fault(fault: Fault, started: float) -> None:
    back = f"back after {fault.back_after:.1f} s" if fault.back_after is not None else "not back"
    recovery = f"{fault.recovery:.1f} s" if fault.recovery is not None else "none"
    moment = (
        "as an update was acknowledged"
        if fault.moment == "acknowledged"
        else f"with {fault.in_flight} turn(s) in flight"
    )
    print(
        f"fault: {fault.what} {'restarted' if fault.what == 'postgres' else 'killed (SIGKILL)'}"
        f" at {fault.at - started:.1f} s {moment}; {back};"
        f" next answered turn after {recovery}" + (f"; {fault.note}" if fault.note else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=3.0, help="messages offered per second")
    parser.add_argument("--seconds", type=float, default=90.0, help="how long the load runs")
    parser.add_argument("--talents", type=int, default=60)
    parser.add_argument("--drain", type=float, default=60.0, help="seconds at most to settle after the load")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL, restarted once")
    args = parser.parse_args()
    talents = max(args.talents, math.ceil(args.rate * args.seconds / len(QUESTIONS)))

    folder = Path(tempfile.mkdtemp(prefix="frontdesk-faults-"))
    handler = logging.FileHandler(folder / "benchmark.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with (
        FakeBotApi(max_poll_wait=1.0) as api,
        faulty_stack(api, folder=folder, postgres=args.postgres) as run,
    ):
        # a long poll cut by the killed bot is not an error of the fake server: no traceback on stderr
        api._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        started = time.monotonic()
        faults = [
            Fault(what, started + share * args.seconds, moment)
            for what, share, moment in SCHEDULE
            if what != "postgres" or args.postgres
        ]
        load = threading.Thread(
            target=_load, args=(run,), kwargs={"rate": args.rate, "seconds": args.seconds, "talents": talents}
        )
        sweeper = threading.Thread(target=_sweep, args=(run,), name="sweep", daemon=True)
        load.start()
        sweeper.start()
        try:
            for fault in faults:
                _inflict(run, fault)
            load.join()
            drained = _drain(run, args.drain)
        finally:
            run.stop.set()
            load.join()
            sweeper.join(timeout=30)
        lost = report(run, faults, started=started, drained=drained)
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
