"""Inline keyboards and their callback data: the assistant's buttons, and the staff's ticket buttons.

Telegram allows 64 bytes of callback data. An assistant payload that is longer is kept in a bounded
in-memory table and the button carries its short key instead ("k:<key>"); a key forgotten after a
restart is answered with a request to type the question. Ticket buttons carry "t:<action>:<ticket id>".
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

CALLBACK_DATA_LIMIT = 64  # bytes
TICKET_PREFIX = "t:"
KEY_PREFIX = "k:"
TICKET_BUTTON_TITLES = {
    "claim": "认领",
    "reply": "回复",
    "escalate": "上报",
    "resolve": "办结",
    "handback": "退回",
}
TICKET_ACTIONS = tuple(TICKET_BUTTON_TITLES)


class PayloadStore:
    """Long button payloads behind short keys, the newest `capacity` kept."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def key_for(self, payload: str) -> str:
        key = hashlib.blake2b(payload.encode("utf-8"), digest_size=12).hexdigest()
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self._capacity:
            self._payloads.popitem(last=False)
        return key

    def payload_for(self, key: str) -> str | None:
        return self._payloads.get(key)


def callback_data(payload: str, store: PayloadStore) -> str:
    """What a button carries for an assistant payload: the payload itself when it fits, else a key."""
    if len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT and not payload.startswith(
        (TICKET_PREFIX, KEY_PREFIX)
    ):
        return payload
    return KEY_PREFIX + store.key_for(payload)


def assistant_keyboard(buttons: list[dict[str, str]], store: PayloadStore) -> InlineKeyboardMarkup | None:
    """The assistant's buttons as an inline keyboard, two to a row."""
    if not buttons:
        return None
    keys = [
        InlineKeyboardButton(button["title"], callback_data=callback_data(button["payload"], store))
        for button in buttons
    ]
    return InlineKeyboardMarkup([keys[i : i + 2] for i in range(0, len(keys), 2)])


def ticket_button(action: str, ticket_id: str) -> InlineKeyboardButton:
    """A staff button acting on a ticket (the staff read Chinese)."""
    return InlineKeyboardButton(
        TICKET_BUTTON_TITLES[action], callback_data=f"{TICKET_PREFIX}{action}:{ticket_id}"
    )


def parse_ticket_button(data: str) -> tuple[str, str] | None:
    """(action, ticket id) of a ticket button's callback data; None for any other data."""
    if not data.startswith(TICKET_PREFIX):
        return None
    action, _, ticket_id = data.removeprefix(TICKET_PREFIX).partition(":")
    return (action, ticket_id) if action in TICKET_ACTIONS and ticket_id else None
