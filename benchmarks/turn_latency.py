"""One turn's latency through the REST channel: talent text → Rasa → action server → answer.

Starts the front desk on free loopback ports with a scratch SQLite database (or uses --url),
sends each question N times from fresh senders and prints p50/p95/max in milliseconds.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

QUESTIONS = [
    "博乐市的人才公寓怎么申请？",
    "人才绿卡有效期多久",
    "孩子在精河县上小学怎么办",
    "开公司要什么材料",
    "How do I transfer my pension insurance?",
    "今天天气怎么样",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(url: str, rounds: int) -> list[float]:
    timings: list[float] = []
    with httpx.Client(timeout=30) as client:
        client.post(f"{url}/webhooks/rest/webhook", json={"sender": "warm-up", "message": "你好"})
        for _ in range(rounds):
            for question in QUESTIONS:
                started = time.perf_counter()
                response = client.post(
                    f"{url}/webhooks/rest/webhook",
                    json={"sender": f"bench:{uuid.uuid4().hex}", "message": question},
                )
                response.raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="a running Rasa server; default: start one")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    services = []
    if args.url:
        url = args.url.rstrip("/")
    else:
        from frontdesk.config import Settings
        from frontdesk.database import make_engine
        from frontdesk.migrate import prepare_database
        from frontdesk.serve import build_services, wait_until_ready

        folder = Path(tempfile.mkdtemp(prefix="turn-bench-"))
        settings = Settings(
            database_url=f"sqlite:///{folder / 'bench.db'}", rasa_port=free_port(), actions_port=free_port()
        )
        prepare_database(make_engine(settings.database_url))
        services = build_services(settings, log_dir=folder)
        for service in services:
            service.start()
        print(f"server ready in {wait_until_ready(settings, services):.1f} s")
        url = settings.rasa_base_url
    try:
        timings = sorted(measure(url, args.rounds))
    finally:
        for service in reversed(services):
            service.stop()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"turns: {len(timings)}  p50: {statistics.median(timings):.1f} ms  p95: {p95:.1f} ms  "
        f"max: {timings[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
