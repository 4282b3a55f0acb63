"""The analytics page at scale: 1,000,000 recorded turns over 180 days and 100,000 tickets with their events,
ratings and votes on PostgreSQL (a scratch schema, dropped afterwards), the page timed through the real HTTP
stack (uvicorn on loopback, signed in as an administrator).

    .venv/bin/python -m benchmarks.analytics [--database-url URL] [--turns 1000000] [--tickets 100000]
                                             [--requests 30]

Prints how long filling and the first (whole) refresh of the rollups took, the refresh when nothing changed
(what every page view pays), and p50/p95 of the page for the last 30 and 180 days, all districts and one.
Target: p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import threading
import time
from dataclasses import replace
from typing import Any

import httpx
import psycopg
import uvicorn
from sqlalchemy import text

from analytics import rollup, scheduled
from backoffice import accounts
from backoffice.app import create_app
from benchmarks.scratch import scratch_schema
from frontdesk import database
from frontdesk.clock import local_today, utcnow
from frontdesk.config import Settings, get_settings
from frontdesk.database import session_scope
from frontdesk.migrate import upgrade_schema
from frontdesk.vocabulary import DISTRICTS, TOPICS
from launcher.serve import free_port
from people import roster
from tickets import service

DAYS = 180
PASSWORD = "benchmark password"
STAFF = {district: [f"staff-{n}-{k}" for k in range(3)] for n, district in enumerate(DISTRICTS)}
OUTCOMES = {  # how turns end, roughly as the front desk's record has them
    "answered": 55, "not_eligible": 4, "no_article": 8, "asked_detail": 9, "clarified": 3, "topic_menu": 5,
    "ticket": 6, "ticket_status": 2, "small_talk": 5, "not_understood": 3,
}  # fmt: skip
TURN_COLUMNS = (
    "at, sender_id, channel, language, text, from_button, intent, confidence, topic, outcome, article_id, "
    "version, district, tier"
)
TICKET_COLUMNS = (
    "id, channel, sender_id, district, topic, question, transcript, priority, status, reason, "
    "escalation_level, first_response_due, resolution_due, first_responded_at, resolved_at, assignee_id, "
    "created_at, updated_at"
)
EVENT_COLUMNS = 'ticket_id, at, actor, action, "before", "after", note, via'


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[round(share * (len(ordered) - 1))]


def _roster() -> str:
    lines = ["- {id: admin-1, name: 管理员, role: officer, districts: [all], topics: [all]}"]
    for district, people in STAFF.items():
        lines += [
            f"- {{id: {p}, name: 窗口{p[-3:]}, role: staff, districts: [{district}], topics: [all]}}"
            for p in people
        ]
    return "\n".join(lines)


def fill_turns(connection: psycopg.Connection[Any], count: int, now: dt.datetime, rng: random.Random) -> None:
    """`count` turns in conversations of 1–8 turns over the last DAYS days, by COPY."""
    outcomes, weights = list(OUTCOMES), list(OUTCOMES.values())
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY conversation_turns ({TURN_COLUMNS}) FROM STDIN") as copy,
    ):
        written = 0
        while written < count:
            sender = f"telegram:{rng.randint(1, 60_000)}"
            start = now - dt.timedelta(seconds=rng.randint(0, DAYS * 86_400))
            district = rng.choice(DISTRICTS) if rng.random() < 0.9 else None
            for n in range(min(rng.randint(1, 8), count - written)):
                outcome = rng.choices(outcomes, weights)[0]
                answered = outcome == "answered"
                copy.write_row((
                    start + dt.timedelta(seconds=40 * n), sender, "telegram", "zh", "人才公寓怎么申请？",
                    rng.random() < 0.2, "ask_housing", 0.9,
                    rng.choice(TOPICS) if rng.random() < 0.93 else None, outcome,
                    "talent-apartment-bole" if answered else None, 1 if answered else None, district,
                    rng.choice(("A类", "B类", "C类", None)),
                ))  # fmt: skip
                written += 1


def fill_tickets(
    connection: psycopg.Connection[Any], count: int, now: dt.datetime, rng: random.Random
) -> None:
    """`count` tickets over the last DAYS days, most answered and resolved, with their events; by COPY."""
    sla = replace(service.default_sla(), calendar=rollup.fixed_calendar(service.default_sla()))  # read once
    rows, events = [], []
    for n in range(count):
        created = now - dt.timedelta(seconds=rng.randint(0, DAYS * 86_400))
        district = rng.choice(DISTRICTS)
        person = rng.choice(STAFF[district])
        priority = service.Priority.URGENT if rng.random() < 0.1 else service.Priority.NORMAL
        ticket_id = service.format_ticket_id(2026, n + 1)
        responded = created + dt.timedelta(minutes=rng.randint(5, 60 * 30)) if rng.random() < 0.9 else None
        resolved = (
            responded + dt.timedelta(hours=rng.randint(1, 120)) if responded and rng.random() < 0.8 else None
        )
        if responded and responded > now:
            responded = resolved = None
        if resolved and resolved > now:
            resolved = None
        status = "resolved" if resolved else "assigned" if responded else "open"
        rows.append((
            ticket_id, "telegram", f"telegram:{rng.randint(1, 60_000)}", district, rng.choice(TOPICS), "问题",
            "[]", priority.value, status, "talent_request", 1,
            sla.first_response_due(start=created, priority=priority),
            sla.resolution_due(start=created), responded, resolved, person if responded else None, created,
            resolved or responded or created,
        ))  # fmt: skip
        events.append((ticket_id, created, "telegram:1", "created", "{}", '{"status": "open"}', "", ""))
        if responded:
            events.append((ticket_id, responded, person, "claim", "{}", '{"status": "assigned"}', "", "web"))
        if resolved:
            events.append((ticket_id, resolved, person, "resolve", "{}", '{"status": "resolved"}', "", "web"))
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY tickets ({TICKET_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        with cursor.copy(f"COPY ticket_events ({EVENT_COLUMNS}) FROM STDIN") as copy:
            for row in events:
                copy.write_row(row)
        with cursor.copy(
            "COPY feedback_ticket_ratings (ticket_id, sender_id, score, created_at) FROM STDIN"
        ) as copy:
            for row in rows:
                if row[8] == "resolved" and rng.random() < 0.4:
                    copy.write_row(
                        (row[0], row[2], rng.choices((1, 2, 3, 4, 5), (3, 4, 10, 30, 53))[0], row[14])
                    )
        columns = "channel, sender_id, message_ref, article_id, version, helpful, created_at, updated_at"
        with cursor.copy(f"COPY feedback_answer_votes ({columns}) FROM STDIN") as copy:
            for n in range(count // 2):
                at = now - dt.timedelta(seconds=rng.randint(0, DAYS * 86_400))
                copy.write_row(("telegram", f"telegram:{n}", f"1:{n}", "a", 1, rng.random() < 0.8, at, at))


def fill(args: argparse.Namespace) -> None:
    rng, now = random.Random(7), utcnow()
    with session_scope() as session:
        assert not roster.import_roster(session, text=_roster(), fmt="yaml").problems
        accounts.create_account(session, person_id="admin-1", password=PASSWORD, admin=True)
    connection = database.get_engine().raw_connection()
    try:
        started = time.perf_counter()
        fill_turns(connection.driver_connection, args.turns, now, rng)
        turns_seconds = time.perf_counter() - started
        fill_tickets(connection.driver_connection, args.tickets, now, rng)
        connection.commit()
        print(
            f"filled {args.turns:,} turns in {turns_seconds:.1f} s, {args.tickets:,} tickets with events, "
            f"ratings and votes in {time.perf_counter() - started - turns_seconds:.1f} s"
        )
    finally:
        connection.close()


def refresh() -> float:
    started = time.perf_counter()
    with session_scope() as session:
        done = scheduled.refresh(session, sla=service.default_sla())
    seconds = time.perf_counter() - started
    print(f"refresh: {done.days} days rolled up, {done.tickets:,} tickets counted in {seconds:.2f} s")
    return seconds


def serve(url: str) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    app = create_app(Settings(_env_file=None, database_url=url, backoffice_secure_cookies=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def sign_in(client: httpx.Client) -> None:
    login = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
    assert csrf, "no login form"
    signed = client.post("/login", data={"person_id": "admin-1", "password": PASSWORD, "csrf": csrf.group(1)})
    assert signed.status_code == 303, signed.status_code


def timed(client: httpx.Client, path: str, requests: int) -> list[float]:
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def measure(url: str, args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = url
    for cached in (get_settings, database.get_engine, database.get_sessionmaker, service.default_sla):
        cached.cache_clear()
    upgrade_schema(database.get_engine())
    fill(args)
    refresh()  # everything: every day of the record, every ticket
    with database.get_engine().begin() as analyze:  # as autovacuum would after such a change
        analyze.execute(text("ANALYZE"))
    refresh()  # nothing new: what the page pays before it counts
    server, thread, base = serve(url)
    today = local_today()
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            sign_in(client)
            for days in (30, DAYS):
                first = (today - dt.timedelta(days=days - 1)).isoformat()
                for district in ("", DISTRICTS[0]):
                    path = f"/analytics?from={first}&to={today.isoformat()}&district={district}"
                    timed(client, path, 2)  # warm
                    timings = timed(client, path, args.requests)
                    name = f"{days:>3} days, {district or 'all districts'}"
                    print(
                        f"analytics page  {name:<20} p50 {statistics.median(timings):6.1f} ms  "
                        f"p95 {percentile(timings, 0.95):6.1f} ms  ({args.requests} requests)"
                    )
            size = len(client.get(f"/analytics?from={first}&to={today.isoformat()}").content)
            print(f"page of {days} days: {size / 1024:.0f} KiB")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with scratch_schema(args.database_url) as url:
        measure(url, args)


if __name__ == "__main__":
    main()
