"""Request limits of the web chat, per session and per client address, with the `limits` package: a moving
window in memory (one process), or in the storage WEBCHAT_RATELIMIT_STORAGE names (redis://… for several)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse, storage, strategies

from frontdesk.config import Settings


@dataclass(frozen=True)
class Limits:
    session: RateLimitItem  # every API request of a session, polling included
    message: RateLimitItem  # messages a session sends
    address: RateLimitItem  # every API request from one client address
    status: RateLimitItem  # ticket-status checks, per session and per address


class RateLimiter:
    """Counts requests against the limits of the settings; `hit` says how long to wait when one is reached."""

    def __init__(self, settings: Settings) -> None:
        self.limits = Limits(
            session=parse(settings.webchat_session_limit),
            message=parse(settings.webchat_message_limit),
            address=parse(settings.webchat_address_limit),
            status=parse(settings.webchat_status_limit),
        )
        self._window = strategies.MovingWindowRateLimiter(
            storage.storage_from_string(settings.webchat_ratelimit_storage)
        )

    def hit(self, *checks: tuple[RateLimitItem, str]) -> int | None:
        """Count one request against each (limit, key); None when all allow it, else the seconds until
        the first one that refuses it allows another (nothing is counted against a refused request's
        other limits after it)."""
        for limit, key in checks:
            if not self._window.hit(limit, key):
                reset = self._window.get_window_stats(limit, key).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None
