"""Ranking articles for a question: BM25 over jieba-segmented text, eligibility and dates as filters."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import rjieba
import snowballstemmer
import yaml

from frontdesk.spelling import correct_typos
from frontdesk.text import normalize
from policies_kb.schema import ArticleContent

log = logging.getLogger(__name__)

_TERM_OF: dict[str, str] = {
    str(variant).lower(): str(term).lower()
    for variant, term in yaml.safe_load(
        (Path(__file__).parent / "query_terms.yml").read_text(encoding="utf-8")
    ).items()
}
_QUERY_TERMS = re.compile(
    "|".join(
        (rf"\b{re.escape(v)}\b" if v.isascii() else re.escape(v))
        for v in sorted(_TERM_OF, key=len, reverse=True)
    )
)
_STOPWORDS = frozenset((Path(__file__).parent / "stopwords.txt").read_text(encoding="utf-8").split())
_TOKEN = re.compile(r"[\w\u3400-\u9fff]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
# How much more a match in keywords, titles and summaries counts than one in the body.
HEAD_WEIGHT = 1.0
# A follow-up question stays with the article just answered unless another matches this much better.
FOLLOW_UP_BONUS = 1.5
# A word that fewer than about a third of the articles use tells them apart.
INFORMATIVE_WEIGHT = 1.2
# How many of a topic's best matches `coverage` looks at.
COVERAGE_ARTICLES = 3


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


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


class Segmenter:
    """Search tokens of a text: jieba words (jieba-rs, the Rust port of jieba, for speed), Chinese
    character bigrams (robust to typos and segmentation errors) and stemmed English words.
    Knows the knowledge base's own terms."""

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self._jieba = rjieba.Jieba()
        for word in vocabulary:
            if _TOKEN.fullmatch(word.replace(" ", "")) and not word.isascii():
                self._jieba.add_word(word, 2000, None)

    def tokens(self, text: str) -> list[str]:
        """Tokens of article text."""
        return self._tokens(normalize(text).lower())

    def query_tokens(self, question: str) -> list[str]:
        """Tokens of a talent's question: homophone typos of the domain's terms corrected, then colloquial
        words and other typos mapped to the articles' terms."""
        text = correct_typos(normalize(question).lower())
        return self._tokens(_QUERY_TERMS.sub(lambda match: _TERM_OF[match.group(0)], text))

    def _tokens(self, text: str) -> list[str]:
        tokens = [
            _stem(word) if word.isascii() else word
            for word in self._jieba.cut_for_search(text, False)
            if word.isalnum() and word not in _STOPWORDS
        ]
        for run in _CJK_RUN.findall(text):
            tokens.extend(map("~{}{}".format, run, run[1:]))
        return tokens


def _head_tokens(segmenter: Segmenter, content: ArticleContent) -> list[str]:
    """What the article is about: keywords, titles and summaries."""
    tokens = [token for keyword in content.keywords for token in segmenter.tokens(keyword)]
    for text in content.content.values():
        tokens += segmenter.tokens(text.title) + segmenter.tokens(text.summary)
    return tokens or ["_"]


def _body_tokens(segmenter: Segmenter, content: ArticleContent) -> list[str]:
    """What the article says: body, documents, how to apply."""
    tokens: list[str] = []
    for text in content.content.values():
        for part in (text.body, text.how_to_apply or "", " ".join(text.required_documents)):
            tokens += segmenter.tokens(part)
    return tokens or ["_"]


def _bm25(documents: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25()
    model.index(documents, show_progress=False)
    return model


class KnowledgeIndex:
    """In-memory BM25 indexes per topic over the published article versions: one over what each
    article is about (keywords, titles, summaries) and one over its text.

    Built from a `previous` index, it re-segments only the versions that changed, as long as the
    vocabulary (the articles' keywords) is the same.
    """

    def __init__(self, articles: Iterable[IndexedArticle], previous: KnowledgeIndex | None = None) -> None:
        articles = list(articles)
        vocabulary = frozenset(word for item in articles for word in item.content.keywords)
        reusable = previous is not None and previous.vocabulary == vocabulary
        self.vocabulary: frozenset[str] = vocabulary
        self.segmenter: Segmenter = previous.segmenter if reusable and previous else Segmenter(vocabulary)
        known = previous._tokens if reusable and previous else {}
        self._tokens: dict[tuple[str, int], tuple[list[str], list[str]]] = {}
        self._by_topic: dict[str, list[IndexedArticle]] = {}
        for item in articles:
            key = (item.article_id, item.version)
            self._tokens[key] = known.get(key) or (
                _head_tokens(self.segmenter, item.content),
                _body_tokens(self.segmenter, item.content),
            )
            self._by_topic.setdefault(item.content.topic, []).append(item)
        self._document_frequency = Counter(
            token for head, body in self._tokens.values() for token in set(head) | set(body)
        )
        self._head: dict[str, bm25s.BM25] = {}
        self._body: dict[str, bm25s.BM25] = {}
        for topic, items in self._by_topic.items():
            self._head[topic] = _bm25([self._tokens[(item.article_id, item.version)][0] for item in items])
            self._body[topic] = _bm25([self._tokens[(item.article_id, item.version)][1] for item in items])

    def __len__(self) -> int:
        return sum(len(items) for items in self._by_topic.values())

    def topic_articles(self, topic: str) -> list[IndexedArticle]:
        return list(self._by_topic.get(topic, []))

    def term_weight(self, token: str) -> float:
        """How informative a search token is: its inverse document frequency over all articles."""
        frequency = self._document_frequency.get(token)
        return math.log((len(self._tokens) + 1) / (frequency + 0.5)) if frequency else 0.0

    def informative(self, text: str) -> bool:
        """True when the text has a word that tells articles apart (not only words most articles use)."""
        return any(
            self.term_weight(token) >= INFORMATIVE_WEIGHT
            for token in self.segmenter.query_tokens(text)
            if not token.startswith("~")
        )

    def coverage(self, topic: str, question: str, *, preferred: str | None = None) -> float:
        """How much of what the question says (its informative words, by weight) the best few articles of
        `topic` contain, from 0 to 1: evidence that a follow-up belongs to that topic."""
        query = set(self.segmenter.query_tokens(question))
        unknown = math.log((len(self._tokens) + 1) / 0.5)
        weights = {
            token: self.term_weight(token) or (0.0 if token.startswith("~") else unknown) for token in query
        }
        total = sum(weights.values())
        if not total:
            return 0.0
        best = 0.0
        for hit in self.rank(topic, question, preferred=preferred)[:COVERAGE_ARTICLES]:
            head, body = self._tokens[(hit.article.article_id, hit.article.version)]
            present = set(head) | set(body)
            best = max(best, sum(weight for token, weight in weights.items() if token in present) / total)
        return best

    def rank(self, topic: str, question: str, *, preferred: str | None = None) -> list[Hit]:
        """Every article of `topic`, best match first (ties keep file order).

        `preferred` (the article a follow-up question is about) counts FOLLOW_UP_BONUS times its score
        and wins ties.
        """
        items = self._by_topic.get(topic, [])
        if not items:
            return []
        query = self.segmenter.query_tokens(question)
        if query:
            scores = HEAD_WEIGHT * self._head[topic].get_scores(query) + self._body[topic].get_scores(query)
        else:
            scores = np.zeros(len(items))
        if preferred is not None:
            boost = np.array([FOLLOW_UP_BONUS if item.article_id == preferred else 1.0 for item in items])
            scores = scores * boost + (boost > 1) * 1e-6
        order = np.argsort(-scores, kind="stable")
        return [Hit(items[i], score) for i, score in zip(order.tolist(), scores[order].tolist(), strict=True)]
