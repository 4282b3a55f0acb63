"""The back office at scale: server time of the queue page and the ticket page with 10,000 open tickets
and 100,000 events, on PostgreSQL (a scratch schema, dropped afterwards).

    .venv/bin/python -m benchmarks.backoffice [--database-url URL] [--open-tickets 10000] [--requests 100]

The application runs in-process behind Starlette's test client (no network), signed in as a window clerk
of one district and as an officer covering all; each figure is the time from request to the whole page.
Target: p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import time

from sqlalchemy import insert
from starlette.testclient import TestClient

from backoffice import accounts
from backoffice.app import create_app
from benchmarks.scratch import scratch_schema
from frontdesk import database
from frontdesk.clock import utcnow
from frontdesk.config import Settings, get_settings
from frontdesk.database import session_scope
from frontdesk.migrate import upgrade_schema
from frontdesk.vocabulary import DISTRICTS, TOPICS
from people import roster
from people.models import Person
from tickets import service
from tickets.models import Priority, Ticket, TicketEvent, TicketStatus

ROSTER = """
- {id: staff-1, name: 甲, role: staff, districts: [博乐市], topics: [all]}
- {id: officer-1, name: 丙, role: officer, districts: [all], topics: [all]}
"""
PASSWORD = "benchmark password"
EVENTS_PER_TICKET = 10
QUESTION = "孩子转学需要哪些材料？我们全家刚从外地调来，户口还没迁过来。"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def fill(open_tickets: int) -> list[str]:
    """The roster, two accounts, `open_tickets` open tickets with EVENTS_PER_TICKET events each."""
    rng, now = random.Random(7), utcnow()
    sla = service.default_sla()
    with session_scope() as session:
        roster.import_roster(session, text=ROSTER, fmt="yaml")
        for person_id in ("staff-1", "officer-1"):
            accounts.create_account(session, person_id=person_id, password=PASSWORD)
    ids = [service.format_ticket_id(2025, n + 1) for n in range(open_tickets)]
    tickets, events = [], []
    for n, ticket_id in enumerate(ids):
        created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 20))
        tickets.append({
            "id": ticket_id, "channel": "telegram", "sender_id": f"telegram:b{n}",
            "district": rng.choice(DISTRICTS), "topic": rng.choice(TOPICS), "question": QUESTION,
            "transcript": [{"who": "talent", "text": "孩子转学"}, {"who": "bot", "text": "<b>转人工</b>"}],
            "priority": Priority.NORMAL, "status": TicketStatus.OPEN, "reason": "bench",
            "escalation_level": 1,
            "first_response_due": sla.first_response_due(start=created, priority=Priority.NORMAL),
            "resolution_due": sla.resolution_due(start=created), "created_at": created, "updated_at": created,
        })  # fmt: skip
        events += [
            {"ticket_id": ticket_id, "at": created, "actor": "staff-1", "action": "note", "before": {},
             "after": {"status": "open"}, "note": f"备注 {k}", "via": "web"}
            for k in range(EVENTS_PER_TICKET)
        ]  # fmt: skip
    with session_scope() as session:
        session.execute(insert(Ticket), tickets)
        session.execute(insert(TicketEvent), events)
    return ids


def timed(client: TestClient, paths: list[str]) -> list[float]:
    timings = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def sign_in(client: TestClient, person_id: str) -> None:
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post("/login", data={"person_id": person_id, "password": PASSWORD, "csrf": csrf})
    assert signed.status_code == 200, signed.status_code


def measure(url: str, args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = url
    for cached in (get_settings, database.get_engine, database.get_sessionmaker, service.default_sla):
        cached.cache_clear()
    upgrade_schema(database.get_engine())
    started = time.perf_counter()
    ids = fill(args.open_tickets)
    seconds = time.perf_counter() - started
    print(f"filled {len(ids)} open tickets and {len(ids) * EVENTS_PER_TICKET} events in {seconds:.1f} s")
    with session_scope() as session:  # tickets the clerk of 博乐市 may open
        clerk = session.get(Person, "staff-1")
        clerks = [t.id for t in service.queue_view(session, person=clerk, limit=500)[0]]
    app = create_app(Settings(_env_file=None, database_url=url, backoffice_secure_cookies=False))
    rng = random.Random(11)
    topics = [rng.choice(TOPICS) for _ in range(args.requests)]
    for person_id in ("staff-1", "officer-1"):
        openable = clerks if person_id == "staff-1" else ids
        pages = {
            "queue page (100 oldest rows)": ["/queue"] * args.requests,
            "queue, unassigned, one topic": [f"/queue?view=unassigned&topic={t}" for t in topics],
            "ticket page (10 events)": [f"/tickets/{t}" for t in rng.choices(openable, k=args.requests)],
        }
        with TestClient(app, base_url="http://127.0.0.1") as client:
            sign_in(client, person_id)
            timed(client, ["/queue"] * 3)  # warm
            for name, paths in pages.items():
                timings = timed(client, paths)
                p50, p95 = statistics.median(timings), percentile(timings, 0.95)
                print(f"{person_id:>9}  {name:<30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--open-tickets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    with scratch_schema(args.database_url) as url:
        measure(url, args)


if __name__ == "__main__":
    main()
