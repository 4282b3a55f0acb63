"""Ticket store at scale: ticket creation latency, and the SLA sweep over 10,000 open tickets.

Runs against --database-url (default: the PostgreSQL this machine kind runs, in a scratch schema
that is dropped afterwards). Targets: creation p95 under 20 ms on PostgreSQL; a sweep over 10,000
open tickets under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
import uuid

from sqlalchemy import insert, text
from sqlalchemy.orm import sessionmaker

from frontdesk.clock import LOCAL_TZ
from frontdesk.database import make_engine
from frontdesk.migrate import upgrade_schema
from frontdesk.vocabulary import DISTRICTS, TOPICS
from people import roster
from tickets import scheduled, service
from tickets.models import Priority, Ticket, TicketStatus

ROSTER = """
- {id: staff-1, name: 甲, role: staff, districts: [博乐市, 阿拉山口市], topics: [all]}
- {id: staff-2, name: 乙, role: staff, districts: [精河县, 温泉县], topics: [all]}
- {id: officer-1, name: 丙, role: officer, districts: [all], topics: [all]}
- {id: leader-1, name: 丁, role: leader, districts: [all], topics: [all]}
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--creations", type=int, default=500)
    parser.add_argument("--open-tickets", type=int, default=10_000)
    parser.add_argument("--overdue-share", type=float, default=0.02)
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    postgres = args.database_url.startswith("postgresql")
    admin = make_engine(args.database_url)
    url = args.database_url
    if postgres:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{args.database_url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        upgrade_schema(engine)
        run(sessionmaker(bind=engine, expire_on_commit=False), args)
    finally:
        engine.dispose()
        if postgres:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(factory: sessionmaker, args: argparse.Namespace) -> None:
    sla = service.sla_policy(
        office_hours="10:00-14:00,16:00-20:00",
        first_response_hours=4,
        urgent_first_response_hours=1,
        resolution_hours=24,
    )
    with factory.begin() as session:
        roster.import_roster(session, text=ROSTER, fmt="yaml")
    rng = random.Random(3)
    now = dt.datetime(2026, 11, 30, 11, 0, tzinfo=LOCAL_TZ)
    timings = []
    for n in range(args.creations):
        started = time.perf_counter()
        with factory.begin() as session:
            service.create_ticket(
                session,
                channel="telegram",
                sender_id=f"telegram:{n}",
                question="想咨询子女入学",
                reason="bench",
                sla=sla,
                district=rng.choice(DISTRICTS),
                topic=rng.choice(TOPICS),
                now=now,
            )
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"ticket creation ({args.creations}, each in its own transaction with events and outbox rows): "
        f"p50 {statistics.median(timings):.1f} ms  p95 {percentile(timings, 0.95):.1f} ms"
    )

    overdue = int(args.open_tickets * args.overdue_share)
    rows = []
    for n in range(args.open_tickets):
        late = n < overdue
        created = now - dt.timedelta(days=3 if late else 0, minutes=rng.randint(0, 120))
        rows.append(
            {
                "id": service.format_ticket_id(2025, n + 1),
                "channel": "telegram",
                "sender_id": f"telegram:b{n}",
                "district": rng.choice(DISTRICTS),
                "topic": rng.choice(TOPICS),
                "question": "q",
                "transcript": [],
                "priority": Priority.NORMAL,
                "status": TicketStatus.OPEN,
                "reason": "bench",
                "escalation_level": 1,
                "first_response_due": sla.first_response_due(start=created, priority=Priority.NORMAL),
                "resolution_due": None,
                "created_at": created,
                "updated_at": created,
            }
        )
    with factory.begin() as session:
        session.execute(insert(Ticket), rows)
    with factory.begin() as session:
        started = time.perf_counter()
        report = scheduled.sweep(session, sla=sla, now=now)
        elapsed = time.perf_counter() - started
    print(
        f"sweep over {args.open_tickets + args.creations} open tickets ({overdue} overdue): {elapsed:.3f} s "
        f"({len(report.escalated)} escalated, {len(report.warned)} warned)"
    )
    with factory.begin() as session:
        started = time.perf_counter()
        report = scheduled.sweep(session, sla=sla, now=now)
        elapsed = time.perf_counter() - started
    print(f"second sweep, nothing new to do: {elapsed:.3f} s ({len(report.escalated)} escalated)")


if __name__ == "__main__":
    main()
