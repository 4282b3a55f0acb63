"""Receiving a talent's message: into the inbox, or into the local spool while the database is down."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from frontdesk.clock import utcnow
from frontdesk.database import session_scope
from inbox import service, spool

log = logging.getLogger(__name__)

_outage_since: dt.datetime | None = None  # this process found the database down since then


class AlreadyReceived(Exception):
    """A message whose key is in the inbox already (a channel handling one inbound message again)."""


def receive(*, key: str, channel: str, sender_id: str, text: str, language: str, spool_dir: Path) -> bool:
    """Keep the message in the inbox; True when it is there. While the database is down it is spooled
    to `spool_dir` instead (False), and the outage is logged once, not per message. AlreadyReceived when
    the key is in the inbox (the inbox's sweep sees to that message)."""
    global _outage_since
    now = utcnow()
    try:
        with session_scope() as session:
            service.record(
                session, key=key, channel=channel, sender_id=sender_id, text=text, language=language
            )
    except IntegrityError:
        raise AlreadyReceived(key) from None
    except SQLAlchemyError as exc:
        spool.keep(
            spool_dir,
            spool.SpooledMessage(
                key=key, channel=channel, sender_id=sender_id, text=text, language=language, received_at=now
            ),
        )
        if _outage_since is None:
            _outage_since = now
            log.error(
                "database unavailable (%s): talent messages are kept in %s until it is back",
                type(exc).__name__,
                spool_dir,
            )
        return False
    if _outage_since is not None:
        log.warning("database available again after %.0f s", (now - _outage_since).total_seconds())
        _outage_since = None
    return True
