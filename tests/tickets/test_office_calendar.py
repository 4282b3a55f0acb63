"""The holiday calendar and office hours administrators keep (tickets.office_calendar): the calendar text,
the stored days before chinesecalendar, and the SLA calendar that follows a change at once, in any process,
by the version it reads (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from frontdesk.clock import LOCAL_TZ
from frontdesk.database import make_engine
from tickets import office_calendar
from tickets.models import WorkingTime
from tickets.office_calendar import CalendarError, DayRule, StoredCalendar, parse_days

HOUR = dt.timedelta(hours=1)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ)


def test_calendar_text_takes_ranges_chinese_kinds_and_comments():
    days = parse_days(
        "# 2027 年安排\n2027-01-01 holiday 元旦\n\n2027-02-06 班 春节调休\n2027-02-10..2027-02-12 休 春节\n"
        "2027-10-1~2027-10-2 Holiday 国庆节",
        year=2027,
    )
    assert [rule.line() for rule in days] == [
        "2027-01-01 holiday 元旦",
        "2027-02-06 workday 春节调休",
        "2027-02-10 holiday 春节",
        "2027-02-11 holiday 春节",
        "2027-02-12 holiday 春节",
        "2027-10-01 holiday 国庆节",
        "2027-10-02 holiday 国庆节",
    ]
    assert parse_days("2027-05-01 holiday", year=2027) == [DayRule(dt.date(2027, 5, 1), False, "")]


def test_every_bad_line_is_named_and_nothing_is_taken():
    with pytest.raises(CalendarError) as refused:
        parse_days(
            "2027-01-01 holiday 元旦\n2027/01/02 holiday x\n2027-01-03 off\n2028-01-01 holiday\n"
            f"2027-01-01 workday\n2027-01-05 holiday {'长' * 41}\n2027-01-01..2027-03-01 holiday\njust words",
            year=2027,
        )
    assert [(p.line, p.code, p.value) for p in refused.value.problems] == [
        (2, "date", "2027/01/02"),
        (3, "kind", "off"),
        (4, "year", "2028-01-01"),
        (5, "repeated", "2027-01-01"),
        (6, "name", "长" * 40 + "…"),
        (7, "range", "2027-01-01..2027-03-01"),
        (8, "kind", "words"),
    ]
    assert refused.value.problems[3].other == 1


def test_stored_days_come_before_chinesecalendar_and_a_year_it_lacks_is_not_warned_about(
    engine, session, caplog
):
    calendar = StoredCalendar(default_office_hours="10:00-14:00,16:00-20:00", engine=lambda: engine)
    assert calendar.is_working_day(dt.date(2026, 10, 9))  # a Friday chinesecalendar knows as working
    office_calendar.set_days(session, days=[DayRule(dt.date(2026, 10, 9), False, "地方假日")])
    office_calendar.replace_year(session, year=2027, days=parse_days("2027-01-01 holiday 元旦", year=2027))
    session.commit()
    with caplog.at_level(logging.WARNING, logger="tickets.working_time"):
        assert calendar.add(local(2026, 10, 8, 19), 2 * HOUR) == local(
            2026, 10, 10, 11
        )  # an adjusted Saturday
        assert calendar.add(local(2026, 12, 31, 19), 2 * HOUR) == local(2027, 1, 4, 11)
        assert calendar.is_working_day(dt.date(2027, 1, 5)) and not calendar.is_working_day(
            dt.date(2027, 1, 9)
        )
    assert "2027" not in caplog.text
    assert office_calendar.years_entered(session) == [2027, 2026]


def test_a_change_in_another_process_is_seen_by_the_next_deadline_and_soon_by_the_clocks(
    database_url, engine
):
    """Two engines on one database stand for two processes: the back office and the action server."""
    other = make_engine(database_url)
    now = [0.0]
    calendar = StoredCalendar(
        default_office_hours="10:00-14:00,16:00-20:00", engine=lambda: engine, clock=lambda: now[0]
    )
    start, end = local(2027, 1, 1, 10), local(2027, 1, 1, 20)
    assert calendar.between(start, end) == 8 * HOUR
    with Session(other) as admin:
        office_calendar.replace_year(admin, year=2027, days=parse_days("2027-01-01 holiday 元旦", year=2027))
        admin.commit()
    assert calendar.between(start, end) == 8 * HOUR  # a clock shown within CHECK_SECONDS: the rules held
    assert calendar.add(local(2026, 12, 31, 19), 2 * HOUR) == local(2027, 1, 4, 11)  # a deadline: at once
    now[0] = office_calendar.CHECK_SECONDS
    assert calendar.between(start, end) == dt.timedelta(0)
    with Session(other) as admin:
        office_calendar.set_office_hours(admin, spec=" 09:00-12:00 , 13:00-18:00")
        admin.commit()
        assert admin.scalar(select(WorkingTime.office_hours)) == "09:00-12:00,13:00-18:00"
    assert calendar.add(local(2027, 1, 4, 11), 2 * HOUR) == local(2027, 1, 4, 14)
    other.dispose()


def test_office_hours_are_checked_and_every_change_raises_the_version(session):
    def version() -> int:
        return session.scalar(select(WorkingTime.version))

    first = version()
    with pytest.raises(ValueError, match="does not end after it starts"):
        office_calendar.set_office_hours(session, spec="17:00-09:00")
    assert version() == first and office_calendar.stored_office_hours(session) is None
    assert office_calendar.set_office_hours(session, spec="09:00-17:00") is None
    assert office_calendar.set_office_hours(session, spec=None) == "09:00-17:00"
    office_calendar.remove_day(session, day=dt.date(2027, 1, 1))  # nothing there: no change
    office_calendar.set_days(session, days=[DayRule(dt.date(2027, 1, 1), False, "元旦")])
    assert version() == first + 3


def test_an_unreadable_database_leaves_the_rules_in_force(tmp_path, caplog):
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables: never migrated
    calendar = StoredCalendar(default_office_hours="09:00-17:00", engine=lambda: empty)
    with caplog.at_level(logging.WARNING, logger="tickets.office_calendar"):
        for _ in range(3):
            assert calendar.add(local(2026, 10, 9, 16), 2 * HOUR) == local(2026, 10, 10, 10)
    assert caplog.text.count("working-time rules unreadable") == 1
    empty.dispose()
