"""The office hours and the holiday calendar administrators keep, and the SLA calendar that follows them.

chinesecalendar knows the State Council's holidays and adjusted working days (调休) only for the years it was
released with; for a later year the clock falls back to Monday–Friday. An administrator enters the year's
published days (`parse_days`: "2027-01-01 holiday 元旦", "2027-02-07 workday 调休"), kept as CalendarDay rows
that come before chinesecalendar, and may set the office hours (else the OFFICE_HOURS setting).

Every change raises WorkingTime.version in the same transaction. `StoredCalendar` (the calendar of
service.default_sla()) reads that one number before each deadline it sets, and at most every CHECK_SECONDS
for the working time it shows, and reloads the rules when it changed: a change takes effect at once, in every
process, without a restart.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from frontdesk.database import get_engine
from tickets.models import CalendarDay, WorkingTime
from tickets.working_time import (
    WorkingCalendar,
    WorkingRules,
    chinese_workdays,
    parse_office_hours,
)

log = logging.getLogger(__name__)

ROW_ID = 1
CHECK_SECONDS = 1.0  # how stale the working time shown on a page may be; deadlines always check
MAX_NAME_CHARS = 40
MAX_RANGE_DAYS = 31
MAX_LINES = 400
MAX_OFFICE_HOURS_CHARS = 200
FIRST_YEAR, LAST_YEAR = 2000, 2100
HOLIDAY_WORDS = {"holiday", "休", "假", "放假", "休息"}
WORKDAY_WORDS = {"workday", "班", "上班", "补班", "调休上班"}
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_RANGE = re.compile(r"^(\S+?)(?:\.\.|~|～)(\S+)$")


@dataclass(frozen=True)
class DayRule:
    """A day entered by an administrator: a holiday (working False) or an adjusted working day."""

    day: dt.date
    working: bool
    name: str = ""

    def line(self) -> str:
        """The day as a line of the calendar text ("2027-01-01 holiday 元旦")."""
        return f"{self.day.isoformat()} {'workday' if self.working else 'holiday'} {self.name}".rstrip()


@dataclass(frozen=True)
class LineProblem:
    """Why a line of calendar text was refused: `code` (format, date, kind, year, range, name, repeated,
    too_many), the offending `value`, and for a repeated date the `other` line it was on."""

    line: int
    code: str
    value: str = ""
    other: int = 0


class CalendarError(ValueError):
    """Calendar text with problems: nothing of it is saved."""

    def __init__(self, problems: list[LineProblem]) -> None:
        super().__init__("; ".join(f"line {p.line}: {p.code} {p.value}".rstrip() for p in problems))
        self.problems = problems


class _LineError(Exception):
    def __init__(self, code: str, value: str = "") -> None:
        super().__init__(code)
        self.code, self.value = code, value


def _date(text: str) -> dt.date:
    if not _DATE.match(text):
        raise _LineError("date", text)
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return dt.date(year, month, day)
    except ValueError:
        raise _LineError("date", text) from None


def _kind(text: str) -> bool:
    word = text.lower()
    if word in HOLIDAY_WORDS:
        return False
    if word in WORKDAY_WORDS:
        return True
    raise _LineError("kind", text)


def _parse_line(text: str, *, year: int | None) -> list[DayRule]:
    parts = text.split(maxsplit=2)
    if len(parts) < 2:
        raise _LineError("format", text)
    when, kind, name = parts[0], parts[1], parts[2].strip() if len(parts) == 3 else ""
    working = _kind(kind)
    if len(name) > MAX_NAME_CHARS:
        raise _LineError("name", name[:MAX_NAME_CHARS] + "…")
    span = _RANGE.match(when)
    first, last = (_date(span.group(1)), _date(span.group(2))) if span else (_date(when),) * 2
    if last < first or (last - first).days >= MAX_RANGE_DAYS:
        raise _LineError("range", when)
    days = [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]
    for day in days:
        if year is not None and day.year != year:
            raise _LineError("year", day.isoformat())
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise _LineError("year", day.isoformat())
    return [DayRule(day=day, working=working, name=name) for day in days]


def parse_days(text: str, *, year: int | None = None) -> list[DayRule]:
    """The days of calendar text, one "DATE KIND [NAME]" a line: DATE is YYYY-MM-DD or a range
    YYYY-MM-DD..YYYY-MM-DD (at most 31 days), KIND holiday (休) or workday (班), NAME up to 40 characters;
    blank lines and lines starting with # are skipped. With `year`, every day must fall in it. Raises
    CalendarError with every problem (by line number) when any line is wrong."""
    rules: list[DayRule] = []
    problems: list[LineProblem] = []
    first_line: dict[dt.date, int] = {}
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise CalendarError([LineProblem(MAX_LINES + 1, "too_many", str(MAX_LINES))])
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            days = _parse_line(line, year=year)
        except _LineError as error:
            problems.append(LineProblem(number, error.code, error.value))
            continue
        for rule in days:
            if rule.day in first_line:
                problems.append(LineProblem(number, "repeated", rule.day.isoformat(), first_line[rule.day]))
                break
            first_line[rule.day] = number
        else:
            rules.extend(days)
    if problems:
        raise CalendarError(problems)
    return sorted(rules, key=lambda rule: rule.day)


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"a year from {FIRST_YEAR} to {LAST_YEAR}")


def _rule(row: CalendarDay) -> DayRule:
    return DayRule(day=row.day, working=row.working, name=row.name)


def days_of(session: Session, *, year: int) -> list[DayRule]:
    """The days entered for `year`, in date order."""
    rows = session.scalars(
        select(CalendarDay)
        .where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
        .order_by(CalendarDay.day)
    )
    return [_rule(row) for row in rows]


def years_entered(session: Session) -> list[int]:
    """The years that have entered days, newest first."""
    return sorted({day.year for day in session.scalars(select(CalendarDay.day))}, reverse=True)


def replace_year(session: Session, *, year: int, days: list[DayRule]) -> list[DayRule]:
    """Make `days` the whole of `year`'s entered days (what was there before is returned)."""
    check_year(year)
    outside = [rule.day for rule in days if rule.day.year != year]
    if outside:
        raise ValueError(f"days outside {year}: {', '.join(map(str, outside))}")
    before = days_of(session, year=year)
    session.execute(
        delete(CalendarDay).where(
            CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)
        )
    )
    session.add_all(CalendarDay(day=rule.day, working=rule.working, name=rule.name) for rule in days)
    _changed(session)
    return before


def set_days(session: Session, *, days: list[DayRule]) -> list[DayRule]:
    """Add or change single days (the others stay); returns what those days were before."""
    before = []
    for rule in days:
        row = session.get(CalendarDay, rule.day)
        if row is None:
            session.add(CalendarDay(day=rule.day, working=rule.working, name=rule.name))
        else:
            before.append(_rule(row))
            row.working, row.name = rule.working, rule.name
    _changed(session)
    return before


def remove_day(session: Session, *, day: dt.date) -> DayRule | None:
    """Forget an entered day (chinesecalendar or Monday–Friday decides it again); what it was, if any."""
    row = session.get(CalendarDay, day)
    if row is None:
        return None
    before = _rule(row)
    session.delete(row)
    _changed(session)
    return before


def stored_office_hours(session: Session) -> str | None:
    """The office hours administrators set, or None (the OFFICE_HOURS setting applies)."""
    return session.scalar(select(WorkingTime.office_hours).where(WorkingTime.id == ROW_ID))


def set_office_hours(session: Session, *, spec: str | None) -> str | None:
    """Set the office hours ("HH:MM-HH:MM,…", checked by parse_office_hours: ValueError) or, with None,
    go back to the OFFICE_HOURS setting; returns what was set before. Deadlines set from now on follow."""
    if spec is not None:
        spec = ",".join(part.strip() for part in spec.strip().split(","))
        if len(spec) > MAX_OFFICE_HOURS_CHARS:
            raise ValueError(f"office hours of at most {MAX_OFFICE_HOURS_CHARS} characters")
        parse_office_hours(spec)
    before = stored_office_hours(session)
    _changed(session, office_hours=spec)
    return before


def _changed(session: Session, **values: str | None) -> None:
    """Raise the version (one atomic UPDATE, so concurrent changes each count)."""
    session.flush()
    result = session.execute(
        update(WorkingTime)
        .where(WorkingTime.id == ROW_ID)
        .values(version=WorkingTime.version + 1, updated_at=utcnow(), **values)
    )
    if not getattr(result, "rowcount", 0):  # the row the migration made is gone: make it again
        session.add(WorkingTime(id=ROW_ID, version=1, updated_at=utcnow(), **values))
        session.flush()


class _EnteredDays:
    """Is-working-day: an entered day as entered; else chinesecalendar; a year it has no data for, but
    with entered days, Monday–Friday without chinesecalendar's warning (the holidays are the entered ones)."""

    def __init__(self, days: dict[dt.date, bool]) -> None:
        self._days = days
        self._years = {day.year for day in days}

    def __call__(self, day: dt.date) -> bool:
        entered = self._days.get(day)
        if entered is not None:
            return entered
        if day.year in self._years and not chinese_workdays.covers(day.year):
            return day.weekday() < 5
        return chinese_workdays(day)


class StoredCalendar(WorkingCalendar):
    """The working calendar with the office hours and days administrators keep in the database,
    `default_office_hours` and chinesecalendar otherwise. A database that cannot be read leaves the rules
    last read (logged once)."""

    def __init__(
        self,
        *,
        default_office_hours: str,
        engine: Callable[[], Engine] = get_engine,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(office_hours=default_office_hours)
        self._default_hours = self._rules.office_hours
        self._engine, self._clock = engine, clock
        self._version: int | None = None
        self._checked_at = float("-inf")
        self._failing = False

    def rules(self, *, for_deadline: bool = False) -> WorkingRules:
        now = self._clock()
        if for_deadline or now - self._checked_at >= CHECK_SECONDS:
            self._checked_at = now
            self._refresh()
        return self._rules

    def _refresh(self) -> None:
        try:
            with self._engine().connect() as connection:
                row = connection.execute(
                    select(WorkingTime.version, WorkingTime.office_hours).where(WorkingTime.id == ROW_ID)
                ).first()
                version, hours = (row[0], row[1]) if row is not None else (0, None)
                if version != self._version:
                    self._rules = self._load(connection, hours)
                    self._version = version
        except SQLAlchemyError as exc:
            if not self._failing:
                log.warning("working-time rules unreadable (%s): keeping those in force", type(exc).__name__)
            self._failing = True
            return
        self._failing = False

    def _load(self, connection: Connection, hours: str | None) -> WorkingRules:
        office_hours = self._default_hours
        if hours:
            try:
                office_hours = parse_office_hours(hours)
            except ValueError:
                log.warning("stored office hours unreadable: using OFFICE_HOURS")
        rows = connection.execute(select(CalendarDay.day, CalendarDay.working))
        days = {day: working for day, working in rows}
        return WorkingRules(office_hours=office_hours, is_working_day=_EnteredDays(days))
