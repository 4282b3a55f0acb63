"""Knowledge base at scale: import and publish time, index build, and retrieval latency.

Generates N articles (default 2,000) from the sample content — each a variant with its own id,
eligibility, keywords and a body mixed from other articles of its topic — imports them as drafts
and publishes them into a fresh database (SQLite by default, or --database-url), builds the index
and times `choose_article` for the labelled retrieval questions.
Targets: import + publish of 2,000 articles under 15 s; retrieval p95 under 5 ms per query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from sqlalchemy.orm import sessionmaker

from frontdesk.database import make_engine
from frontdesk.migrate import upgrade_schema
from frontdesk.vocabulary import DISTRICTS, TIERS
from policies_kb import service
from policies_kb.answers import choose_article
from policies_kb.files import load_directory
from policies_kb.schema import ArticleContent

QUESTIONS = Path(__file__).parents[1] / "tests" / "data" / "retrieval_questions.yml"


def generate(count: int, seed: int = 7) -> list[ArticleContent]:
    rng = random.Random(seed)
    samples = list(load_directory().articles.values())
    sentences: dict[str, list[str]] = {}
    for article in samples:
        sentences.setdefault(article.topic, []).extend(article.content["zh"].body.split("。"))
    generated = []
    for number in range(count):
        base = samples[number % len(samples)]
        zh = base.content["zh"]
        body = "。".join(rng.sample(sentences[base.topic], k=min(6, len(sentences[base.topic]))))
        eligibility = {
            "tiers": sorted(rng.sample(TIERS, k=rng.randint(2, 5))) if rng.random() < 0.3 else "all",
            "districts": [rng.choice(DISTRICTS)] if rng.random() < 0.3 else "all",
        }
        data = base.model_dump(mode="json")
        data.update(
            id=f"{base.id}-g{number}",
            eligibility=eligibility,
            keywords=[*base.keywords[:6], *rng.sample(base.keywords, k=min(2, len(base.keywords)))],
        )
        data["content"]["zh"].update(title=f"{zh.title}（{number}）", body=f"{zh.body}\n{body}")
        generated.append(ArticleContent.model_validate(data))
    return generated


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a scratch SQLite file")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the question set")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='kb-bench-')) / 'kb.db'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    articles = generate(args.articles)

    started = time.perf_counter()
    with sessionmaker(bind=engine).begin() as session:
        drafts = service.import_drafts(
            session, contents=[(content, None) for content in articles], editor="bench"
        )
        imported = time.perf_counter()
        service.publish_drafts(
            session, article_ids=[d.article_id for d in drafts], editor="bench", note="bench"
        )
    published = time.perf_counter()
    with sessionmaker(bind=engine)() as session:
        index = service.build_index(session)
    built = time.perf_counter()
    print(
        f"articles: {len(index)}  import: {imported - started:.2f} s  publish: {published - imported:.2f} s  "
        f"import+publish: {published - started:.2f} s  index build: {built - published:.2f} s"
    )

    with sessionmaker(bind=engine).begin() as session:
        zh = articles[0].content["zh"]
        edited_zh = zh.model_copy(update={"body": zh.body + "\n（本条已修订。）"})
        edited = articles[0].model_copy(update={"content": {**articles[0].content, "zh": edited_zh}})
        service.import_draft(session, content=edited, editor="bench")
        service.publish(session, article_id=edited.id, editor="bench", note="bench")
        started = time.perf_counter()
        rebuilt = service.build_index(session, previous=index)
        print(f"index rebuild after one article's text changed: {time.perf_counter() - started:.2f} s")
    index = rebuilt

    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    today = dt.date(2026, 11, 30)
    timings = []
    for _ in range(args.rounds):
        for item in questions:
            start = time.perf_counter()
            choose_article(
                index, topic=item["topic"], question=item["question"], tier=item.get("tier"),
                district=item.get("district"), today=today,
            )  # fmt: skip
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(f"queries: {len(timings)}  p50: {statistics.median(timings):.2f} ms  p95: {p95:.2f} ms  "
          f"max: {timings[-1]:.2f} ms")  # fmt: skip
    engine.dispose()


if __name__ == "__main__":
    main()
