"""The front desk's notion of now, and of the times people read: Asia/Shanghai (Beijing time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
LOCAL_FORMAT = "%Y-%m-%d %H:%M"


def utcnow() -> dt.datetime:
    """Now, as every moment is stored: aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def local_today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def to_local(moment: dt.datetime) -> dt.datetime:
    """`moment` in Beijing time; a naive one is taken as UTC, as the database stores moments."""
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TZ)


def format_local(moment: dt.datetime, fmt: str = LOCAL_FORMAT) -> str:
    """`moment` as people read it: Beijing time in `fmt` ("2026-11-30 10:30" by default)."""
    return to_local(moment).strftime(fmt)
