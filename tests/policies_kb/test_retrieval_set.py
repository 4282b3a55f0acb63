"""Top-1 accuracy of the knowledge base's retrieval on its labelled question set."""

import datetime as dt
from pathlib import Path

import yaml

from policies_kb.answers import choose_article
from policies_kb.files import load_directory
from policies_kb.retrieval import IndexedArticle, KnowledgeIndex

QUESTIONS = Path(__file__).parents[1] / "data" / "retrieval_questions.yml"
TODAY = dt.date(2026, 11, 30)  # the day the question set was written for


def test_top1_accuracy_is_at_least_95_percent():
    index = KnowledgeIndex(IndexedArticle(a.id, 1, a) for a in load_directory().articles.values())
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    assert len(questions) >= 80
    misses = []
    for item in questions:
        choice = choose_article(
            index,
            topic=item["topic"],
            question=item["question"],
            tier=item.get("tier"),
            district=item.get("district"),
            today=TODAY,
        )
        got = choice.article.article_id if choice.article else f"({choice.outcome})"
        if got != item["expected"]:
            misses.append(f"{item['question']} → {got}, expected {item['expected']}")
    accuracy = 1 - len(misses) / len(questions)
    print(f"\nretrieval top-1 accuracy: {accuracy:.3f} on {len(questions)} questions")
    print("\n".join(misses))
    assert accuracy >= 0.95, "\n".join(misses)
