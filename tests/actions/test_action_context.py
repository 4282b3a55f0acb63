"""How the actions read a conversation: what the last reply offered, and which messages are buttons."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.common import from_button, last_bot_payload
from actions.conversation import offered_a_person


def tracker(text: str, ranking: list[tuple[str, float]], events: list[dict] | None = None) -> Tracker:
    intent = {"name": ranking[0][0], "confidence": ranking[0][1]} if ranking else {}
    message = {
        "text": text,
        "intent": intent,
        "intent_ranking": [{"name": name, "confidence": c} for name, c in ranking],
        "entities": [],
    }
    return Tracker("test:1", {}, message, events or [], False, None, {}, "action_listen")


def test_the_last_reply_is_the_one_before_the_latest_message():
    events = [
        {"event": "user", "text": "a"},
        {"event": "bot", "text": "old", "data": {"custom": {"type": "kb_answer"}}},
        {"event": "user", "text": "b"},
        {"event": "bot", "text": "no", "data": {"custom": {"type": "no_answer"}}},
        {"event": "user", "text": "好的"},
    ]
    assert last_bot_payload(tracker("好的", [("affirm", 0.9)], events)) == {"type": "no_answer"}
    assert last_bot_payload(tracker("好的", [("affirm", 0.9)], events[-1:])) == {}


@pytest.mark.parametrize(
    ("payload", "offered"),
    [
        ({"type": "no_answer"}, True),
        ({"type": "not_eligible"}, True),
        ({"type": "clarify", "candidates": []}, True),
        ({"type": "clarify", "candidates": ["ask_housing", "ask_schooling"]}, False),
        ({"type": "kb_answer"}, False),
        ({}, False),
    ],
)
def test_yes_means_a_person_only_after_a_reply_that_offered_one(payload, offered):
    assert offered_a_person(payload) is offered


def test_only_what_rasa_let_through_as_a_payload_counts_as_a_button():
    assert from_button(tracker("/ask_housing", [("ask_housing", 1.0)]))
    assert not from_button(tracker('inform{"talent_tier": "S类"}', [("inform", 0.5)]))
