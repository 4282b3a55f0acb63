"""A Rasa restart loses nothing a talent said: conversations live in the SQL tracker store."""

from __future__ import annotations

import uuid

import pytest

from launcher.serve import stop_all, wait_until_ready

pytestmark = pytest.mark.integration


def kinds(messages: list[dict]) -> list[str]:
    return [message["custom"]["type"] for message in messages if "custom" in message]


def test_a_question_waiting_for_a_detail_is_answered_after_rasa_restarts(stack):
    talent = f"test:{uuid.uuid4().hex[:8]}"
    assert kinds(stack.say(talent, "体检标准是多少")) == ["ask_detail"]
    rasa = next(service for service in stack.services if service.name == "rasa server")
    stop_all([rasa])
    rasa.start()
    wait_until_ready(stack.settings, stack.services)
    answer = next(
        m["custom"] for m in stack.say(talent, "我是A类") if m.get("custom", {}).get("type") == "kb_answer"
    )
    assert answer["article_id"] == "health-check-tier-a-b"
    assert stack.tracker(talent)["slots"]["talent_tier"] == "A类"
