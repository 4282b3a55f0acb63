"""What the actions share: the talent's language, confidence bands, sending replies, the conversation."""

from __future__ import annotations

import enum
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from frontdesk.config import get_settings
from frontdesk.text import detect_language

TRANSCRIPT_TURNS = 10
INQUIRY_PREFIX = "ask_"
FALLBACK_INTENT = "nlu_fallback"
# Intents a "which did you mean?" button can stand for, besides the inquiry topics.
CLARIFIABLE = frozenset({"request_human", "check_ticket"})
# A question waiting for a detail (or for the talent to pick its topic).
PENDING_SLOTS = ("pending_topic", "pending_question", "needed_detail")


class Band(enum.StrEnum):
    """How sure the NLU is of the latest message (the `lost` band is Rasa's nlu_fallback)."""

    CONFIDENT = "confident"
    UNSURE = "unsure"
    LOST = "lost"


def conversation_language(tracker: Tracker) -> str:
    """The language of the talent's latest typed message (button presses keep the previous one)."""
    text = tracker.latest_message.get("text") or ""
    if from_button(tracker):
        return tracker.get_slot("language") or "zh"
    return detect_language(text)


def from_button(tracker: Tracker) -> bool:
    """True when the latest message is a button's payload (or a /command), not typed text."""
    return (tracker.latest_message.get("text") or "").startswith("/")


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or FALLBACK_INTENT


def latest_entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


def band(tracker: Tracker) -> Band:
    """Confident, unsure or lost, by the top intent's confidence; a pressed button is always confident."""
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") in (None, FALLBACK_INTENT):
        return Band.LOST
    if from_button(tracker) or float(intent.get("confidence") or 0) >= get_settings().nlu_confident_threshold:
        return Band.CONFIDENT
    return Band.UNSURE


def likely_intents(tracker: Tracker, *, limit: int = 2) -> list[str]:
    """The likeliest inquiry topics (or a request for a person or a ticket status), most likely first."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    names = [item.get("name") or "" for item in ranking]
    return [name for name in names if name.startswith(INQUIRY_PREFIX) or name in CLARIFIABLE][:limit]


def say(
    dispatcher: CollectingDispatcher,
    messages: list[str],
    *,
    payload: dict[str, Any] | None = None,
    buttons: list[dict[str, str]] | None = None,
) -> None:
    """Send text messages (buttons on the last one), then the machine-readable payload."""
    for position, text in enumerate(messages):
        dispatcher.utter_message(text=text, buttons=buttons if position == len(messages) - 1 else None)
    if payload is not None:
        dispatcher.utter_message(json_message=payload)


def human_button(language: str) -> dict[str, str]:
    return {"title": "转人工" if language == "zh" else "Talk to a person", "payload": "/request_human"}


def last_bot_payload(tracker: Tracker) -> dict[str, Any]:
    """The machine-readable payload of the assistant's reply before the talent's latest message."""
    past_latest_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if past_latest_message:
                break
            past_latest_message = True
        elif past_latest_message and (custom := (event.get("data") or {}).get("custom")):
            return custom
    return {}


def transcript(tracker: Tracker, turns: int = TRANSCRIPT_TURNS) -> list[dict[str, Any]]:
    """The last turns of the conversation, oldest first."""
    lines = [
        {"who": "talent" if event["event"] == "user" else "bot", "text": event.get("text") or ""}
        for event in tracker.events
        if event.get("event") in {"user", "bot"} and event.get("text")
    ]
    return lines[-turns:]
