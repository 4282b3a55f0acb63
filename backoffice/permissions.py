"""What a signed-in person may open in the back office. Tickets are scoped by tickets.commands (the same
checks as Telegram and the CLI); this decides the pages."""

from __future__ import annotations

import enum

from backoffice.accounts import SignedIn
from people.models import Role


class Capability(enum.StrEnum):
    WORK_TICKETS = "work_tickets"  # every active roster person: the queue and the tickets in their scope
    LOOK_AFTER_TALENTS = "look_after_talents"  # contact leaders: their talents' workspace
    ADMINISTER = "administer"  # the roster, the pairs, the registry, the calendar
    EDIT_POLICIES = "edit_policies"  # policy editors (accounts made with --editor): the articles
    SEE_ANALYTICS = "see_analytics"  # administrators, policy editors, department officers: the figures


class Forbidden(Exception):
    """A page the person may not open (403)."""


def capabilities(signed: SignedIn) -> frozenset[Capability]:
    granted = {Capability.WORK_TICKETS}
    if signed.person.role is Role.LEADER:
        granted.add(Capability.LOOK_AFTER_TALENTS)
    if signed.account.admin:
        granted.add(Capability.ADMINISTER)
    if signed.account.editor:
        granted.add(Capability.EDIT_POLICIES)
    if signed.account.admin or signed.account.editor or signed.person.role is Role.OFFICER:
        granted.add(Capability.SEE_ANALYTICS)  # which districts: analytics.service.scope_of
    return frozenset(granted)


def require(signed: SignedIn, capability: Capability) -> None:
    if capability not in capabilities(signed):
        raise Forbidden(capability)
