"""The rollups the analytics read, brought up to date incrementally: the conversation record per complete
Beijing-time day (a day is rolled up once it is over; the days after it are read from the record itself),
and the figures of every ticket changed since the last refresh, in working time (all of them again when the
working-time rules or the SLA change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Date,
    Row,
    Select,
    String,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from analytics.models import (
    ANY,
    NONE,
    STATE_ROW,
    ConversationDay,
    RefreshState,
    SenderDay,
    TicketFigures,
    TurnDay,
)
from conversations.models import ConversationTurn, TurnOutcome
from frontdesk.clock import LOCAL_TZ
from tickets.models import Priority, Ticket, TicketStatus, WorkingTime
from tickets.service import SlaPolicy
from tickets.working_time import WorkingCalendar

FINISHED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
LATE_COMMIT_MARGIN = dt.timedelta(minutes=5)  # a change committed late with an earlier time is still seen
BATCH = 2000
TICKET_COLUMNS = (
    Ticket.id,
    Ticket.created_at,
    Ticket.updated_at,
    Ticket.priority,
    Ticket.status,
    Ticket.district,
    Ticket.assignee_id,
    Ticket.first_responded_at,
    Ticket.resolved_at,
)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which Beijing-time `day` starts and the next one starts."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_TZ).date()


def turn_groups(day: dt.date) -> Select[Any]:
    """The turns of `day` counted as TurnDay rows are."""
    turn = ConversationTurn
    start, end = day_bounds(day)
    district, topic = func.coalesce(turn.district, NONE), func.coalesce(turn.topic, NONE)
    return (
        select(
            literal(day, Date).label("day"),
            district.label("district"),
            turn.channel.label("channel"),
            topic.label("topic"),
            turn.outcome.label("outcome"),
            func.count().label("turns"),
            func.sum(case((turn.from_button.is_(False), 1), else_=0)).label("questions"),
        )
        .where(turn.at >= start, turn.at < end)
        .group_by(district, turn.channel, topic, turn.outcome)
    )


def sender_groups(day: dt.date) -> Select[Any]:
    """The talents who wrote on `day` as SenderDay rows are."""
    turn = ConversationTurn
    start, end = day_bounds(day)
    district = func.coalesce(turn.district, NONE)
    return (
        select(
            literal(day, Date).label("day"),
            district.label("district"),
            turn.sender_id.label("sender_id"),
            func.sum(case((turn.outcome == TurnOutcome.TICKET, 1), else_=0)).label("ticket_turns"),
        )
        .where(turn.at >= start, turn.at < end)
        .group_by(district, turn.sender_id)
    )


def conversation_groups(day: dt.date) -> CompoundSelect:
    """The conversations of `day` as ConversationDay rows are: per district, and in all (ANY)."""
    talents = sender_groups(day).subquery()
    handed = case((talents.c.ticket_turns > 0, 1), else_=0)
    per_district = select(
        literal(day, Date).label("day"),
        talents.c.district,
        func.count().label("conversations"),
        func.sum(handed).label("handed"),
    ).group_by(talents.c.district)
    in_all = select(
        literal(day, Date),
        literal(ANY, String),
        func.count(func.distinct(talents.c.sender_id)),
        func.count(func.distinct(case((talents.c.ticket_turns > 0, talents.c.sender_id)))),
    )
    return union_all(per_district, in_all)


def _state(session: Session) -> RefreshState:
    """The refresh state, locked until the transaction ends (one refresh at a time on PostgreSQL)."""
    state = session.scalar(select(RefreshState).where(RefreshState.id == STATE_ROW).with_for_update())
    if state is None:  # the row the migration made is gone: make it again
        state = RefreshState(id=STATE_ROW, ticket_rules="")
        session.add(state)
        session.flush()
    return state


def rolled_through(session: Session) -> dt.date | None:
    """The last day the rollups hold (the days after it are read from the conversation record)."""
    return session.scalar(select(RefreshState.turns_through).where(RefreshState.id == STATE_ROW))


def refresh_turns(session: Session, *, today: dt.date) -> int:
    """Roll up every complete day not rolled up yet (up to the day before `today`); how many."""
    state = _state(session)
    if state.turns_through is not None:
        first = state.turns_through + dt.timedelta(days=1)
    else:
        earliest = session.scalar(select(func.min(ConversationTurn.at)))
        first = local_day(earliest) if earliest is not None else today
    days = [first + dt.timedelta(days=n) for n in range((today - first).days)]
    for day in days:
        session.execute(delete(TurnDay).where(TurnDay.day == day))
        session.execute(delete(SenderDay).where(SenderDay.day == day))
        session.execute(delete(ConversationDay).where(ConversationDay.day == day))
        session.execute(
            insert(TurnDay).from_select(
                ["day", "district", "channel", "topic", "outcome", "turns", "questions"], turn_groups(day)
            )
        )
        session.execute(
            insert(SenderDay).from_select(
                ["day", "district", "sender_id", "ticket_turns"], sender_groups(day)
            )
        )
        session.execute(
            insert(ConversationDay).from_select(
                ["day", "district", "conversations", "handed"], conversation_groups(day)
            )
        )
    if days or state.turns_through is None:
        state.turns_through = today - dt.timedelta(days=1)
    return len(days)


def fixed_calendar(sla: SlaPolicy) -> WorkingCalendar:
    """The working-time rules in force now, read once (not again for every ticket counted)."""
    rules = sla.calendar.rules()
    hours = ",".join(f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in rules.office_hours)
    return WorkingCalendar(office_hours=hours, is_working_day=rules.is_working_day)


def _rules_key(session: Session, sla: SlaPolicy, calendar: WorkingCalendar) -> str:
    version = session.scalar(select(WorkingTime.version).where(WorkingTime.id == 1)) or 0
    hours = ",".join(f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in calendar.office_hours)
    budgets = (sla.first_response, sla.urgent_first_response, sla.resolution)
    return f"{version}|{hours}|" + "|".join(str(int(budget.total_seconds())) for budget in budgets)


def figures_of(ticket: Row[Any], *, sla: SlaPolicy, calendar: WorkingCalendar) -> dict[str, Any]:
    """A ticket's TicketFigures row (`ticket`: TICKET_COLUMNS): deadlines counted from its creation under
    the SLA, and working times."""
    urgent = ticket.priority is Priority.URGENT
    budget = sla.urgent_first_response if urgent else sla.first_response
    responded, finished = ticket.first_responded_at, ticket.status in FINISHED
    resolved = ticket.resolved_at if finished else None
    return {
        "ticket_id": ticket.id,
        "day": local_day(ticket.created_at),
        "district": ticket.district,
        "assignee_id": ticket.assignee_id,
        "response_due": calendar.add(ticket.created_at, budget),
        "responded_at": responded,
        "resolution_due": calendar.add(ticket.created_at, sla.resolution),
        "finished": finished,
        "response_seconds": _seconds(calendar, ticket.created_at, responded),
        "resolution_seconds": _seconds(calendar, ticket.created_at, resolved),
    }


def _seconds(calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime | None) -> int | None:
    return None if end is None else int(calendar.between(start, end).total_seconds())


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = upsert(TicketFigures)
    columns = {name: statement.excluded[name] for name in rows[0] if name != "ticket_id"}
    session.execute(statement.on_conflict_do_update(index_elements=["ticket_id"], set_=columns), rows)


def _batches(rows: Iterable[Row[Any]]) -> Iterable[list[Row[Any]]]:
    batch: list[Row[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def refresh_tickets(session: Session, *, sla: SlaPolicy) -> int:
    """Count again every ticket changed since the last refresh (every ticket under other rules); how many."""
    state = _state(session)
    calendar = fixed_calendar(sla)
    rules = _rules_key(session, sla, calendar)
    query = select(*TICKET_COLUMNS).order_by(Ticket.updated_at)
    if rules == state.ticket_rules and state.tickets_through is not None:
        query = query.where(Ticket.updated_at >= state.tickets_through - LATE_COMMIT_MARGIN)
    counted = 0
    for batch in _batches(session.execute(query.execution_options(yield_per=BATCH))):
        _upsert(session, [figures_of(ticket, sla=sla, calendar=calendar) for ticket in batch])
        state.tickets_through = max(state.tickets_through or batch[-1].updated_at, batch[-1].updated_at)
        counted += len(batch)
    state.ticket_rules = rules
    return counted
