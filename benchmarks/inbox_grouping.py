"""The editors' inbox at scale: 50,000 unanswered talent messages on PostgreSQL (a scratch schema, dropped
afterwards), selected and grouped by similar wording as the inbox page does.

    .venv/bin/python -m benchmarks.inbox_grouping [--database-url URL] [--messages 50000] [--runs 5]

The messages are synthetic: talent questions built from templates (topics' subjects, ways of asking,
districts, tiers, colloquial openings and endings, English ones too, a few typos), with the turns around them
(answers, follow-ups) and 👎 votes. Prints the selection and grouping time (p50/p95 over the runs, each from
scratch, no cache), a cached page's lookup, the peak memory of one run (tracemalloc) and the groups found.
Target: a few seconds at most.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
import tracemalloc

from sqlalchemy import insert

from benchmarks.backoffice import percentile
from benchmarks.scratch import scratch_schema
from conversations import inbox
from conversations.models import ConversationTurn, TurnOutcome
from feedback import service as feedback_service
from feedback.models import AnswerVote
from frontdesk import database
from frontdesk.clock import utcnow
from frontdesk.config import get_settings
from frontdesk.database import session_scope
from frontdesk.migrate import upgrade_schema
from frontdesk.vocabulary import DISTRICTS, TIERS, TOPICS

SUBJECTS = {
    "housing": ["人才公寓", "租房补贴", "购房补贴", "安家费", "住房补助", "公租房"],
    "schooling": ["孩子转学", "子女入学", "上幼儿园", "插班", "小学报名", "择校"],
    "green_card": ["人才绿卡", "绿卡续期", "绿卡补办", "人才认定", "绿卡待遇"],
    "registration": ["营业执照", "注册公司", "个体户登记", "一站式办理"],
    "medical": ["就医绿色通道", "年度体检", "医疗保健待遇", "看病报销"],
    "spouse_employment": ["配偶安置", "家属就业", "爱人工作调动"],
    "social_security": ["社保转移", "医保转移", "养老保险接续", "公积金提取"],
    "title_evaluation": ["职称评审", "定向评审", "副高申报", "中级职称"],
    "service_window": ["服务窗口地址", "周末上班", "预约办理", "咨询电话"],
}
ASKING = [
    "{s}怎么申请", "{s}需要什么材料", "{s}要多久能办下来", "{s}在哪里办", "{s}有什么条件",
    "{d}的{s}怎么办理", "{t}人才能享受{s}吗", "我是{t}的，{s}有没有", "{s}网上能办吗", "{s}可以代办吗",
    "{s}还要交钱吗", "{s}today能办吗", "请问{s}的标准是多少", "{s}被拒了怎么办", "{s}过期了还能补吗",
]  # fmt: skip
OPENINGS = ["", "", "你好，", "请问", "麻烦问下", "我想问一下", "领导好，", "急！"]
ENDINGS = ["", "", "？", "?", "啊", "呢", "，谢谢", "。急用"]
ENGLISH = [
    "how do I apply for the {e} in {d}", "what documents do I need for the {e}",
    "is the {e} available for tier {t} talents", "how long does the {e} take", "where do I ask about the {e}",
    "can my family get the {e}", "who decides the {e}",
]  # fmt: skip
ENGLISH_SUBJECTS = [
    "rent subsidy", "talent apartment", "school transfer", "green card renewal", "business licence",
    "health check", "spouse job placement", "pension transfer", "title evaluation", "window opening hours",
]  # fmt: skip
OFF_TOPIC = [
    "今天天气怎么样",
    "你们几点下班",
    "帮我订个外卖",
    "附近有加油站吗",
    "讲个笑话",
    "what's the weather",
]
TYPOS = {"申请": "申清", "材料": "才料", "公寓": "公遇", "补贴": "补帖", "职称": "职成"}
WHY = [TurnOutcome.NO_ARTICLE] * 5 + [TurnOutcome.TOPIC_MENU, TurnOutcome.NOT_UNDERSTOOD, TurnOutcome.TICKET]


def question(rng: random.Random) -> tuple[str, str | None]:
    """A talent's question and its topic (None when it is about nothing the desk does)."""
    if rng.random() < 0.04:
        return rng.choice(OFF_TOPIC), None
    district, tier = rng.choice(DISTRICTS), rng.choice(TIERS)
    if rng.random() < 0.15:
        subject = rng.choice(ENGLISH_SUBJECTS)
        return rng.choice(ENGLISH).format(e=subject, d="Bole", t=tier[0]), rng.choice(TOPICS)
    topic = rng.choice(list(SUBJECTS))
    asked = rng.choice(ASKING).format(s=rng.choice(SUBJECTS[topic]), d=district, t=tier)
    if rng.random() < 0.1:
        wrong = rng.choice(list(TYPOS))
        asked = asked.replace(wrong, TYPOS[wrong])
    return f"{rng.choice(OPENINGS)}{asked}{rng.choice(ENDINGS)}", topic


def fill(count: int, *, now: dt.datetime) -> None:
    """`count` inbox messages over the last 30 days (most without an answer, some questions back left
    unanswered, some answers voted 👎), with answered turns and follow-ups around them."""
    rng = random.Random(5)
    turns, votes = [], []

    def turn(
        sender: str, at: dt.datetime, said: str, topic: str | None, outcome: TurnOutcome, **more
    ) -> None:
        turns.append({
            "at": at, "sender_id": sender, "channel": "telegram",
            "language": "en" if said.isascii() else "zh", "text": said, "from_button": False,
            "intent": f"ask_{topic}" if topic else "nlu_fallback",
            "confidence": 0.6, "topic": topic, "outcome": outcome, **more,
        })  # fmt: skip

    for n in range(count):
        sender = f"telegram:{rng.randrange(count // 4)}"
        at = now - dt.timedelta(seconds=rng.randrange(30 * 24 * 3600 - 3600), minutes=40)
        said, topic = question(rng)
        kind = rng.random()
        if kind < 0.8:
            turn(sender, at, said, topic, rng.choice(WHY))
        elif kind < 0.9:
            turn(sender, at, said, topic, TurnOutcome.CLARIFIED)
        else:
            article = f"{topic or 'housing'}-article"
            turn(sender, at, said, topic, TurnOutcome.ANSWERED, article_id=article, version=1)
            votes.append({
                "channel": "telegram", "sender_id": sender, "message_ref": f"{n}:1", "article_id": article,
                "version": 1, "helpful": False, "created_at": at + dt.timedelta(seconds=20),
                "updated_at": at + dt.timedelta(seconds=20),
            })  # fmt: skip
        if rng.random() < 0.3:  # an answered question, a follow-up: not in the inbox
            turn(
                sender,
                at + dt.timedelta(minutes=5),
                said,
                topic,
                TurnOutcome.ANSWERED,
                article_id="x",
                version=1,
            )
    with session_scope() as session:
        for start in range(0, len(turns), 10_000):
            session.execute(insert(ConversationTurn), turns[start : start + 10_000])
        session.execute(insert(AnswerVote), votes)


def select_and_group(*, now: dt.datetime) -> list[inbox.Group]:
    since = now - dt.timedelta(days=30)
    with session_scope() as session:
        dislikes = [
            inbox.Dislike(*row) for row in feedback_service.unhelpful_votes(session, since=since, until=now)
        ]
        messages = inbox.unanswered(session, since=since, until=now, dislikes=dislikes)
    return inbox.group_messages(messages, segmenter=inbox.segmenter(()))


def measure(url: str, args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = url
    for cached in (get_settings, database.get_engine, database.get_sessionmaker):
        cached.cache_clear()
    upgrade_schema(database.get_engine())
    now = utcnow()
    started = time.perf_counter()
    fill(args.messages, now=now)
    seconds = time.perf_counter() - started
    print(f"filled {args.messages} inbox messages (and the turns around them) in {seconds:.1f} s")
    timings, groups = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        groups = select_and_group(now=now)
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    select_and_group(now=now)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    cache = inbox.GroupCache()
    since = now - dt.timedelta(days=30)
    lookups = []
    with session_scope() as session:
        dislikes = [
            inbox.Dislike(*row) for row in feedback_service.unhelpful_votes(session, since=since, until=now)
        ]
        for _ in range(args.runs + 1):
            started = time.perf_counter()
            cache.groups(session, since=since, until=now, dislikes=dislikes, topic=None, vocabulary=())
            lookups.append((time.perf_counter() - started) * 1000)
    messages = sum(group.count for group in groups)
    print(f"{messages} messages in {len(groups)} groups; the 5 largest:")
    for group in groups[:5]:
        print(f"  {group.count:>5}  {' '.join(group.words)}  e.g. {group.messages[0].text}")
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    print(f"select + group, from scratch: p50 {p50:.2f} s, p95 {p95:.2f} s ({args.runs} runs)")
    print(f"peak memory of one run (tracemalloc): {peak / 2**20:.0f} MiB")
    cached = statistics.median(lookups[1:])
    print(f"cached page lookup: p50 {cached:.1f} ms (the first, filling the cache: {lookups[0]:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with scratch_schema(args.database_url) as url:
        measure(url, args)


if __name__ == "__main__":
    main()
