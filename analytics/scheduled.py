"""The analytics' timer: the rollups brought up to date (the launcher's sweep calls it every minute; the
analytics page before it counts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from analytics import rollup
from frontdesk.clock import local_today
from tickets.service import SlaPolicy


@dataclass(frozen=True)
class Refreshed:
    days: int  # days of the conversation record rolled up
    tickets: int  # tickets counted again


def refresh(session: Session, *, sla: SlaPolicy) -> Refreshed:
    """Roll up the complete days not rolled up yet and count the tickets changed since the last time."""
    days = rollup.refresh_turns(session, today=local_today())
    return Refreshed(days=days, tickets=rollup.refresh_tickets(session, sla=sla))
