"""What the channels, the actions and Rasa agree on: the payload types of replies that carry an answer
or a state change (the REST channel's `custom` field, `{"type": ...}`), and how a sender id names the
channel a talent writes from ("telegram:42", "web:…", "local:…")."""

from __future__ import annotations

import enum


class PayloadType(enum.StrEnum):
    KB_ANSWER = "kb_answer"
    NOT_ELIGIBLE = "not_eligible"
    NO_ANSWER = "no_answer"
    ASK_DETAIL = "ask_detail"
    CLARIFY = "clarify"
    TOPIC_MENU = "topic_menu"
    TICKET = "ticket"
    TICKET_STATUS = "ticket_status"


def sender_id(channel: str, user: str | int) -> str:
    """The id a channel gives a talent's conversation with Rasa."""
    return f"{channel}:{user}"


def channel_of(sender: str) -> str:
    """The channel a sender id comes from ("rest" for a bare id sent straight to Rasa's REST channel)."""
    return sender.split(":", 1)[0] if ":" in sender else "rest"
