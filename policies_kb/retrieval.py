"""Ranking articles for a question: BM25 over jieba-segmented text, eligibility and dates as filters."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import jieba
import numpy as np

from frontdesk.text import normalize
from policies_kb.schema import ArticleContent

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_STOPWORDS = frozenset((Path(__file__).parent / "stopwords.txt").read_text(encoding="utf-8").split())
_TOKEN = re.compile(r"[\w\u3400-\u9fff]+")
# Fields repeated to weigh them more than the body.
_TITLE_WEIGHT = 3
_KEYWORD_WEIGHT = 3


@dataclass(frozen=True)
class IndexedArticle:
    """What the index knows of one published article version."""

    article_id: str
    version: int
    content: ArticleContent

    def eligible(self, *, tier: str | None, district: str | None) -> bool:
        """False only when a known tier or district is excluded."""
        rules = self.content.eligibility
        if tier and rules.tiers != "all" and tier not in rules.tiers:
            return False
        return not (district and rules.districts != "all" and district not in rules.districts)

    def in_force(self, today: dt.date) -> bool:
        return self.content.effective_from <= today and (
            self.content.effective_to is None or today <= self.content.effective_to
        )

    def coming(self, today: dt.date) -> bool:
        return self.content.effective_from > today


@dataclass(frozen=True)
class Hit:
    article: IndexedArticle
    score: float


class Segmenter:
    """jieba segmentation that knows the knowledge base's own terms."""

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in vocabulary:
            if _TOKEN.fullmatch(word.replace(" ", "")) and not word.isascii():
                self._jieba.add_word(word, freq=2000)

    def tokens(self, text: str) -> list[str]:
        words = self._jieba.lcut_for_search(normalize(text).lower())
        return [word for word in words if _TOKEN.fullmatch(word) and word not in _STOPWORDS]


def _document_tokens(segmenter: Segmenter, content: ArticleContent) -> list[str]:
    tokens: list[str] = []
    for keyword in content.keywords:
        tokens += segmenter.tokens(keyword) * _KEYWORD_WEIGHT
    for text in content.content.values():
        tokens += segmenter.tokens(text.title) * _TITLE_WEIGHT
        for part in (text.summary, text.body, text.how_to_apply or "", " ".join(text.required_documents)):
            tokens += segmenter.tokens(part)
    return tokens


class KnowledgeIndex:
    """An in-memory BM25 index per topic over the published article versions."""

    def __init__(self, articles: Iterable[IndexedArticle]) -> None:
        articles = list(articles)
        self.segmenter = Segmenter(word for item in articles for word in item.content.keywords)
        self._by_topic: dict[str, list[IndexedArticle]] = {}
        for item in articles:
            self._by_topic.setdefault(item.content.topic, []).append(item)
        self._bm25: dict[str, bm25s.BM25] = {}
        for topic, items in self._by_topic.items():
            model = bm25s.BM25()
            model.index(
                [_document_tokens(self.segmenter, item.content) or ["_"] for item in items],
                show_progress=False,
            )
            self._bm25[topic] = model

    def __len__(self) -> int:
        return sum(len(items) for items in self._by_topic.values())

    def topic_articles(self, topic: str) -> list[IndexedArticle]:
        return list(self._by_topic.get(topic, []))

    def rank(self, topic: str, question: str) -> list[Hit]:
        """Every article of `topic`, best match first (ties keep file order)."""
        items = self._by_topic.get(topic, [])
        if not items:
            return []
        query = self.segmenter.tokens(question)
        scores = self._bm25[topic].get_scores(query) if query else np.zeros(len(items))
        order = sorted(range(len(items)), key=lambda i: -float(scores[i]))
        return [Hit(items[i], float(scores[i])) for i in order]
