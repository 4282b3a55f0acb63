"""Working-time arithmetic for SLA deadlines: office hours on Chinese working days, in Asia/Shanghai."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

from frontdesk.clock import LOCAL_TZ

DEFAULT_OFFICE_HOURS = "10:00-14:00,16:00-20:00"  # Xinjiang's office hours, in Beijing time
MAX_NON_WORKING_DAYS = 366  # a longer run of non-working days means a broken is-working-day function

logger = logging.getLogger(__name__)

_PERIOD = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")

OfficeHours = tuple[tuple[time, time], ...]


def parse_office_hours(spec: str) -> OfficeHours:
    """Parse "HH:MM-HH:MM,HH:MM-HH:MM" into sorted, non-overlapping (opens, closes) periods."""
    periods: list[tuple[time, time]] = []
    for part in spec.split(","):
        match = _PERIOD.fullmatch(part.strip())
        if match is None:
            raise ValueError(f"office hours {spec!r}: period {part.strip()!r} is not HH:MM-HH:MM")
        hour1, minute1, hour2, minute2 = (int(group) for group in match.groups())
        try:
            opens, closes = time(hour1, minute1), time(hour2, minute2)
        except ValueError as exc:
            raise ValueError(f"office hours {spec!r}: period {part.strip()!r} has an invalid time") from exc
        if opens >= closes:
            raise ValueError(f"office hours {spec!r}: period {part.strip()!r} does not end after it starts")
        if periods and opens < periods[-1][1]:
            raise ValueError(
                f"office hours {spec!r}: period {part.strip()!r} overlaps or precedes the period before it"
            )
        periods.append((opens, closes))
    return tuple(periods)


class ChineseWorkdays:
    """Is-working-day from chinesecalendar (holidays and 调休), cached.

    Years chinesecalendar has no data for fall back to Monday–Friday, logged once per year and instance.
    """

    def __init__(self) -> None:
        self._known: dict[date, bool] = {}  # chinesecalendar takes ~0.1 ms a lookup
        self._missing_years: set[int] = set()
        self._covered: dict[int, bool] = {}

    def covers(self, year: int) -> bool:
        """Whether chinesecalendar has holiday data for `year` (asked without a warning)."""
        if year not in self._covered:
            try:
                chinese_calendar.is_workday(date(year, 6, 1))
                self._covered[year] = True
            except NotImplementedError:
                self._covered[year] = False
        return self._covered[year]

    def __call__(self, day: date) -> bool:
        if day not in self._known:
            self._known[day] = self._lookup(day)
        return self._known[day]

    def _lookup(self, day: date) -> bool:
        if day.year not in self._missing_years:
            try:
                return chinese_calendar.is_workday(day)
            except NotImplementedError:
                self._missing_years.add(day.year)
                logger.warning(
                    "chinesecalendar has no data for %d: counting Monday to Friday as working days, "
                    "without public holidays; enter the year's holidays in the back office (/admin/calendar) "
                    "or upgrade chinesecalendar",
                    day.year,
                )
        return day.weekday() < 5


chinese_workdays = ChineseWorkdays()  # shared by calendars without their own function: one cache, one warning


def _local(moment: datetime, *, name: str) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment.astimezone(LOCAL_TZ)


@dataclass(frozen=True)
class WorkingRules:
    """What working time is: the office periods of a working day, and which days are working days."""

    office_hours: OfficeHours
    is_working_day: Callable[[date], bool]

    def periods(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        for opens, closes in self.office_hours:
            yield (
                datetime.combine(day, opens, tzinfo=LOCAL_TZ),
                datetime.combine(day, closes, tzinfo=LOCAL_TZ),
            )

    def working_days_from(self, day: date) -> Iterator[date]:
        """Working days from `day` on; ends after MAX_NON_WORKING_DAYS non-working days in a row."""
        idle = 0
        while idle <= MAX_NON_WORKING_DAYS:
            if self.is_working_day(day):
                idle = 0
                yield day
            else:
                idle += 1
            day += timedelta(days=1)


class WorkingCalendar:
    """Office hours on working days; `add` gives SLA deadlines, `between` the working time elapsed.

    Working days are chinesecalendar's (`chinese_workdays`) unless `is_working_day` is given. A calendar
    whose rules live elsewhere (tickets.office_calendar.StoredCalendar) overrides `rules`.
    """

    def __init__(
        self,
        *,
        office_hours: str = DEFAULT_OFFICE_HOURS,
        is_working_day: Callable[[date], bool] | None = None,
    ) -> None:
        self._rules = WorkingRules(parse_office_hours(office_hours), is_working_day or chinese_workdays)

    def rules(self, *, for_deadline: bool = False) -> WorkingRules:
        """The rules in force; `for_deadline` when a deadline is being set (a calendar kept elsewhere then
        makes sure its rules are the newest)."""
        return self._rules

    @property
    def office_hours(self) -> OfficeHours:
        return self.rules().office_hours

    def is_working_day(self, day: date) -> bool:
        return self.rules().is_working_day(day)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of working time after `start`, in Asia/Shanghai.

        A start outside office hours counts from the next office period; the result is the earliest instant
        reaching `duration`, so a deadline falling on a closing time is that closing time.
        """
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        moment = _local(start, name="start")
        rules = self.rules(for_deadline=True)
        remaining = duration
        for day in rules.working_days_from(moment.date()):
            for opens, closes in rules.periods(day):
                if closes <= moment:
                    continue
                begin = max(opens, moment)
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
        raise RuntimeError(f"more than {MAX_NON_WORKING_DAYS} non-working days in a row after {start}")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from `start` to `end`; zero if `end` is not after `start`."""
        first, last = _local(start, name="start"), _local(end, name="end")
        rules = self.rules()
        total = timedelta(0)
        day = first.date()
        while day <= last.date():
            if rules.is_working_day(day):
                for opens, closes in rules.periods(day):
                    total += max(timedelta(0), min(closes, last) - max(opens, first))
            day += timedelta(days=1)
        return total
