"""One turn's latency through the REST channel: talent text → Rasa → action server → answer.

Starts the front desk on free loopback ports with a scratch SQLite database (or uses --url, with
--secret: its RASA_CHANNEL_SECRET), sends each question N times from fresh senders and prints p50/p95/max
in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import httpx

from benchmarks.stack import running_stack
from frontdesk.edge import SECRET_HEADER
from launcher.serve import channel_headers

QUESTIONS = [
    "博乐市的人才公寓怎么申请？",
    "人才绿卡有效期多久",
    "孩子在精河县上小学怎么办",
    "开公司要什么材料",
    "How do I transfer my pension insurance?",
    "今天天气怎么样",
]


def measure(url: str, rounds: int, headers: dict[str, str]) -> list[float]:
    timings: list[float] = []
    with httpx.Client(timeout=30, headers=headers) as client:
        client.post(f"{url}/webhooks/rest/webhook", json={"sender": "bench:warm-up", "message": "你好"})
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
    parser.add_argument("--secret", help="the server's RASA_CHANNEL_SECRET, with --url")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if args.url:
        headers = {SECRET_HEADER: args.secret} if args.secret else {}
        timings = sorted(measure(args.url.rstrip("/"), args.rounds, headers))
    else:
        with running_stack() as settings:
            timings = sorted(measure(settings.rasa_base_url, args.rounds, channel_headers(settings)))
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"turns: {len(timings)}  p50: {statistics.median(timings):.1f} ms  p95: {p95:.1f} ms  "
        f"max: {timings[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
