"""How the actions read a conversation: confidence bands, the topics to offer, what the last reply offered."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.common import Band, band, last_bot_payload, likely_intents
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


@pytest.mark.parametrize(
    ("text", "ranking", "expected"),
    [
        ("人才公寓怎么申请", [("ask_housing", 0.97)], Band.CONFIDENT),
        ("补贴怎么领", [("ask_housing", 0.45), ("ask_schooling", 0.3)], Band.UNSURE),
        ("asdf", [("nlu_fallback", 0.7), ("affirm", 0.2)], Band.LOST),
        ("/ask_housing", [("ask_housing", 0.2)], Band.CONFIDENT),  # a pressed button is never in doubt
    ],
)
def test_bands(text, ranking, expected):
    assert band(tracker(text, ranking)) is expected


def test_the_two_likeliest_topics_skip_small_talk():
    ranking = [("ask_housing", 0.4), ("thank", 0.3), ("request_human", 0.2), ("ask_medical", 0.1)]
    assert likely_intents(tracker("x", ranking)) == ["ask_housing", "request_human"]


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
