"""A web-chat turn: the talent's message kept in the conversation, the talent turn of every channel
(bot.flows: inbox first, Rasa, a ticket when the assistant is down or slow), and its replies kept as the
page shows them (plain text; the page escapes it)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.flows import NEW_QUESTION, NOT_SAVED, talent_turn
from bot.messages import html_to_plain
from bot.rasa_client import BotMessage, RasaClient
from frontdesk.config import Settings
from frontdesk.contract import PayloadType
from frontdesk.database import session_scope
from frontdesk.payloads import as_plain_text, verified
from inbox.models import InboundMessage
from webchat import service
from webchat.models import WebchatMessage, Who
from webchat.sessions import CHANNEL

BUTTON = {"type": "button"}  # the custom of a talent's message that was a button press, not typed


def shown(replies: list[BotMessage]) -> list[service.Said]:
    """The replies as messages of the page: a payload without text (an answer's kb_answer, after its text)
    goes with the text before it; news of a ticket is the system's."""
    said: list[service.Said] = []
    for reply in replies:
        text = html_to_plain(reply.text or "").strip()
        previous = said[-1] if said else None
        if not text and reply.custom is not None and previous is not None and previous.custom is None:
            said[-1] = service.Said(
                previous.who, previous.text, previous.buttons + reply.buttons, reply.custom
            )
        elif text or reply.buttons or reply.custom is not None:
            said.append(service.Said(Who.ASSISTANT, text, list(reply.buttons), reply.custom))
    return [service.Said(Who.SYSTEM, s.text, s.buttons, s.custom) if _is_news(s.custom) else s for s in said]


def _is_news(custom: dict[str, Any] | None) -> bool:
    """A ticket's number (the question became one) or the apology that not even that could be saved."""
    return bool(custom and custom.get("type") in (PayloadType.TICKET, NOT_SAVED))


def _keep(sender_id: str, said: list[service.Said]) -> list[WebchatMessage]:
    with session_scope() as session:
        rows = service.add_messages(session, sender_id=sender_id, said=said)
        for row in rows:
            session.expunge(row)
        return rows


def _last_typed(sender_id: str) -> str | None:
    with session_scope() as session:
        return service.last_typed(session, sender_id=sender_id)


def inbox_key(sender_id: str, key: str | None) -> str | None:
    """The inbox's key of a message the page may send again (its own random `key`, the same on a retry)."""
    return f"{sender_id}:{key}" if key else None


def _received(key: str | None) -> bool:
    if key is None:
        return False
    with session_scope() as session:
        return session.get(InboundMessage, key) is not None


async def typed(
    client: RasaClient, settings: Settings, *, sender_id: str, text: str, key: str | None = None
) -> list[WebchatMessage]:
    """A typed message: always text, never a button's payload, even one that looks or is signed like it.
    A message sent again with the same `key` (the page retrying after a lost answer) is not asked twice:
    nothing is returned, its replies come with the next poll."""
    key = inbox_key(sender_id, key)
    if await asyncio.to_thread(_received, key):
        return []
    spoken = as_plain_text(text) if text.lstrip().startswith("/") else text
    await asyncio.to_thread(_keep, sender_id, [service.Said(Who.TALENT, text, [])])
    return await _turn(client, settings, sender_id=sender_id, raw_text=spoken, key=key)


async def pressed(
    client: RasaClient,
    settings: Settings,
    *,
    sender_id: str,
    payload: str,
    title: str,
    key: str | None = None,
) -> list[WebchatMessage] | None:
    """A button: the assistant's signed payload, or "ask it as a new question" (the last typed text);
    None for anything else (a forged or stale payload is not sent anywhere). Sent again with the same
    `key`: as for typed text."""
    key = inbox_key(sender_id, key)
    if await asyncio.to_thread(_received, key):
        return []
    if payload == NEW_QUESTION:
        last = await asyncio.to_thread(_last_typed, sender_id)
        if last is None:
            return None
        await asyncio.to_thread(_keep, sender_id, [service.Said(Who.TALENT, title, [], BUTTON)])
        return await _turn(
            client, settings, sender_id=sender_id, raw_text=last, as_new_question=True, key=key
        )
    if verified(payload) is None:
        return None
    await asyncio.to_thread(_keep, sender_id, [service.Said(Who.TALENT, title, [], BUTTON)])
    return await _turn(client, settings, sender_id=sender_id, raw_text=payload, key=key)


async def _turn(
    client: RasaClient,
    settings: Settings,
    *,
    sender_id: str,
    raw_text: str,
    as_new_question: bool = False,
    key: str | None = None,
) -> list[WebchatMessage]:
    replies = await talent_turn(
        client,
        channel=CHANNEL,
        sender_id=sender_id,
        raw_text=raw_text,
        limit=settings.max_message_chars,
        as_new_question=as_new_question,
        key=key,
    )
    return await asyncio.to_thread(_keep, sender_id, shown(replies))
