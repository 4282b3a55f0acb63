"""What the actions share: the talent's language, sending replies, reading the conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from frontdesk.contract import PayloadType
from frontdesk.payloads import PREFIX, sign
from frontdesk.text import detect_language

TRANSCRIPT_TURNS = 10
# A question waiting for a detail (or for the talent to pick its topic).
PENDING_SLOTS = ("pending_topic", "pending_question", "needed_detail")


@dataclass(frozen=True)
class Reply:
    """What a step said: the events to store, and the kind of payload it sent (None for plain text)."""

    events: list[EventType]
    kind: PayloadType | None


def from_button(tracker: Tracker) -> bool:
    """True when the latest message is a button the front desk sent (Rasa's text normaliser lets only
    signed payloads through as payloads; typed text that looks like one arrives as plain text)."""
    return (tracker.latest_message.get("text") or "").startswith(PREFIX)


def conversation_language(tracker: Tracker) -> str:
    """The language of the talent's latest typed message (button presses keep the previous one)."""
    if from_button(tracker):
        return tracker.get_slot("language") or "zh"
    return detect_language(tracker.latest_message.get("text") or "")


def latest_entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


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
    return {"title": "转人工" if language == "zh" else "Talk to a person", "payload": sign("/request_human")}


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
