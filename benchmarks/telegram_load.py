"""Simulated talents in Telegram against the real stack: update-to-reply latency and throughput.

    .venv/bin/python -m benchmarks.telegram_load [--talents 200] [--messages 5] [--rate 20]

The bot polls a fake Bot API server on loopback (as it polls Telegram); Rasa, the action server and a
scratch SQLite database are real. Messages arrive open-loop at --rate per second, round-robin over the
talents (so each talent's messages are talents/rate seconds apart). A message's latency runs from the
update being queued to the last reply message of that turn. Target: p95 <= 300 ms at 20 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time

from pydantic import SecretStr

from benchmarks.stack import running_stack
from frontdesk.config import Settings
from tests.fake_bot_api import FakeBotApi
from tests.telegram.running import running_bot

QUESTIONS = [
    "博乐市的人才公寓怎么申请？",
    "人才绿卡有效期多久",
    "孩子在精河县上小学怎么办",
    "开公司要准备什么材料",
    "How do I transfer my pension insurance?",
    "体检每年有几次",
    "我爱人的工作能安排吗",
    "服务窗口几点上班",
    "副高职称定向评审的条件",
    "谢谢",
]
SETTLE_SECONDS = 5.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


async def run(settings: Settings, api: FakeBotApi, args: argparse.Namespace) -> None:
    async with running_bot(settings):
        updates: list[tuple[int, dict]] = []
        total = args.talents * args.messages
        started = time.monotonic()
        for n in range(total):
            await asyncio.sleep(max(0.0, started + n / args.rate - time.monotonic()))
            talent = 500_000 + n % args.talents
            updates.append(
                (talent, api.send_text(talent, QUESTIONS[(n // args.talents + n) % len(QUESTIONS)]))
            )
        await asyncio.to_thread(
            api.wait_for,
            lambda fake: all(fake.sent(talent) for talent, _ in updates[-args.talents :]),
            120,
            "replies to every talent's last message",
        )
        await asyncio.sleep(SETTLE_SECONDS)  # the last turns' remaining messages
        elapsed = time.monotonic() - started
    report(api, updates, elapsed, args)


def report(
    api: FakeBotApi, updates: list[tuple[int, dict]], elapsed: float, args: argparse.Namespace
) -> None:
    """Each update's latency: to the last message sent to that chat before the talent's next update."""
    latencies, unanswered = [], 0
    by_talent: dict[int, list[dict]] = {}
    for talent, update in updates:
        by_talent.setdefault(talent, []).append(update)
    for talent, own in by_talent.items():
        sent = [api.sent_at[(talent, m["message_id"])] for m in api.sent(talent)]
        starts = [api.queued_at[u["update_id"]] for u in own] + [float("inf")]
        for begin, end in itertools.pairwise(starts):
            turn = [moment for moment in sent if begin <= moment < end]
            if turn:
                latencies.append((max(turn) - begin) * 1000)
            else:
                unanswered += 1
    print(
        f"{len(updates)} messages from {args.talents} talents at {args.rate}/s offered; "
        f"{len(updates) / (elapsed - SETTLE_SECONDS):.1f} messages/s handled, {unanswered} unanswered\n"
        f"update to last reply: p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--talents", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--rate", type=float, default=20.0, help="messages offered per second")
    args = parser.parse_args()
    with running_stack() as stack, FakeBotApi(max_poll_wait=1.0) as api:
        settings = stack.model_copy(
            update={"telegram_bot_token": SecretStr(api.token), "telegram_api_base_url": api.base_url}
        )
        asyncio.run(run(settings, api, args))


if __name__ == "__main__":
    main()
