"""Inline keyboards and their callback data: the assistant's buttons, and the staff's ticket buttons.

Telegram allows 64 bytes of callback data. An assistant payload that is longer is kept in the database
(bot/state.py) and the button carries its short key instead ("k:<key>"); a key forgotten (after 90 days)
is answered with a request to type the question. Ticket buttons carry "t:<action>:<ticket id>".
"""

from __future__ import annotations

import hashlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from frontdesk.vocabulary import TICKET_BUTTON_TITLES

CALLBACK_DATA_LIMIT = 64  # bytes
TICKET_PREFIX = "t:"
KEY_PREFIX = "k:"
TICKET_ACTIONS = tuple(TICKET_BUTTON_TITLES)


def payload_key(payload: str) -> str:
    """The short key a long payload travels under: the same payload, the same key."""
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=12).hexdigest()


def _fits(payload: str) -> bool:
    return len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT and not payload.startswith(
        (TICKET_PREFIX, KEY_PREFIX)
    )


def callback_data(payload: str) -> str:
    """What a button carries for an assistant payload: the payload itself when it fits, else its key."""
    return payload if _fits(payload) else KEY_PREFIX + payload_key(payload)


def long_payloads(buttons: list[dict[str, str]]) -> dict[str, str]:
    """The payloads of buttons that travel as keys, by key (to keep before the buttons are sent)."""
    return {payload_key(b["payload"]): b["payload"] for b in buttons if not _fits(b["payload"])}


def assistant_keyboard(
    buttons: list[dict[str, str]], *, last_row: list[dict[str, str]] | None = None
) -> InlineKeyboardMarkup | None:
    """The assistant's buttons as an inline keyboard, two to a row; `last_row` (👍/👎) in a row of its own."""
    if not buttons and not last_row:
        return None

    def key(button: dict[str, str]) -> InlineKeyboardButton:
        return InlineKeyboardButton(button["title"], callback_data=callback_data(button["payload"]))

    keys = [key(button) for button in buttons]
    rows = [keys[i : i + 2] for i in range(0, len(keys), 2)]
    return InlineKeyboardMarkup(rows + ([[key(button) for button in last_row]] if last_row else []))


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
