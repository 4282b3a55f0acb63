"""The web-chat load benchmark counts each turn as what the page would have shown, against a fake server."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks.webchat_load import ANSWERED, TICKETED, UNANSWERED, Plan, load, outcome_of


def fake_webchat() -> Starlette:
    """Answers by the question: an answer, a ticket, a 429 once, nothing, a server error."""
    refused_once: set[str] = set()
    stored: list[dict] = []

    def message(who: str, text: str, custom: dict | None = None) -> dict:
        row = {"id": len(stored) + 1, "who": who, "text": text, "buttons": [], "custom": custom}
        stored.append(row)
        return row

    async def session(_: Request) -> JSONResponse:
        return JSONResponse({"token": "t", "sender": "web:fake"})

    async def history(request: Request) -> JSONResponse:
        after = int(request.query_params["after"])
        return JSONResponse({"messages": [m for m in stored if m["id"] > after]})

    async def say(request: Request) -> JSONResponse:
        question = (await request.json())["text"]
        if question == "limited" and question not in refused_once:
            refused_once.add(question)
            return JSONResponse({"error": "rate_limited"}, status_code=429, headers={"retry-after": "0"})
        if question == "broken":
            return JSONResponse({"error": "unavailable"}, status_code=500)
        message("talent", question)
        if question == "silent":
            return JSONResponse({"messages": []})
        if question == "late":  # only the read after the send shows it
            message("assistant", "an answer")
            return JSONResponse({"messages": []})
        if question == "ticket":
            return JSONResponse(
                {"messages": [message("system", "GC", {"type": "ticket", "ticket_id": "GC"})]}
            )
        return JSONResponse({"messages": [message("assistant", "an answer")]})

    return Starlette(
        routes=[
            Route("/api/session", session, methods=["POST"]),
            Route("/api/messages", history, methods=["GET"]),
            Route("/api/messages", say, methods=["POST"]),
        ]
    )


async def run(questions: list[str], pauses: list[float], *, duration: float):
    transport = httpx.ASGITransport(app=fake_webchat())
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        plan = Plan(opens_after=0, language="zh", questions=questions, pauses=pauses)
        return await load(client, [plan], duration=duration, poll=0.05)


async def test_each_turn_is_counted_as_the_page_shows_it() -> None:
    questions = ["answer", "ticket", "limited", "silent", "late", "broken"]
    tally, _ = await run(questions, [0.0] * len(questions), duration=1.0)
    outcomes = [(turn.question, turn.outcome, turn.why) for turn in tally.turns]
    assert outcomes == [
        ("answer", ANSWERED, ""),
        ("ticket", TICKETED, ""),
        ("limited", ANSWERED, ""),
        ("silent", UNANSWERED, "no message"),
        ("late", ANSWERED, ""),
        ("broken", UNANSWERED, "HTTP 500"),
    ]
    assert tally.requests["send"] == 7  # the refused send was sent again
    assert tally.refused == {"send": 1}
    assert tally.failed == {"send HTTP 500": 1}
    assert tally.requests["read"] == 5  # a read after every send that was answered
    assert tally.requests["poll"] > 0
    assert all(turn.seconds is not None for turn in tally.turns if turn.outcome != UNANSWERED)


async def test_questions_after_the_page_closed_are_not_asked() -> None:
    tally, _ = await run(["answer", "answer"], [0.0, 0.5], duration=0.2)
    assert [turn.outcome for turn in tally.turns] == [ANSWERED]
    assert tally.cut == 1


def test_a_message_that_not_even_a_ticket_saved_is_unanswered() -> None:
    assert outcome_of([{"who": "system", "custom": {"type": "not_saved"}}]) == (UNANSWERED, "not saved")
    assert outcome_of([{"who": "talent", "custom": None}]) == (UNANSWERED, "no message")
    assert outcome_of([{"who": "assistant", "custom": {"type": "kb_answer"}}]) == (ANSWERED, "")
