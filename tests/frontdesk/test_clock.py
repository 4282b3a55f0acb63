"""Times as people read them: Beijing time, from the helper and from the templates' `local_time` filter."""

import datetime as dt
from pathlib import Path

from frontdesk.clock import LOCAL_TZ, format_local, to_local
from frontdesk.templating import message_environment

MORNING_UTC = dt.datetime(2026, 11, 30, 2, 30, tzinfo=dt.UTC)  # 10:30 in Beijing
LATE_EVENING_UTC = dt.datetime(2026, 11, 30, 16, 45, tzinfo=dt.UTC)  # 00:45 the next day in Beijing


def test_a_utc_moment_is_shown_in_beijing_time():
    assert format_local(MORNING_UTC) == "2026-11-30 10:30"
    assert to_local(MORNING_UTC) == MORNING_UTC and to_local(MORNING_UTC).tzinfo is LOCAL_TZ


def test_a_moment_near_midnight_utc_moves_to_the_next_day():
    assert format_local(LATE_EVENING_UTC) == "2026-12-01 00:45"
    assert format_local(LATE_EVENING_UTC, "%m月%d日 %H:%M") == "12月01日 00:45"


def test_a_naive_moment_is_taken_as_utc():
    assert format_local(MORNING_UTC.replace(tzinfo=None)) == "2026-11-30 10:30"


def test_a_moment_in_another_zone_is_converted():
    assert format_local(MORNING_UTC.astimezone(dt.timezone(dt.timedelta(hours=-5)))) == "2026-11-30 10:30"


def test_the_template_filter_shows_beijing_time_in_the_default_or_a_given_format(tmp_path: Path):
    environment = message_environment(tmp_path)
    template = environment.from_string('{{ moment | local_time }} / {{ moment | local_time("%H:%M") }}')
    assert template.render(moment=LATE_EVENING_UTC) == "2026-12-01 00:45 / 00:45"
