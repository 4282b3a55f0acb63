import functools
import logging
import random
import time as clock
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
import pytest

from tickets.working_time import (
    DEFAULT_OFFICE_HOURS,
    LOCAL_TZ,
    ChineseWorkdays,
    WorkingCalendar,
    parse_office_hours,
)

HOUR = timedelta(hours=1)
WORKING_DAY = timedelta(hours=8)  # 10:00-14:00 and 16:00-20:00


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LOCAL_TZ)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def test_parse_office_hours():
    assert parse_office_hours(DEFAULT_OFFICE_HOURS) == (
        (time(10), time(14)),
        (time(16), time(20)),
    )
    assert parse_office_hours(" 9:30-12:00 , 12:00-17:45 ") == (
        (time(9, 30), time(12)),
        (time(12), time(17, 45)),
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "is not HH:MM-HH:MM"),
        ("10:00", "is not HH:MM-HH:MM"),
        ("10-14", "is not HH:MM-HH:MM"),
        ("10:00-14:00;16:00-20:00", "is not HH:MM-HH:MM"),
        ("10:00-14:00,", "is not HH:MM-HH:MM"),
        ("25:00-26:00", "invalid time"),
        ("10:60-11:00", "invalid time"),
        ("14:00-10:00", "does not end after it starts"),
        ("10:00-10:00", "does not end after it starts"),
        ("16:00-20:00,10:00-14:00", "overlaps or precedes"),
        ("10:00-14:00,13:00-15:00", "overlaps or precedes"),
    ],
)
def test_malformed_office_hours_raise(spec: str, message: str):
    with pytest.raises(ValueError, match=message):
        parse_office_hours(spec)
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(office_hours=spec)


def test_the_calendar_around_national_day_2026_is_what_the_tests_assume():
    assert date(2026, 9, 25).weekday() == 4
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 25)) == (True, "Mid-autumn Festival")
    assert [chinese_calendar.is_workday(date(2026, 9, 28) + timedelta(days=i)) for i in range(3)] == [
        True
    ] * 3
    for day in range(1, 8):
        assert chinese_calendar.get_holiday_detail(date(2026, 10, day)) == (True, "National Day")
    assert date(2026, 10, 10).weekday() == 5
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 10)) == (False, "National Day")


@pytest.mark.parametrize(
    "day",
    [date(2026, 2, 14), date(2026, 2, 28), date(2026, 10, 10)],
    ids=["spring-festival-before", "spring-festival-after", "national-day"],
)
def test_an_adjusted_saturday_is_a_working_day(calendar: WorkingCalendar, day: date):
    assert day.weekday() == 5
    assert calendar.is_working_day(day)


def test_holidays_and_ordinary_weekends_are_not_working_days(calendar: WorkingCalendar):
    assert not calendar.is_working_day(date(2026, 10, 1))  # National Day, a Thursday
    assert not calendar.is_working_day(date(2026, 2, 16))  # Spring Festival, a Monday
    assert not calendar.is_working_day(date(2026, 10, 17))  # an ordinary Saturday
    assert calendar.is_working_day(date(2026, 10, 16))  # an ordinary Friday


def test_adjusted_saturday_counts_as_working_time(calendar: WorkingCalendar):
    friday_evening = local(2026, 10, 9, 19)
    assert calendar.add(friday_evening, 2 * HOUR) == local(2026, 10, 10, 11)
    assert calendar.between(local(2026, 10, 9, 20), local(2026, 10, 12, 10)) == WORKING_DAY


def test_friday_evening_ticket_in_the_mid_autumn_holiday_is_due_after_national_day(calendar: WorkingCalendar):
    # The Friday before National Day 2026 is itself a holiday (Mid-autumn); 28-30 September are working days.
    friday_evening = local(2026, 9, 25, 19, 30)
    assert calendar.add(friday_evening, 3 * WORKING_DAY) == local(2026, 9, 30, 20)
    assert calendar.add(friday_evening, 5 * WORKING_DAY) == local(2026, 10, 9, 20)


def test_ticket_on_the_evening_before_national_day_is_due_after_the_holiday(calendar: WorkingCalendar):
    wednesday_evening = local(2026, 9, 30, 19)
    assert calendar.add(wednesday_evening, 2 * HOUR) == local(2026, 10, 8, 11)
    assert calendar.add(wednesday_evening, WORKING_DAY) == local(2026, 10, 8, 19)
    assert calendar.add(wednesday_evening, 3 * WORKING_DAY) == local(
        2026, 10, 10, 19
    )  # the adjusted Saturday
    assert calendar.between(wednesday_evening, local(2026, 10, 8, 11)) == 2 * HOUR


def test_ticket_during_the_holiday_counts_from_the_first_day_back(calendar: WorkingCalendar):
    assert calendar.add(local(2026, 10, 3, 11), HOUR) == local(2026, 10, 8, 11)
    assert calendar.between(local(2026, 10, 1, 10), local(2026, 10, 7, 20)) == timedelta(0)


@pytest.mark.parametrize(
    ("start", "duration", "deadline"),
    [
        # in the gap between the periods
        (local(2026, 9, 29, 15), HOUR, local(2026, 9, 29, 17)),
        (local(2026, 9, 29, 15, 59, 59), timedelta(seconds=1), local(2026, 9, 29, 16, 0, 1)),
        # at night, before and after midnight
        (local(2026, 9, 29, 3), timedelta(minutes=30), local(2026, 9, 29, 10, 30)),
        (local(2026, 9, 28, 23), timedelta(minutes=30), local(2026, 9, 29, 10, 30)),
        (local(2026, 9, 29, 9, 59, 59), timedelta(seconds=1), local(2026, 9, 29, 10, 0, 1)),
        # exactly at the boundaries
        (local(2026, 9, 29, 10), 4 * HOUR, local(2026, 9, 29, 14)),
        (local(2026, 9, 29, 10), 4 * HOUR + timedelta(seconds=1), local(2026, 9, 29, 16, 0, 1)),
        (local(2026, 9, 29, 14), HOUR, local(2026, 9, 29, 17)),
        (local(2026, 9, 29, 16), 4 * HOUR, local(2026, 9, 29, 20)),
        (local(2026, 9, 29, 20), timedelta(seconds=1), local(2026, 9, 30, 10, 0, 1)),
        (local(2026, 9, 29, 13, 59, 59), timedelta(seconds=1), local(2026, 9, 29, 14)),
        # zero duration: the next moment in office hours
        (local(2026, 9, 29, 11), timedelta(0), local(2026, 9, 29, 11)),
        (local(2026, 9, 29, 14), timedelta(0), local(2026, 9, 29, 16)),
        # a working day and a bit, across the night
        (local(2026, 9, 28, 12, 30), WORKING_DAY + HOUR, local(2026, 9, 29, 13, 30)),
    ],
)
def test_add(calendar: WorkingCalendar, start: datetime, duration: timedelta, deadline: datetime):
    assert calendar.add(start, duration) == deadline


def test_add_accepts_any_timezone_and_answers_in_shanghai(calendar: WorkingCalendar):
    start = datetime(2026, 9, 29, 2, tzinfo=UTC)  # 10:00 in Shanghai
    deadline = calendar.add(start, HOUR)
    assert deadline == local(2026, 9, 29, 11)
    assert deadline.tzinfo is LOCAL_TZ
    assert deadline.isoformat() == "2026-09-29T11:00:00+08:00"
    # 20:00 UTC on Tuesday is 04:00 on Wednesday in Shanghai
    assert calendar.add(datetime(2026, 9, 29, 20, tzinfo=UTC), HOUR) == local(2026, 9, 30, 11)


def test_naive_datetimes_and_negative_durations_are_rejected(calendar: WorkingCalendar):
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add(datetime(2026, 9, 29, 10), HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.between(local(2026, 9, 29, 10), datetime(2026, 9, 29, 12))
    with pytest.raises(ValueError, match="negative"):
        calendar.add(local(2026, 9, 29, 10), -HOUR)


def test_between(calendar: WorkingCalendar):
    assert calendar.between(local(2026, 9, 29, 10), local(2026, 9, 29, 20)) == WORKING_DAY
    assert calendar.between(local(2026, 9, 29, 13), local(2026, 9, 29, 17)) == 2 * HOUR
    assert calendar.between(local(2026, 9, 29, 14), local(2026, 9, 29, 16)) == timedelta(0)
    assert calendar.between(local(2026, 9, 28, 0), local(2026, 10, 11, 0)) == 6 * WORKING_DAY
    assert calendar.between(local(2026, 9, 29, 12), local(2026, 9, 29, 12)) == timedelta(0)
    assert calendar.between(local(2026, 9, 29, 12), local(2026, 9, 29, 11)) == timedelta(0)
    assert calendar.between(local(2026, 9, 30, 12), local(2026, 9, 29, 11)) == timedelta(0)
    assert calendar.between(datetime(2026, 9, 29, 2, tzinfo=UTC), local(2026, 9, 29, 10, 0, 7)) == timedelta(
        seconds=7
    )


@pytest.mark.parametrize(
    ("start", "duration"),
    [
        (local(2026, 9, 29, 15), HOUR),
        (local(2026, 9, 29, 3), timedelta(minutes=30)),
        (local(2026, 9, 30, 19), 2 * HOUR),
        (local(2026, 9, 30, 19, 12, 5), 3 * WORKING_DAY + timedelta(seconds=17)),
        (local(2026, 9, 25, 19, 30), 5 * WORKING_DAY),
        (local(2026, 2, 13, 13, 0, 1), 2 * WORKING_DAY + timedelta(hours=3, seconds=59)),
        (local(2026, 12, 31, 18), 3 * WORKING_DAY),  # into 2027, without chinesecalendar data
    ],
)
def test_between_is_the_inverse_of_add(calendar: WorkingCalendar, start: datetime, duration: timedelta):
    deadline = calendar.add(start, duration)
    assert calendar.between(start, deadline) == duration
    assert calendar.add(start, calendar.between(start, deadline)) == deadline


def test_add_is_the_inverse_of_between_for_ends_in_office_hours(calendar: WorkingCalendar):
    start = local(2026, 9, 28, 11, 15, 30)
    for end in [
        local(2026, 9, 28, 11, 15, 31),
        local(2026, 9, 29, 17, 3, 9),
        local(2026, 10, 10, 13, 59, 59),
    ]:
        assert calendar.add(start, calendar.between(start, end)) == end


DEFAULT_PERIODS = parse_office_hours(DEFAULT_OFFICE_HOURS)
reference_is_workday = functools.cache(chinese_calendar.is_workday)


def _in_office(moment: datetime) -> bool:
    """The reference: is `moment` (a Shanghai time) in office hours on a chinesecalendar working day."""
    in_period = any(opens <= moment.time() < closes for opens, closes in DEFAULT_PERIODS)
    return in_period and reference_is_workday(moment.date())


def test_add_and_between_agree_with_counting_minute_by_minute(calendar: WorkingCalendar):
    rng = random.Random(20261001)
    base = local(2026, 9, 20)
    minute = timedelta(minutes=1)
    for _ in range(15):
        start = base + rng.randrange(20 * 24 * 60) * minute
        minutes = rng.randrange(1, 3 * 8 * 60)
        moment, counted = start, 0
        while counted < minutes:
            counted += _in_office(moment)
            moment += minute
        assert calendar.add(start, minutes * minute) == moment, (start, minutes)
        end = start + rng.randrange(6 * 24 * 60) * minute
        expected = sum(_in_office(start + i * minute) for i in range((end - start) // minute))
        assert calendar.between(start, end) == expected * minute, (start, end)


def test_thirty_working_days_are_fast_and_checked_once_per_day():
    calls: list[date] = []
    workdays = ChineseWorkdays()

    def counting(day: date) -> bool:
        calls.append(day)
        return workdays(day)

    calendar = WorkingCalendar(is_working_day=counting)
    start = local(2026, 9, 28, 10)
    began = clock.perf_counter()
    deadline = calendar.add(start, 30 * WORKING_DAY)
    elapsed = calendar.between(start, deadline)
    took = clock.perf_counter() - began

    thirtieth = chinese_calendar.get_workdays(date(2026, 9, 28), date(2026, 12, 31))[29]
    assert thirtieth == date(2026, 11, 12)
    assert deadline == local(2026, 11, 12, 20)
    assert elapsed == 30 * WORKING_DAY
    span = (deadline.date() - start.date()).days + 1
    assert len(calls) == 2 * span
    assert took < 0.5


def test_a_year_of_working_days_is_fast(calendar: WorkingCalendar):
    began = clock.perf_counter()
    deadline = calendar.add(local(2026, 1, 5, 10), 250 * WORKING_DAY)
    assert calendar.between(local(2026, 1, 5, 10), deadline) == 250 * WORKING_DAY
    assert clock.perf_counter() - began < 1.0


def test_2027_falls_back_to_monday_to_friday_with_one_warning(caplog: pytest.LogCaptureFixture):
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    calendar = WorkingCalendar(is_working_day=ChineseWorkdays())
    with caplog.at_level(logging.WARNING, logger="tickets.working_time"):
        for offset in range(365):
            day = date(2027, 1, 1) + timedelta(days=offset)
            assert calendar.is_working_day(day) == (day.weekday() < 5), day
        assert calendar.is_working_day(date(2027, 1, 1))  # New Year's Day, a Friday: no holiday data
        assert not calendar.is_working_day(date(2027, 1, 2))
        assert calendar.add(local(2026, 12, 31, 19), 2 * HOUR) == local(2027, 1, 1, 11)
        assert calendar.add(local(2027, 1, 1, 19), 2 * HOUR) == local(2027, 1, 4, 11)
        assert calendar.between(local(2027, 1, 1), local(2027, 12, 31, 23)) == 261 * WORKING_DAY
    warnings = [record for record in caplog.records if record.name == "tickets.working_time"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "2027" in warnings[0].getMessage()


def test_each_missing_year_is_warned_once(caplog: pytest.LogCaptureFixture):
    calendar = WorkingCalendar(is_working_day=ChineseWorkdays())
    with caplog.at_level(logging.WARNING, logger="tickets.working_time"):
        calendar.between(local(2027, 12, 20), local(2028, 1, 10))
        calendar.add(local(2027, 12, 20), 30 * WORKING_DAY)
        assert calendar.is_working_day(date(2026, 10, 10))
    assert sorted(record.args[0] for record in caplog.records) == [2027, 2028]


def test_default_calendars_share_one_warning_per_year(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="tickets.working_time"):
        for _ in range(3):
            assert WorkingCalendar().is_working_day(date(2099, 6, 1))  # a Monday
    assert [record.args[0] for record in caplog.records] == [2099]


def test_custom_office_hours_and_working_days():
    calendar = WorkingCalendar(office_hours="09:00-17:00", is_working_day=lambda day: day.weekday() < 5)
    assert calendar.is_working_day(date(2026, 10, 1))  # the injected function knows no holidays
    assert not calendar.is_working_day(date(2026, 10, 10))
    assert calendar.add(local(2026, 10, 9, 16), 2 * HOUR) == local(2026, 10, 12, 10)
    assert calendar.between(local(2026, 10, 9, 16), local(2026, 10, 12, 10)) == 2 * HOUR


def test_a_calendar_without_working_days_fails_instead_of_looping():
    calendar = WorkingCalendar(is_working_day=lambda day: False)
    with pytest.raises(RuntimeError, match="non-working days in a row"):
        calendar.add(local(2026, 9, 29, 10), HOUR)
    assert calendar.between(local(2026, 9, 29, 10), local(2026, 10, 29, 10)) == timedelta(0)
