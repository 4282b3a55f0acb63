"""The web chat's API in front of the real stack: Rasa server, action server and database."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from launcher.serve import free_port
from tests.webchat.conftest import open_session
from tickets.models import Ticket
from webchat.app import create_app

pytestmark = pytest.mark.integration


@pytest.fixture
def client(stack) -> Iterator[TestClient]:
    with TestClient(create_app(stack.settings, deliver=False)) as test_client:
        yield test_client


def say(client: TestClient, headers: dict[str, str], body: dict) -> list[dict]:
    response = client.post("/api/messages", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def answers(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["custom"] and m["custom"]["type"] == "kb_answer"]


def test_a_question_a_button_and_a_follow_up_are_answered_with_their_sources(client):
    headers = open_session(client)
    first = answers(say(client, headers, {"text": "博乐市的人才公寓怎么申请？"}))
    assert first and first[0]["custom"]["article_id"] == "talent-apartment-bole" and first[0]["votable"]
    assert "依据：《" in first[0]["text"] and "<b>" not in first[0]["text"]
    follow_up = answers(say(client, headers, {"text": "那精河县呢？"}))
    assert follow_up and follow_up[0]["custom"]["article_id"] == "talent-apartment-jinghe"
    menu = say(client, headers, {"text": "人才公寓怎么申请"})
    buttons = [b for m in menu for b in m["buttons"]]
    assert buttons, menu  # which district? (or the topic's articles)
    pressed = say(client, headers, {"payload": buttons[0]["payload"], "title": buttons[0]["title"]})
    assert answers(pressed) or any(m["buttons"] for m in pressed)
    history = client.get("/api/messages", headers=headers).json()["messages"]
    assert [m["text"] for m in history if m["who"] == "talent"] == [
        "博乐市的人才公寓怎么申请？",
        "那精河县呢？",
        "人才公寓怎么申请",
        buttons[0]["title"],
    ]


def test_a_stopped_rasa_server_turns_the_question_into_a_ticket_the_talent_can_follow(stack):
    dead = stack.settings.model_copy(
        update={"rasa_url": f"http://127.0.0.1:{free_port()}", "rasa_timeout_seconds": 2}
    )
    with TestClient(create_app(dead, deliver=False)) as client:
        headers = open_session(client)
        replies = say(client, headers, {"text": "人才公寓怎么申请"})
        assert [m["who"] for m in replies] == ["system"] and "智能助手暂时无法回答" in replies[0]["text"]
        ticket_id = replies[0]["custom"]["ticket_id"]
        assert ticket_id in replies[0]["text"]
        assert client.post(
            "/api/callback", json={"ticket": ticket_id, "phone": "13900001357"}, headers=headers
        ).json() == {"ok": True}
        status = client.post(
            "/api/ticket-status", json={"ticket": ticket_id, "last4": "1357"}, headers=headers
        )
        assert status.status_code == 200 and status.json()["status"] == "open"
    with Session(stack.engine) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket.question == "人才公寓怎么申请" and ticket.channel == "web"


def test_the_web_chat_the_launcher_starts_answers_from_the_assistant(stack):
    """The service as `make serve` runs it (its own process, told the way to Rasa by the launcher)."""
    base = f"http://127.0.0.1:{stack.settings.webchat_port}"
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post("/api/session", json={}).json()["token"]
        reply = http.post(
            "/api/messages", json={"text": "博乐市的人才公寓怎么申请？"}, headers={"X-Chat-Token": token}
        )
    assert reply.status_code == 200
    assert any(m["custom"] and m["custom"]["type"] == "kb_answer" for m in reply.json()["messages"])
