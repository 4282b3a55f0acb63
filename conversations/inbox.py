"""What the assistant could not answer, for the editors' inbox: the turns that ended without an answer, the
questions back that the talent left unanswered, the answers a talent marked 👎; grouped by similar wording.

Grouping: the knowledge base's own search tokens (policies_kb.retrieval.Segmenter: jieba words, Chinese
character bigrams, stemmed English), TF-IDF over the distinct token sets, and leader clustering by cosine
similarity (the most frequent wording leads; a message joins the most similar leader at THRESHOLD or more,
else leads a group of its own). Candidate leaders come from an inverted index probed only with a message's
rarest tokens (prefix filtering: a leader sharing none of them cannot reach THRESHOLD), so 50,000 messages
group in about a second."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.models import UNANSWERED, ConversationTurn, TurnOutcome
from frontdesk.database import UtcDateTime
from policies_kb.retrieval import Segmenter

ABANDONED_AFTER = dt.timedelta(minutes=30)  # a question back with no later turn of the talent's in this time
ASKED = (TurnOutcome.CLARIFIED, TurnOutcome.ASKED_DETAIL)
ABANDONED, UNHELPFUL = "abandoned", "unhelpful"  # why a message is in the inbox, besides UNANSWERED outcomes
WHY = (*(str(outcome) for outcome in UNANSWERED), ABANDONED, UNHELPFUL)
THRESHOLD = 0.5  # cosine similarity of TF-IDF vectors that puts two wordings in one group
# Chinese character bigrams count this much of a word: they catch typos and other segmentations, but most
# of them straddle two words and would keep similar questions apart.
BIGRAM_WEIGHT = 0.3
LABEL_WORDS = 4
_BIGRAM = "~"  # Segmenter's prefix of Chinese character bigrams
_ASCII_WORD = re.compile(r"[a-z][a-z0-9]*")


class Dislike(NamedTuple):
    """A talent's 👎 on an answer from an article."""

    sender_id: str
    article_id: str
    at: dt.datetime


@dataclass(frozen=True)
class Message:
    """A talent message the assistant did not settle, and why it is here (outcome, ABANDONED, UNHELPFUL)."""

    turn_id: int
    at: dt.datetime
    sender_id: str
    text: str
    topic: str | None
    why: str


def _columns() -> tuple:
    turn = ConversationTurn
    return (turn.id, turn.at, turn.sender_id, turn.text, turn.topic)


def unanswered(
    session: Session,
    *,
    since: dt.datetime,
    until: dt.datetime,
    dislikes: Iterable[Dislike] = (),
    topic: str | None = None,
) -> list[Message]:
    """The inbox's messages of [since, until), oldest first, button presses left out: turns without an
    answer; questions back (which topic, which district or tier) with no later turn of the talent within
    ABANDONED_AFTER (counted to `until`); the answered turn of the talent and article just before each 👎."""
    turn = ConversationTurn
    typed = [turn.from_button.is_(False), turn.at >= since, turn.at < until]
    if topic:
        typed.append(turn.topic == topic)
    messages = [
        Message(id_, at, sender, text, topic_, str(outcome))
        for id_, at, sender, text, topic_, outcome in session.execute(
            select(*_columns(), turn.outcome).where(turn.outcome.in_(UNANSWERED), *typed)
        )
    ]
    messages += _abandoned(session, since=since, until=until, topic=topic)
    messages += _disliked(session, since=since, until=until, dislikes=dislikes, topic=topic)
    return sorted(messages, key=lambda message: (message.at, message.turn_id))


def _abandoned(
    session: Session, *, since: dt.datetime, until: dt.datetime, topic: str | None
) -> list[Message]:
    """Questions back followed by no turn of the talent (a button press counts) within ABANDONED_AFTER."""
    turn = ConversationTurn
    turns = (
        select(
            *_columns(),
            turn.outcome,
            turn.from_button,
            func.lead(turn.at, type_=UtcDateTime())
            .over(partition_by=turn.sender_id, order_by=(turn.at, turn.id))
            .label("next_at"),
        )
        .where(turn.at >= since, turn.at < until + ABANDONED_AFTER)
        .subquery()
    )
    asked = [
        turns.c.outcome.in_(ASKED),
        turns.c.from_button.is_(False),
        turns.c.at <= until - ABANDONED_AFTER,
    ]
    if topic:
        asked.append(turns.c.topic == topic)
    rows = session.execute(
        select(turns.c.id, turns.c.at, turns.c.sender_id, turns.c.text, turns.c.topic, turns.c.next_at).where(
            *asked
        )
    )
    return [
        Message(id_, at, sender, text, topic_, ABANDONED)
        for id_, at, sender, text, topic_, next_at in rows
        if next_at is None or next_at - at > ABANDONED_AFTER
    ]


def _disliked(
    session: Session,
    *,
    since: dt.datetime,
    until: dt.datetime,
    dislikes: Iterable[Dislike],
    topic: str | None,
) -> list[Message]:
    """For each 👎 of the period, the talent's last answered (typed) turn from that article before it."""
    votes = [vote for vote in dislikes if since <= vote.at < until]
    if not votes:
        return []
    turn = ConversationTurn
    answers: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    senders = sorted({vote.sender_id for vote in votes})
    for start in range(0, len(senders), 500):
        rows = session.execute(
            select(*_columns(), turn.article_id).where(
                turn.sender_id.in_(senders[start : start + 500]),
                turn.outcome == TurnOutcome.ANSWERED,
                turn.from_button.is_(False),
                turn.at < until,
            )
        )
        for row in rows:
            answers[(row.sender_id, row.article_id)].append(tuple(row)[:5])
    found: dict[int, Message] = {}
    for vote in votes:
        before = [row for row in answers.get((vote.sender_id, vote.article_id), ()) if row[1] <= vote.at]
        if before:
            id_, at, sender, text, topic_ = max(before, key=lambda row: (row[1], row[0]))
            if not topic or topic_ == topic:
                found[id_] = Message(id_, at, sender, text, topic_, UNHELPFUL)
    return list(found.values())


@dataclass(frozen=True)
class Group:
    """Messages of similar wording: `key` is the leading wording's digest (stable for the same data),
    `words` its most telling words, `messages` newest first."""

    key: str
    words: tuple[str, ...]
    messages: tuple[Message, ...]

    @property
    def count(self) -> int:
        return len(self.messages)

    @cached_property
    def talents(self) -> int:
        return len({message.sender_id for message in self.messages})

    @cached_property
    def topics(self) -> list[str]:
        """The topics seen, most frequent first."""
        seen = Counter(message.topic for message in self.messages if message.topic)
        return [topic for topic, _ in seen.most_common()]

    @cached_property
    def reasons(self) -> list[tuple[str, int]]:
        return Counter(message.why for message in self.messages).most_common()

    @property
    def first_seen(self) -> dt.datetime:
        return self.messages[-1].at

    @property
    def last_seen(self) -> dt.datetime:
        return self.messages[0].at


@lru_cache(maxsize=2)
def segmenter(vocabulary: tuple[str, ...]) -> Segmenter:
    """The search segmenter knowing the knowledge base's terms (its articles' keywords)."""
    return Segmenter(vocabulary)


def group_messages(
    messages: Sequence[Message], *, segmenter: Segmenter, threshold: float = THRESHOLD
) -> list[Group]:
    """Messages grouped by similar wording, the largest groups first (then the most recent)."""
    token_sets: dict[str, frozenset[str]] = {}
    members: dict[frozenset[str], list[Message]] = defaultdict(list)
    for message in messages:
        tokens = token_sets.get(message.text)
        if tokens is None:
            tokens = token_sets[message.text] = frozenset(segmenter.tokens(message.text))
        members[tokens].append(message)
    bags = sorted(members, key=lambda bag: (-len(members[bag]), sorted(bag)))
    vectors, leader_of = _leader_clustering([bag for bag in bags if bag], threshold=threshold)
    grouped: dict[int, list[int]] = defaultdict(list)
    for position, leader in enumerate(leader_of):
        grouped[leader].append(position)
    words_of = _Surface(segmenter)
    groups = []
    nonempty = [bag for bag in bags if bag]
    for leader, positions in grouped.items():
        weights: dict[str, float] = defaultdict(float)
        for position in positions:
            for token, weight in vectors[position].items():
                weights[token] += weight * len(members[nonempty[position]])
        in_group = [message for position in positions for message in members[nonempty[position]]]
        groups.append(_group(sorted(nonempty[leader]), in_group, words_of.label(weights, in_group)))
    if frozenset() in members:  # nothing but punctuation, emoji or stopwords
        groups.append(_group([], members[frozenset()], ()))
    return sorted(groups, key=lambda group: (-group.count, -group.last_seen.timestamp(), group.key))


def _group(leading: list[str], messages: list[Message], words: tuple[str, ...]) -> Group:
    key = hashlib.sha1("\x1f".join(leading).encode()).hexdigest()[:12]
    ordered = sorted(messages, key=lambda message: (message.at, message.turn_id), reverse=True)
    return Group(key=key, words=words, messages=tuple(ordered))


def _leader_clustering(
    bags: list[frozenset[str]], *, threshold: float
) -> tuple[list[dict[str, float]], list[int]]:
    """Unit TF-IDF vectors of the token sets, and the index of the leader each set joins (itself when it
    leads), in the given order."""
    document_frequency: Counter[str] = Counter(token for bag in bags for token in bag)
    total = len(bags)
    idf = {token: math.log((1 + total) / (1 + df)) + 1 for token, df in document_frequency.items()}
    vectors: list[dict[str, float]] = []
    leader_of: list[int] = []
    postings: dict[str, list[int]] = defaultdict(list)
    floor = threshold * threshold
    for position, bag in enumerate(bags):
        weight = {token: idf[token] * (BIGRAM_WEIGHT if token[0] == _BIGRAM else 1.0) for token in bag}
        norm = math.sqrt(sum(value * value for value in weight.values()))
        vector = {token: value / norm for token, value in weight.items()}
        vectors.append(vector)
        rarest_first = sorted(bag, key=lambda token: (document_frequency[token], token))
        rest = 0.0
        cut = 0
        for cut in range(len(rarest_first) - 1, -1, -1):
            rest += vector[rarest_first[cut]] ** 2
            if rest >= floor:
                break
        candidates = {leader for token in rarest_first[: cut + 1] for leader in postings.get(token, ())}
        best, best_score = position, -1.0
        for leader in sorted(candidates):  # the first of equally similar leaders
            led = vectors[leader]
            score = sum(weight * led.get(token, 0.0) for token, weight in vector.items())
            if score > best_score:
                best, best_score = leader, score
        if best_score < threshold:
            best = position
            for token in bag:
                postings[token].append(position)
        leader_of.append(best)
    return vectors, leader_of


class _Surface:
    """A group's most telling words as talents wrote them (English words back from their stems)."""

    def __init__(self, segmenter: Segmenter) -> None:
        self._segmenter = segmenter
        self._stem_of: dict[str, str | None] = {}

    def _stem(self, word: str) -> str | None:
        if word not in self._stem_of:
            tokens = self._segmenter.tokens(word)
            self._stem_of[word] = tokens[0] if len(tokens) == 1 else None
        return self._stem_of[word]

    def label(self, weights: dict[str, float], messages: list[Message]) -> tuple[str, ...]:
        ranked = sorted(weights, key=lambda token: (-weights[token], token))
        words = [token for token in ranked if not token.startswith(_BIGRAM)] or [
            token[1:] for token in ranked
        ]
        candidates = words[: 2 * LABEL_WORDS]  # 公积 and 积金 give way to 公积金
        chosen = [word for word in candidates if not any(word in other != word for other in candidates)]
        chosen = chosen[:LABEL_WORDS]
        stems = {word for word in chosen if word.isascii()}
        if not stems:
            return tuple(chosen)
        surfaces: dict[str, Counter[str]] = defaultdict(Counter)
        for message in messages[:50]:
            for word in _ASCII_WORD.findall(message.text.lower()):
                stem = self._stem(word)
                if stem in stems:
                    surfaces[stem][word] += 1
        return tuple(surfaces[word].most_common(1)[0][0] if word in surfaces else word for word in chosen)


def find_group(groups: Iterable[Group], key: str) -> Group | None:
    return next((group for group in groups if group.key == key), None)


class GroupCache:
    """The grouping of recent periods, kept while the inbox's data stay the same (the page opens fast)."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._kept: OrderedDict[tuple, list[Group]] = OrderedDict()

    def groups(
        self,
        session: Session,
        *,
        since: dt.datetime,
        until: dt.datetime,
        dislikes: Sequence[Dislike],
        topic: str | None,
        vocabulary: tuple[str, ...],
    ) -> list[Group]:
        """The groups of [since, until), from the cache when no turn was recorded since they were made."""
        newest = session.execute(select(func.max(ConversationTurn.id), func.count())).one()
        key = (
            str(session.get_bind().engine.url),
            since,
            until,
            topic,
            tuple(newest),
            hash(tuple(dislikes)),
            vocabulary,
        )
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        messages = unanswered(session, since=since, until=until, dislikes=dislikes, topic=topic)
        found = group_messages(messages, segmenter=segmenter(vocabulary))
        self._kept[key] = found
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return found
