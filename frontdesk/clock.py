"""The front desk's notion of now: Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()
