"""The figures of a period (Beijing-time days, inclusive) in a person's scope, in a few GROUP BY queries: the
conversation record from the rollups for the days they hold and from the record itself for the days after
(today), the tickets from their working-time figures with their ratings, the votes from feedback.service.

- a conversation is a talent writing on a day; a question is a typed turn (not a button press);
- contained: questions an article answered, of all questions; conversations without a turn handed to a
  person; tickets: the tickets created in the period;
- 响应率: tickets first answered by a person within the SLA's first-response time (working time from the
  ticket's creation), of those answered or past that time; 解决率: tickets resolved or closed, of those
  resolved or closed or past the SLA's resolution time; 满意率: ratings of 4–5 of the rated ones; medians and
  90th percentiles of the working time to a first response and to resolution — all of the tickets created
  in the period.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Subquery, case, func, or_, select
from sqlalchemy.orm import Session

from analytics.models import ANY, ConversationDay, SenderDay, TicketFigures, TurnDay
from analytics.rollup import conversation_groups, day_bounds, rolled_through, sender_groups, turn_groups
from conversations.models import UNANSWERED, TurnOutcome
from feedback import service as feedback_service
from feedback.models import HIGHEST_SCORE, LOWEST_SCORE, TicketRating
from feedback.service import Satisfaction, VoteCount
from frontdesk.clock import utcnow
from frontdesk.vocabulary import DISTRICTS
from people.models import Person, Role

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_UNANSWERED = 10


class NotAllowed(Exception):
    """Figures the person may not see."""


class PeriodProblem(enum.StrEnum):
    DATE = "date"  # not a YYYY-MM-DD date
    ORDER = "order"  # the first day after the last
    LENGTH = "length"  # longer than MAX_DAYS


class PeriodError(ValueError):
    def __init__(self, problem: PeriodProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Scope:
    """The districts a person sees the figures of; None: all of them, and what names no district."""

    districts: frozenset[str] | None

    def narrowed(self, district: str | None) -> frozenset[str] | None:
        """The districts to count for a filter on one `district` (None: no filter)."""
        if district is None:
            return self.districts
        if district not in DISTRICTS or (self.districts is not None and district not in self.districts):
            raise NotAllowed(district)
        return frozenset({district})


def scope_of(person: Person, *, everything: bool) -> Scope:
    """Administrators and policy editors (`everything`) see every district, department officers their own;
    anyone else nothing (NotAllowed)."""
    if everything or (person.role is Role.OFFICER and "all" in person.districts):
        return Scope(None)
    if person.role is Role.OFFICER:
        return Scope(frozenset(person.districts) & frozenset(DISTRICTS))
    raise NotAllowed(person.id)


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def since(self) -> dt.datetime:
        return day_bounds(self.first)[0]

    @property
    def until(self) -> dt.datetime:
        return day_bounds(self.last)[1]


def period_of(*, first: str, last: str, today: dt.date) -> Period:
    """The period from the dates given (YYYY-MM-DD; empty: the last DEFAULT_DAYS days to `today`)."""
    try:
        end = dt.date.fromisoformat(last) if last else today
        start = dt.date.fromisoformat(first) if first else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise PeriodError(PeriodProblem.DATE) from None
    if start > end:
        raise PeriodError(PeriodProblem.ORDER)
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError(PeriodProblem.LENGTH)
    return Period(start, end)


# -- the figures ---------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Day:
    day: dt.date
    conversations: int
    questions: int
    answered: int


@dataclass(frozen=True)
class Handling:
    """The 12345-style figures of the tickets of a district, a person or the whole scope (`key` None)."""

    key: str | None
    tickets: int = 0
    response_counted: int = 0  # answered, or past the first-response time
    responded_in_time: int = 0
    resolution_counted: int = 0  # resolved or closed, or past the resolution time
    finished: int = 0
    satisfaction: Satisfaction = field(default_factory=lambda: Satisfaction(None, _no_ratings()))
    response_p50: float | None = None  # working seconds
    response_p90: float | None = None
    resolution_p50: float | None = None
    resolution_p90: float | None = None

    @property
    def response_rate(self) -> float | None:  # 响应率
        return _share(self.responded_in_time, self.response_counted)

    @property
    def resolution_rate(self) -> float | None:  # 解决率
        return _share(self.finished, self.resolution_counted)


@dataclass(frozen=True)
class DistrictRow:
    district: str | None
    conversations: int
    questions: int
    answered: int
    handling: Handling

    @property
    def answered_share(self) -> float | None:
        return _share(self.answered, self.questions)


@dataclass(frozen=True)
class Summary:
    period: Period
    districts_counted: frozenset[str] | None
    days: list[Day]
    conversations: int
    handed_conversations: int  # conversations with a turn handed to a person
    questions: int
    answered: int
    topics: list[tuple[str | None, int]]  # questions per topic, most first
    outcomes: list[tuple[TurnOutcome, int]]  # questions per outcome, in TurnOutcome's order
    unanswered: list[tuple[str | None, int]]  # unanswered questions per topic, most first
    votes: VoteCount | None  # None: votes are not kept by district, so not shown for some districts
    handling: Handling
    by_district: list[DistrictRow]
    by_person: list[Handling]

    @property
    def answered_share(self) -> float | None:
        return _share(self.answered, self.questions)

    @property
    def without_ticket(self) -> int:
        return self.conversations - self.handed_conversations

    @property
    def without_ticket_share(self) -> float | None:
        return _share(self.without_ticket, self.conversations)


def _no_ratings() -> dict[int, int]:
    return dict.fromkeys(range(LOWEST_SCORE, HIGHEST_SCORE + 1), 0)


def _in(column: Any, districts: frozenset[str] | None) -> list[ColumnElement[bool]]:
    return [] if districts is None else [column.in_(sorted(districts))]


@dataclass(frozen=True)
class _Sources:
    """The rows of a period in each of the rollups' shapes: the rollup's own for the days it holds, the same
    counted from the record for each day after (each a subquery of its own, covering days of its own)."""

    turns: list[Subquery]
    conversations: list[Subquery]
    talents: list[Subquery]


def _sources(session: Session, period: Period) -> _Sources:
    through = rolled_through(session)
    last_rolled = min(period.last, through) if through is not None else period.first - dt.timedelta(days=1)
    raw_days = [day for day in period.days if day > last_rolled]

    def rolled(table: Any) -> list[Subquery]:
        if last_rolled < period.first:
            return []
        return [select(table).where(table.day >= period.first, table.day <= last_rolled).subquery()]

    return _Sources(
        turns=rolled(TurnDay) + [turn_groups(day).subquery() for day in raw_days],
        conversations=rolled(ConversationDay) + [conversation_groups(day).subquery() for day in raw_days],
        talents=rolled(SenderDay) + [sender_groups(day).subquery() for day in raw_days],
    )


Measures = Callable[[Subquery], Sequence[ColumnElement[Any]]]
Where = Callable[[Subquery], Sequence[ColumnElement[bool]]]


def _totals(
    session: Session, sources: Sequence[Subquery], *, keys: Sequence[str], measures: Measures, where: Where
) -> dict[tuple[Any, ...], list[int]]:
    """The `measures` summed per value of `keys` over every source (one GROUP BY each, added up here)."""
    totals: dict[tuple[Any, ...], list[int]] = {}
    for source in sources:
        columns = [source.c[key] for key in keys]
        query = select(*columns, *measures(source)).where(*where(source)).group_by(*columns)
        for row in session.execute(query):
            values = [int(value or 0) for value in row[len(keys) :]]
            kept = totals.setdefault(tuple(row[: len(keys)]), [0] * len(values))
            for index, value in enumerate(values):
                kept[index] += value
    return totals


def quantile(ordered: Sequence[float], share: float) -> float | None:
    """The `share` quantile of sorted values by linear interpolation (as PostgreSQL's percentile_cont)."""
    if not ordered:
        return None
    position = share * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


SHARES = (0.5, 0.9)
SCORES = range(LOWEST_SCORE, HIGHEST_SCORE + 1)
BY = {"district": TicketFigures.district, "person": TicketFigures.assignee_id}  # ticket_figures(by=…)


@dataclass
class Gathered:
    """The ticket figures of one district or person being added up."""

    counts: list[int] = field(default_factory=lambda: [0] * (5 + len(SCORES)))  # Handling's, then ratings
    spread: list[float | None] = field(default_factory=lambda: [None] * 4)

    def add(self, values: Sequence[Any]) -> None:
        for index, value in enumerate(values):
            self.counts[index] += int(value or 0)

    def handling(self, key: str | None) -> Handling:
        tickets, response_counted, in_time, resolution_counted, finished, *ratings = self.counts
        response_p50, response_p90, resolution_p50, resolution_p90 = self.spread
        return Handling(
            key,
            tickets=tickets,
            response_counted=response_counted,
            responded_in_time=in_time,
            resolution_counted=resolution_counted,
            finished=finished,
            satisfaction=Satisfaction(None, dict(zip(SCORES, ratings, strict=True))),
            response_p50=response_p50,
            response_p90=response_p90,
            resolution_p50=resolution_p50,
            resolution_p90=resolution_p90,
        )


def ticket_figures(
    session: Session, *, period: Period, districts: frozenset[str] | None, now: dt.datetime, by: str
) -> dict[str | None, Gathered]:
    """The figures of the tickets created in the period, with their ratings, per district or per person
    (`by`: a key of BY; tickets of nobody are left out per person). The percentiles by percentile_cont on
    PostgreSQL, worked out here elsewhere."""
    t, key = TicketFigures, BY[by]
    where = [t.day >= period.first, t.day <= period.last, *_in(t.district, districts)]
    if by == "person":
        where.append(t.assignee_id.is_not(None))
    counts = [
        func.count(),
        func.sum(case((or_(t.responded_at.is_not(None), t.response_due <= now), 1), else_=0)),
        func.sum(case((t.responded_at <= t.response_due, 1), else_=0)),
        func.sum(case((or_(t.finished.is_(True), t.resolution_due <= now), 1), else_=0)),
        func.sum(case((t.finished.is_(True), 1), else_=0)),
        *(func.sum(case((TicketRating.score == score, 1), else_=0)) for score in SCORES),
    ]
    postgres = session.get_bind().dialect.name == "postgresql"
    quantiles = [
        func.percentile_cont(share).within_group(column)
        for column in (t.response_seconds, t.resolution_seconds)
        for share in SHARES
    ]
    query = (
        select(key, *counts, *(quantiles if postgres else []))
        .outerjoin(TicketRating, TicketRating.ticket_id == t.ticket_id)
        .where(*where)
        .group_by(key)
    )
    gathered: dict[str | None, Gathered] = defaultdict(Gathered)
    for name, *values in session.execute(query):
        gathered[name].add(values[: len(counts)])
        gathered[name].spread = [None if value is None else float(value) for value in values[len(counts) :]]
    if not postgres:
        times: dict[str | None, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for name, *pair in session.execute(
            select(key, t.response_seconds, t.resolution_seconds).where(*where)
        ):
            for kept, value in zip(times[name], pair, strict=True):
                if value is not None:
                    kept.append(value)
        for name, (responses, resolutions) in times.items():
            gathered[name].spread = [
                quantile(sorted(kept), share) for kept in (responses, resolutions) for share in SHARES
            ]
    return gathered


@dataclass(frozen=True)
class TurnFigures:
    """The conversation record's part of a Summary."""

    days: list[Day]
    handed_conversations: int
    topics: dict[str | None, int]
    outcomes: dict[TurnOutcome, int]
    unanswered: dict[str | None, int]
    by_district: dict[str | None, list[int]]  # conversations, questions, answered
    votes: VoteCount | None


def summary(
    session: Session,
    *,
    scope: Scope,
    period: Period,
    district: str | None = None,
    now: dt.datetime | None = None,
) -> Summary:
    """Every figure of the analytics page for `period`, in `scope`, for one `district` or all of them
    (a district outside the scope: NotAllowed)."""
    districts, now = scope.narrowed(district), now or utcnow()
    return assemble(
        period=period,
        districts=districts,
        turns=turn_figures(session, period=period, districts=districts),
        by_district=ticket_figures(session, period=period, districts=districts, now=now, by="district"),
        by_person=ticket_figures(session, period=period, districts=districts, now=now, by="person"),
    )


def turn_figures(session: Session, *, period: Period, districts: frozenset[str] | None) -> TurnFigures:
    """The conversation record's figures for `districts` (Scope.narrowed; None: all)."""
    sources = _sources(session, period)

    def in_scope(source: Subquery) -> list[ColumnElement[bool]]:
        return _in(source.c.district, districts)

    answered = TurnOutcome.ANSWERED
    per_day = _totals(
        session,
        sources.turns,
        keys=["day"],
        measures=lambda s: [
            func.sum(s.c.questions),
            func.sum(case((s.c.outcome == answered, s.c.questions), else_=0)),
        ],
        where=in_scope,
    )
    if districts is None or len(districts) == 1:  # counted once a day per district, and in all
        one = ANY if districts is None else next(iter(districts))
        talents = _totals(
            session,
            sources.conversations,
            keys=["day"],
            measures=lambda s: [func.sum(s.c.conversations), func.sum(s.c.handed)],
            where=lambda s: [s.c.district == one],
        )
    else:  # several districts: each talent once a day, from the talents' rows
        talents = _totals(
            session,
            sources.talents,
            keys=["day"],
            measures=lambda s: [
                func.count(func.distinct(s.c.sender_id)),
                func.count(func.distinct(case((s.c.ticket_turns > 0, s.c.sender_id)))),
            ],
            where=in_scope,
        )
    days = [Day(day, talents.get((day,), [0, 0])[0], *per_day.get((day,), [0, 0])) for day in period.days]

    topics: dict[str | None, int] = defaultdict(int)
    outcomes: dict[TurnOutcome, int] = dict.fromkeys(TurnOutcome, 0)
    unanswered: dict[str | None, int] = defaultdict(int)
    district_turns: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    mix = _totals(
        session,
        sources.turns,
        keys=["district", "topic", "outcome"],
        measures=lambda s: [func.sum(s.c.questions)],
        where=in_scope,
    )
    for (place, topic, outcome), (questions,) in mix.items():
        topic, place = topic or None, place or None
        topics[topic] += questions
        outcomes[TurnOutcome(outcome)] += questions
        if outcome in UNANSWERED:
            unanswered[topic] += questions
        district_turns[place][1] += questions
        if outcome == answered:
            district_turns[place][2] += questions
    conversations = _totals(
        session,
        sources.conversations,
        keys=["district"],
        measures=lambda s: [func.sum(s.c.conversations)],
        where=lambda s: [s.c.district != ANY, *in_scope(s)],
    )
    for (place,), (count,) in conversations.items():
        district_turns[place or None][0] = count

    return TurnFigures(
        days=days,
        handed_conversations=sum(counts[1] for counts in talents.values()),
        topics=dict(topics),
        outcomes=outcomes,
        unanswered=dict(unanswered),
        by_district=dict(district_turns),
        votes=(
            feedback_service.vote_totals(session, since=period.since, until=period.until)
            if districts is None
            else None
        ),
    )


def assemble(
    *,
    period: Period,
    districts: frozenset[str] | None,
    turns: TurnFigures,
    by_district: dict[str | None, Gathered],
    by_person: dict[str | None, Gathered],
) -> Summary:
    """The Summary of its parts (turn_figures and ticket_figures, which may be read at the same time)."""
    shown: list[str | None] = [*(sorted(districts) if districts is not None else DISTRICTS)]
    if districts is None and (None in turns.by_district or None in by_district):
        shown.append(None)
    overall = Gathered()  # every ticket is in one district's row; no percentiles: the page shows none
    for part in by_district.values():
        overall.add(part.counts)
    days = turns.days
    return Summary(
        period=period,
        districts_counted=districts,
        days=days,
        conversations=sum(day.conversations for day in days),
        handed_conversations=turns.handed_conversations,
        questions=sum(day.questions for day in days),
        answered=sum(day.answered for day in days),
        topics=sorted(turns.topics.items(), key=lambda item: (-item[1], item[0] or "~")),
        outcomes=list(turns.outcomes.items()),
        unanswered=sorted(turns.unanswered.items(), key=lambda item: (-item[1], item[0] or "~"))[
            :TOP_UNANSWERED
        ],
        votes=turns.votes,
        handling=overall.handling(None),
        by_district=[
            DistrictRow(
                place,
                *_three(turns.by_district.get(place, [0, 0, 0])),
                by_district.get(place, Gathered()).handling(place),
            )
            for place in shown
        ],
        by_person=[by_person[person].handling(person) for person in sorted(p for p in by_person if p)],
    )


def _three(counts: list[int]) -> tuple[int, int, int]:
    return counts[0], counts[1], counts[2]
