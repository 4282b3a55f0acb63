"""Concurrent web-chat sessions against the real stack: send-to-reply latency, and nothing unanswered.

    .venv/bin/python -m benchmarks.webchat_load [--sessions 200] [--duration 60] [--quick]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--default-limits]

Rasa, the action server, the web chat and the database (a scratch SQLite file, or a scratch database on
the PostgreSQL server of --database-url, dropped afterwards) run as `make serve` runs them, on loopback.
Every session is a page: it opens within the first 10 s (POST /api/session), stays open for --duration
seconds reading GET /api/messages?after=… every 3 s, and holds one conversation of 3–5 typed questions
(seeded; 1–3 s to read and type between turns), as static/chat.js does: the same key on a retried send, a
retry after Retry-After on 429, a read after each send. A turn runs from its POST /api/messages to the
answer: answered (the assistant's), ticketed (a ticket's number) or unanswered (an error, a timeout, no
message). Every session comes from 127.0.0.1, so the per-address limit is raised for the run (the engine
is measured, not the limiter); --default-limits keeps every limit at its default, to count the 429s that
the abuse protection gives.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from benchmarks.stack import running_stack
from bot.flows import NOT_SAVED
from frontdesk.config import Settings
from frontdesk.contract import PayloadType
from frontdesk.database import session_scope
from launcher.serve import warm_up
from tickets.models import Ticket

# Conversations of talents, each a thread of follow-ups; a session asks the first 3–5 of one.
CONVERSATIONS = [
    (
        "zh",
        [
            "我刚拿到人才绿卡，能申请人才公寓吗？",
            "要交哪些材料？",
            "一般多久能分到房子？",
            "房租怎么算？",
            "好的，谢谢",
        ],
    ),
    (
        "zh",
        [
            "孩子明年上小学，可以在博乐市就近入学吗？",
            "需要户口在这边吗",
            "幼儿园也能安排吗？",
            "找谁办理",
            "明白了",
        ],
    ),
    (
        "zh",
        ["我爱人跟我一起过来，她的工作能帮忙安排吗", "她是护士，有对口的单位吗", "要去哪里登记", "谢谢你"],
    ),
    (
        "zh",
        ["人才绿卡的有效期是几年？", "到期了怎么续期", "续期要重新体检吗", "卡丢了怎么办？", "补办要多久"],
    ),
    (
        "zh",
        [
            "我想在精河县开一家公司，有什么扶持？",
            "注册要准备什么材料",
            "有没有创业补贴",
            "贷款有贴息吗",
            "好的",
        ],
    ),
    (
        "zh",
        ["养老保险从内地转过来怎么办理？", "医保也能一起转吗", "要本人去窗口吗", "窗口在哪里", "几点下班？"],
    ),
    (
        "zh",
        [
            "持卡人看病有绿色通道吗",
            "在哪家医院可以用",
            "每年的免费体检怎么预约？",
            "家属能一起体检吗",
            "谢谢",
        ],
    ),
    ("zh", ["副高职称可以走定向评审吗", "需要满足什么条件", "论文有要求吗", "什么时候开始报名", "知道了"]),
    ("zh", ["安家补贴有多少钱？", "分几年发放", "什么时候能到账", "要交个税吗", "谢谢"]),
    ("zh", ["你好", "我是新引进的博士，能享受哪些待遇？", "住房补贴怎么申请", "配偶随迁怎么办", "再见"]),
    ("zh", ["服务窗口周六上班吗？", "电话是多少", "可以网上办理吗", "我的工单怎么查进度", "好的谢谢"]),
    ("zh", ["温泉县的人才也能办绿卡吗", "办卡要什么条件", "在哪里申请", "多久能拿到卡", "谢谢"]),
    (
        "en",
        [
            "Hello, can I apply for talent housing with my green card?",
            "Which documents do I need?",
            "How long is the waiting time?",
            "Thank you",
        ],
    ),
    (
        "en",
        [
            "My daughter needs a primary school in Bole, can you help?",
            "Is a local hukou required?",
            "Who do I contact?",
            "Thanks",
        ],
    ),
    (
        "en",
        [
            "How do I transfer my pension insurance here?",
            "Can medical insurance be moved too?",
            "Where is the service window?",
            "What are the opening hours?",
            "Thanks a lot",
        ],
    ),
    (
        "en",
        [
            "How long is the talent green card valid?",
            "How do I renew it?",
            "What if I lose the card?",
            "OK, goodbye",
        ],
    ),
]
ANSWERED, TICKETED, UNANSWERED = "answered", "ticketed", "unanswered"
POLL_SECONDS = 3.0  # the page's (static/chat.js POLL_MS)
MAX_BACKOFF_SECONDS = 30.0  # the page's polling after a failure, doubling from POLL_SECONDS
FIRST_RETRY_SECONDS = 2.0  # the page's first retry of a send refused without Retry-After
OPEN_WITHIN_SECONDS = 10.0
THINK_SECONDS = (1.0, 3.0)
REQUEST_TIMEOUT_SECONDS = 30.0  # the web chat answers within RASA_TIMEOUT_SECONDS (10) with a ticket
RAISED_LIMITS = {"WEBCHAT_ADDRESS_LIMIT": "100000/minute"}
LIMIT_NAMES = ("webchat_session_limit", "webchat_message_limit", "webchat_address_limit")


@dataclass(frozen=True)
class Plan:
    """What one page does: when it opens, its language and questions, the pause before each."""

    opens_after: float
    language: str
    questions: list[str]
    pauses: list[float]


@dataclass
class Turn:
    question: str
    sent: float  # time.monotonic() of the first POST
    seconds: float | None = None  # to the answer that settled it
    outcome: str = UNANSWERED
    why: str = ""  # of an unanswered turn


@dataclass
class Tally:
    turns: list[Turn] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)  # by kind: session, send, read, poll
    refused: Counter[str] = field(default_factory=Counter)  # 429s by kind
    failed: Counter[str] = field(default_factory=Counter)  # other errors, "<kind> <status or error>"
    cut: int = 0  # questions not asked: the page closed (--duration) first
    no_session: int = 0  # pages that never got a session


@dataclass
class Page:
    """One open page: its token and the last message id it has shown."""

    token: str = ""
    last_id: int = 0

    def seen(self, messages: list[dict[str, Any]]) -> None:
        self.last_id = max([self.last_id, *(int(m["id"]) for m in messages)])


def plans(sessions: int, *, seed: int) -> list[Plan]:
    chance = random.Random(seed)
    made = []
    for _ in range(sessions):
        language, thread = chance.choice(CONVERSATIONS)
        questions = thread[: chance.randint(3, min(5, len(thread)))]
        made.append(
            Plan(
                opens_after=chance.uniform(0, OPEN_WITHIN_SECONDS),
                language=language,
                questions=questions,
                pauses=[chance.uniform(*THINK_SECONDS) for _ in questions],
            )
        )
    return made


def outcome_of(messages: list[dict[str, Any]]) -> tuple[str, str]:
    """(outcome, why) of a turn from the messages its answer brought."""
    said = [m for m in messages if m.get("who") in ("assistant", "system")]
    customs = [m.get("custom") or {} for m in said]
    if any(c.get("type") == PayloadType.TICKET and c.get("ticket_id") for c in customs):
        return TICKETED, ""
    if any(c.get("type") == NOT_SAVED for c in customs):
        return UNANSWERED, "not saved"
    return (ANSWERED, "") if said else (UNANSWERED, "no message")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


class Session:
    """A page of the web chat driven as static/chat.js drives it."""

    def __init__(
        self, client: httpx.AsyncClient, plan: Plan, tally: Tally, *, closes_at: float, poll: float
    ) -> None:
        self.client, self.plan, self.tally = client, plan, tally
        self.closes_at, self.poll_seconds = closes_at, poll
        self.page = Page()
        self.headers = {"Accept-Language": plan.language}

    async def call(
        self, kind: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        self.tally.requests[kind] += 1
        headers = {**self.headers, "X-Chat-Token": self.page.token} if self.page.token else self.headers
        response = await self.client.request(method, path, json=body, headers=headers)
        if response.status_code == 429:
            self.tally.refused[kind] += 1
        elif response.status_code != 200:
            self.tally.failed[f"{kind} HTTP {response.status_code}"] += 1
        return response

    async def run(self, started: float) -> None:
        await asyncio.sleep(max(0.0, started + self.plan.opens_after - time.monotonic()))
        if not await self.open():
            self.tally.no_session += 1
            self.tally.cut += len(self.plan.questions)
            return
        poller = asyncio.create_task(self.polling())
        try:
            for n, (question, pause) in enumerate(zip(self.plan.questions, self.plan.pauses, strict=True)):
                await asyncio.sleep(pause)
                if time.monotonic() >= self.closes_at:
                    self.tally.cut += len(self.plan.questions) - n
                    break
                await self.ask(question)
        finally:
            await poller

    async def open(self) -> bool:
        """A session, asked again after a refusal until the page closes."""
        delay = FIRST_RETRY_SECONDS
        while time.monotonic() < self.closes_at:
            try:
                response = await self.call("session", "POST", "/api/session", {})
            except httpx.HTTPError as exc:
                self.tally.failed[f"session {type(exc).__name__}"] += 1
                return False
            if response.status_code == 200:
                self.page.token = response.json()["token"]
                return True
            if response.status_code != 429:
                return False
            delay = await self.wait(response, delay)
        return False

    async def wait(self, response: httpx.Response, delay: float) -> float:
        """Sleep as the page does after a refusal (Retry-After, else `delay`); the next delay."""
        after = response.headers.get("retry-after", "")
        await asyncio.sleep(float(after) if after.isdigit() else delay)
        return min(delay * 2, MAX_BACKOFF_SECONDS)

    async def polling(self) -> None:
        delay = self.poll_seconds
        while time.monotonic() + delay < self.closes_at:
            await asyncio.sleep(delay)
            try:
                response = await self.call("poll", "GET", f"/api/messages?after={self.page.last_id}")
            except httpx.HTTPError as exc:
                self.tally.failed[f"poll {type(exc).__name__}"] += 1
                response = None
            if response is not None and response.status_code == 200:
                self.page.seen(response.json()["messages"])
                delay = self.poll_seconds
            else:
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)

    async def ask(self, question: str) -> None:
        turn = Turn(question, time.monotonic())
        self.tally.turns.append(turn)
        before, key, delay = self.page.last_id, secrets.token_hex(16), FIRST_RETRY_SECONDS
        while True:
            try:
                response = await self.call("send", "POST", "/api/messages", {"text": question, "key": key})
            except httpx.TimeoutException:
                turn.why = "timeout"
                self.tally.failed["send timeout"] += 1
                return
            except httpx.HTTPError as exc:
                turn.why = type(exc).__name__
                self.tally.failed[f"send {turn.why}"] += 1
                return
            if response.status_code != 429:
                break
            if time.monotonic() >= self.closes_at:
                turn.why = "refused (429) until the page closed"
                return
            delay = await self.wait(response, delay)
        if response.status_code != 200:
            turn.why = f"HTTP {response.status_code}"
            return
        messages = response.json()["messages"]
        turn.outcome, turn.why = outcome_of(messages)
        turn.seconds = time.monotonic() - turn.sent
        read = await self.read_after(before)
        if turn.outcome == UNANSWERED and turn.why == "no message" and read is not None:
            # an empty answer (a retried key) is shown from the read that follows it
            turn.outcome, turn.why = outcome_of(read)
            turn.seconds = time.monotonic() - turn.sent
        self.page.seen(messages)

    async def read_after(self, before: int) -> list[dict[str, Any]] | None:
        try:
            response = await self.call("read", "GET", f"/api/messages?after={before}")
        except httpx.HTTPError as exc:
            self.tally.failed[f"read {type(exc).__name__}"] += 1
            return None
        if response.status_code != 200:
            return None
        messages: list[dict[str, Any]] = response.json()["messages"]
        self.page.seen(messages)
        return messages


async def load(
    client: httpx.AsyncClient, plans: list[Plan], *, duration: float, poll: float = POLL_SECONDS
) -> tuple[Tally, float]:
    """Every page at once; the tally and the seconds from the first to the last answer."""
    tally = Tally()
    started = time.monotonic()
    sessions = [Session(client, plan, tally, closes_at=started + duration, poll=poll) for plan in plans]
    await asyncio.gather(*(session.run(started) for session in sessions))
    answers = [t.sent + t.seconds for t in tally.turns if t.seconds is not None]
    first = min((t.sent for t in tally.turns), default=started)
    return tally, max(answers, default=first) - first


# -- what the machine does meanwhile -------------------------------------------------------------------------


SERVICES = {"web chat": ("webchat", "serve"), "rasa": ("nlu.rasa_cli",), "action server": ("actions.server",)}


@dataclass
class Usage:
    cpu: dict[str, list[float]] = field(default_factory=dict)  # % of one core, each second
    rss: dict[str, float] = field(default_factory=dict)  # peak MiB
    load: list[float] = field(default_factory=list)  # 1-minute load average, each second


def service_processes() -> dict[str, list[psutil.Process]]:
    """The processes of each service started by this process (a service with its children)."""
    found: dict[str, list[psutil.Process]] = {}
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            line = child.cmdline()
            for name, words in SERVICES.items():
                if all(word in line for word in words):
                    found[name] = [child, *child.children(recursive=True)]
    return found


async def sample(usage: Usage, stop: asyncio.Event) -> None:
    processes = service_processes()
    for group in processes.values():
        for process in group:
            with contextlib.suppress(psutil.Error):
                process.cpu_percent(None)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        usage.load.append(os.getloadavg()[0])
        for name, group in processes.items():
            cpu, rss = 0.0, 0.0
            for process in group:
                with contextlib.suppress(psutil.Error):
                    cpu += process.cpu_percent(None)
                    rss += process.memory_info().rss / 2**20
            usage.cpu.setdefault(name, []).append(cpu)
            usage.rss[name] = max(usage.rss.get(name, 0.0), rss)


# -- the run -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(server_url: str | None) -> Iterator[str | None]:
    """A PostgreSQL database of the run's own on the server of `server_url`, dropped afterwards (None:
    the stack's scratch SQLite file)."""
    if server_url is None:
        yield None
        return
    name = f"bench_webchat_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:  # WITH (FORCE): connections left over from the services are closed
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def ticket_reasons() -> Counter[str]:
    with session_scope() as db:
        rows = db.execute(
            select(Ticket.reason, func.count()).where(Ticket.channel == "web").group_by(Ticket.reason)
        )
        return Counter({reason: count for reason, count in rows})


async def measure(settings: Settings, args: argparse.Namespace) -> tuple[Tally, float, Usage]:
    connections = max(200, 2 * args.sessions)  # a poll and a send of every page at once
    usage, stop = Usage(), asyncio.Event()
    sampler = asyncio.create_task(sample(usage, stop))
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{settings.webchat_port}",
        timeout=REQUEST_TIMEOUT_SECONDS,
        # idle connections dropped before uvicorn's keep-alive of 5 s ends them, as a browser retries a
        # request that raced such an end
        limits=httpx.Limits(
            max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2.0
        ),
    ) as client:
        tally, busy = await load(client, plans(args.sessions, seed=args.seed), duration=args.duration)
    stop.set()
    await sampler
    return tally, busy, usage


def report(
    tally: Tally, busy: float, usage: Usage, reasons: Counter[str], *, limits: str, others_load: float
) -> None:
    by = Counter(t.outcome for t in tally.turns)
    why = Counter(t.why for t in tally.turns if t.outcome == UNANSWERED)
    timings = [t.seconds * 1000 for t in tally.turns if t.seconds is not None and t.outcome != UNANSWERED]
    requests = sum(tally.requests.values())
    print(f"limits: {limits}")
    unanswered = f" ({', '.join(f'{n} {w}' for w, n in why.items())})" if why else ""
    print(
        f"turns: {len(tally.turns)} sent, {by[ANSWERED]} answered, {by[TICKETED]} ticketed, "
        f"{by[UNANSWERED]} unanswered{unanswered}; {tally.cut} questions not asked (the page closed "
        f"first), {tally.no_session} pages without a session"
    )
    if reasons:
        print("tickets of web talents by reason: " + ", ".join(f"{r} {n}" for r, n in reasons.most_common()))
    if timings:
        print(
            f"send to reply: p50 {statistics.median(timings):.0f} ms, "
            f"p95 {percentile(timings, 0.95):.0f} ms, p99 {percentile(timings, 0.99):.0f} ms, "
            f"max {max(timings):.0f} ms; "
            f"{len(timings) / busy if busy else 0:.1f} turns/s over {busy:.1f} s"
        )
    kinds = ", ".join(f"{tally.requests[k]} {k}" for k in ("session", "send", "read", "poll"))
    failed = f" {dict(tally.failed)}" if tally.failed else ""
    print(f"requests: {requests} ({kinds}); failed: {sum(tally.failed.values())}{failed}")
    refused = f" {dict(tally.refused)}" if tally.refused else ""
    print(f"429 rate_limited: {sum(tally.refused.values())} of {requests} requests{refused}")
    for name, cpu in usage.cpu.items():
        print(
            f"{name}: CPU mean {statistics.mean(cpu):.0f} %, max {max(cpu):.0f} % of one core; "
            f"peak RSS {usage.rss[name]:.0f} MiB"
        )
    if usage.load:
        print(
            f"load average: {others_load:.2f} before the stack started (other work), "
            f"max {max(usage.load):.2f} during the run (this run included)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds every page stays open")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 sessions for 30 s")
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch database of the run's own)")
    parser.add_argument(
        "--default-limits", action="store_true", help="keep every WEBCHAT_*_LIMIT at its default"
    )
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    if args.quick:
        args.sessions, args.duration = 20, 30.0
    environment = {} if args.default_limits else RAISED_LIMITS
    defaults = ", ".join(
        f"{name.upper()}={Settings.model_fields[name].default}"
        for name in LIMIT_NAMES
        if name.upper() not in environment
    )
    limits = (
        f"the defaults ({defaults}): every session comes from 127.0.0.1, one address"
        if args.default_limits
        else f"{', '.join(f'{k}={v}' for k, v in environment.items())} set for the run, since every session "
        f"comes from 127.0.0.1 (the engine is measured, not the limiter); the rest at their defaults "
        f"({defaults})"
    )
    others_load = os.getloadavg()[0]
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"web chat: {args.sessions} sessions, each page open {args.duration:.0f} s, on {database}")
    with (
        scratch_database(args.database_url) as url,
        running_stack(database_url=url, environment=environment) as stack,
    ):
        warm_up(stack)  # as `make serve` does before the first talent
        tally, busy, usage = asyncio.run(measure(stack, args))
        reasons = ticket_reasons()
    report(tally, busy, usage, reasons, limits=limits, others_load=others_load)
    refused = sum(tally.refused.values())
    if args.default_limits and refused:
        print(
            f"{refused} requests got 429 from the default limits: {args.sessions} pages behind one address "
            f"ask more than {Settings.model_fields['webchat_address_limit'].default} allows one address. "
            "That is the abuse protection working, not the engine failing; behind the HTTPS proxy each "
            "talent has an address of their own (X-Forwarded-For)."
        )


if __name__ == "__main__":
    main()
