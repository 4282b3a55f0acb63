"""The web chat's API as the page uses it: a session, questions and buttons, history after a reload, votes,
the assistant down, bad input, rate limits, staff replies from the outbox, call-back phones and the status
check."""

from __future__ import annotations

import json
import logging
import time

import redis
from sqlalchemy import select
from starlette.testclient import TestClient

from backoffice import accounts
from backoffice.app import create_app as backoffice_app
from backoffice.audit import AuditEntry
from bot.flows import chosen_language
from feedback.models import AnswerVote, TicketRating
from frontdesk.clock import utcnow
from frontdesk.config import Settings
from frontdesk.database import session_scope
from frontdesk.payloads import sign
from notifications import outbox
from notifications.models import OutboxKind, OutboxMessage, OutboxStatus, RecipientKind
from tests.backoffice.conftest import PASSWORD, csrf_of, sign_in
from tests.webchat.conftest import ANSWER, open_session
from tickets import callbacks
from tickets import service as ticket_service
from tickets.models import CallbackPhone, Ticket, TicketEvent
from webchat import delivery
from webchat.app import create_app

SHARED_COUNTS = "redis://127.0.0.1:6379/15"  # the machine's Redis; a database of this test's own


def ask(client: TestClient, headers: dict[str, str], text: str) -> list[dict]:
    response = client.post("/api/messages", json={"text": text}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def sender_of(headers: dict[str, str]) -> str:
    return headers["X-Chat-Token"].rpartition(".")[0]


def test_a_question_is_answered_as_plain_text_with_its_source_and_kept_for_a_reload(
    client, rasa, chat_settings
):
    headers = open_session(client)
    replies = ask(client, headers, "博乐市的人才公寓怎么申请？")
    assert [r["who"] for r in replies] == ["assistant"]
    answer = replies[0]
    assert answer["text"] == ANSWER and "<b>" not in answer["text"]  # plain text: the page escapes it
    assert answer["custom"]["article_id"] == "talent-apartment-bole" and answer["votable"] is True
    assert answer["at"].endswith("Z") and answer["buttons"][0]["title"] == "材料"
    assert rasa.received == [(sender_of(headers), "博乐市的人才公寓怎么申请?")]  # normalised for NLU
    with TestClient(create_app(chat_settings, rasa=rasa, deliver=False)) as reloaded:  # the page reloaded
        history = reloaded.get("/api/messages?after=0", headers=headers).json()["messages"]
    assert [(m["who"], m["text"]) for m in history] == [
        ("talent", "博乐市的人才公寓怎么申请？"),
        ("assistant", ANSWER),
    ]
    later = client.get(f"/api/messages?after={history[0]['id']}", headers=headers).json()["messages"]
    assert [m["id"] for m in later] == [answer["id"]]


def test_a_message_sent_again_with_its_key_is_asked_once(client, rasa):
    headers = open_session(client)
    question = {"text": "博乐市的人才公寓怎么申请？", "key": "a1b2c3d4e5f60718"}
    first = client.post("/api/messages", json=question, headers=headers).json()["messages"]
    again = client.post("/api/messages", json=question, headers=headers)  # the first answer was lost
    assert first and again.status_code == 200 and again.json() == {"messages": []}
    assert len(rasa.received) == 1
    history = client.get("/api/messages?after=0", headers=headers).json()["messages"]
    assert [m["who"] for m in history] == ["talent", "assistant"]
    bad_key = client.post("/api/messages", json={"text": "你好", "key": "<script>"}, headers=headers)
    assert bad_key.status_code == 400


def test_the_chosen_language_is_kept_and_sent_to_the_assistant(client, rasa):
    headers = open_session(client)
    assert client.post("/api/language", json={"language": "en"}, headers=headers).json() == {"ok": True}
    assert rasa.slots == [(sender_of(headers), "language", "en")]
    with session_scope() as session:
        assert chosen_language(session, sender_id=sender_of(headers)) == "en"
    assert client.post("/api/language", json={"language": "fr"}, headers=headers).status_code == 400


def test_a_signed_button_is_pressed_and_a_typed_payload_stays_text(client, rasa):
    headers = open_session(client)
    payload = sign('/ask_housing{"district": "博乐市"}')
    response = client.post("/api/messages", json={"payload": payload, "title": "博乐市"}, headers=headers)
    assert response.status_code == 200
    assert rasa.received[-1][1] == payload  # the signed payload goes to Rasa as a button
    ask(client, headers, payload)  # typed: the same characters, but text
    assert rasa.received[-1][1] == 'ask_housing{"district": "博乐市"}~' + payload.rpartition("~")[2]
    forged = client.post(
        "/api/messages",
        json={"payload": '/ask_housing{"district": "x"}~000000000000', "title": "x"},
        headers=headers,
    )
    assert forged.status_code == 400 and forged.json()["error"] == "bad_button"
    assert len(rasa.received) == 2
    history = client.get("/api/messages", headers=headers).json()["messages"]
    assert [m["text"] for m in history if m["who"] == "talent"] == ["博乐市", payload]


def test_votes_on_the_conversations_own_answers_only(client, chat_settings, rasa):
    headers = open_session(client)
    answer = ask(client, headers, "人才公寓怎么申请")[0]
    assert client.post(
        "/api/votes", json={"message": answer["id"], "helpful": False}, headers=headers
    ).json() == {"ok": True}
    other = open_session(client)
    refused = client.post("/api/votes", json={"message": answer["id"], "helpful": True}, headers=other)
    assert refused.status_code == 404
    with session_scope() as session:
        votes = session.scalars(select(AnswerVote)).all()
        assert [(v.channel, v.sender_id, v.helpful, v.version) for v in votes] == [
            ("web", sender_of(headers), False, 1)
        ]


def test_the_assistant_down_gives_the_ticket_number_as_a_system_message(client, rasa):
    headers = open_session(client)
    rasa.down = True
    replies = ask(client, headers, "人才公寓怎么申请")
    assert [r["who"] for r in replies] == ["system"]
    ticket_id = replies[0]["custom"]["ticket_id"]
    assert replies[0]["custom"]["type"] == "ticket" and ticket_id in replies[0]["text"]
    with session_scope() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket.channel == "web" and ticket.sender_id == sender_of(headers)
        assert ticket.question == "人才公寓怎么申请"


def test_sessions_tokens_and_bodies_are_checked(client, rasa):
    assert client.get("/api/messages").json()["error"] == "session"
    assert client.get("/api/messages").status_code == 401
    headers = open_session(client)
    forged = {"X-Chat-Token": sender_of(headers) + ".AAAA"}
    assert client.post("/api/messages", json={"text": "你好"}, headers=forged).status_code == 401
    as_form = client.post(
        "/api/messages", content="text=hi", headers={**headers, "content-type": "text/plain"}
    )
    assert as_form.status_code == 415
    assert client.post("/api/messages", json={"text": "长" * 4001}, headers=headers).status_code == 413
    huge = client.post("/api/messages", content=json.dumps({"text": "x" * 20000}), headers={
        **headers, "content-type": "application/json"})  # fmt: skip
    assert huge.status_code == 413 and huge.json()["error"] == "too_large"
    english = client.post("/api/messages?lang=en", json={"text": "长" * 4001}, headers=headers).json()
    assert english["error"] == "too_long" and "4000" in english["text"]
    assert client.post("/api/messages", json=["text"], headers=headers).status_code == 400
    assert rasa.received == []


def test_html_is_kept_raw_in_the_json_and_the_page_has_a_strict_csp(client):
    headers = open_session(client)
    ask(client, headers, "<img src=x onerror=alert(1)>人才公寓")
    history = client.get("/api/messages", headers=headers)
    assert history.json()["messages"][0]["text"] == "<img src=x onerror=alert(1)>人才公寓"
    assert history.headers["content-type"].startswith("application/json")
    page = client.get("/?lang=en")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert "unsafe-inline" not in csp and page.headers["x-content-type-options"] == "nosniff"
    assert 'class="kiosk' in client.get("/kiosk").text
    assert client.get("/embed.js").status_code == 200


def test_the_embedding_sites_are_named_in_frame_ancestors(chat_settings, rasa):
    settings = chat_settings.model_copy(update={"webchat_embed_origins": "'self' https://www.example.gov.cn"})
    with TestClient(create_app(settings, rasa=rasa, deliver=False)) as client:
        csp = client.get("/").headers["content-security-policy"]
    assert "frame-ancestors 'self' https://www.example.gov.cn;" in csp


def test_too_many_messages_are_refused_with_retry_after(chat_settings, rasa):
    settings = chat_settings.model_copy(update={"webchat_message_limit": "2/minute"})
    with TestClient(create_app(settings, rasa=rasa, deliver=False)) as client:
        headers = open_session(client)
        ask(client, headers, "一")
        ask(client, headers, "二")
        refused = client.post("/api/messages", json={"text": "三"}, headers=headers)
        assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
        assert 0 < int(refused.headers["retry-after"]) <= 60
        assert client.get("/api/messages", headers=headers).status_code == 200  # reading goes on
        ask(client, open_session(client), "另一个会话")  # another session has its own count
    assert len(rasa.received) == 3


def test_two_web_chat_processes_count_one_address_together_in_redis(chat_settings, rasa):
    redis.Redis.from_url(SHARED_COUNTS).flushdb()
    settings = chat_settings.model_copy(
        update={"webchat_address_limit": "3/minute", "webchat_ratelimit_storage": SHARED_COUNTS}
    )
    first, second = (create_app(settings, rasa=rasa, deliver=False) for _ in range(2))
    with TestClient(first) as one, TestClient(second) as other:
        headers = open_session(one)
        assert other.get("/api/messages", headers=headers).status_code == 200
        assert one.get("/api/messages", headers=headers).status_code == 200
        refused = other.get("/api/messages", headers=headers)  # the fourth request of the address
        assert refused.status_code == 429 and "retry-after" in refused.headers


def test_too_many_requests_from_one_address_are_refused(chat_settings, rasa):
    settings = chat_settings.model_copy(update={"webchat_address_limit": "3/minute"})
    with TestClient(create_app(settings, rasa=rasa, deliver=False)) as client:
        headers = open_session(client)
        assert client.get("/api/messages", headers={"X-Chat-Token": "web:x.forged"}).status_code == 401
        assert client.get("/api/messages", headers=headers).status_code == 200
        refused = client.post("/api/session", json={})  # the forged token counted too
        assert refused.status_code == 429 and "retry-after" in refused.headers


def _ticket_of(client: TestClient, rasa, headers: dict[str, str]) -> str:
    rasa.down = True
    ticket_id = ask(client, headers, "人才公寓怎么申请")[0]["custom"]["ticket_id"]
    rasa.down = False
    return ticket_id


def test_a_staff_reply_reaches_the_web_talent_exactly_once(chat_settings, rasa, client):
    headers = open_session(client)
    ticket_id = _ticket_of(client, rasa, headers)
    with session_scope() as session:
        ticket_service.claim(session, ticket_id=ticket_id, person_id="staff-bole")
        ticket_service.reply(
            session, ticket_id=ticket_id, person_id="staff-bole", text="请带上<身份证>原件。"
        )
        staff_card = session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient_kind == RecipientKind.STAFF_GROUP)
        ).first()
        staff_card_id = staff_card.id if staff_card else None
    assert delivery.deliver_due(chat_settings) == 2  # assigned and replied; staff cards are Telegram's
    assert delivery.deliver_due(chat_settings) == 0
    history = client.get("/api/messages", headers=headers).json()["messages"]
    staff = [m for m in history if m["who"] == "staff"]
    assert len(staff) == 1 and "请带上<身份证>原件。" in staff[0]["text"] and ticket_id in staff[0]["text"]
    assert staff[0]["custom"]["ticket_id"] == ticket_id
    assert any(m["who"] == "system" and "已由工作人员受理" in m["text"] for m in history)
    with session_scope() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == sender_of(headers))
        ).all()
        assert {row.status for row in rows} == {OutboxStatus.DELIVERED}
        if staff_card_id is not None:
            assert session.get(OutboxMessage, staff_card_id).status is OutboxStatus.PENDING


def test_the_delivery_loop_of_the_app_writes_a_resolved_notice(chat_settings, rasa):
    with TestClient(create_app(chat_settings, rasa=rasa)) as client:
        headers = open_session(client)
        ticket_id = _ticket_of(client, rasa, headers)
        with session_scope() as session:
            ticket_service.claim(session, ticket_id=ticket_id, person_id="staff-bole")
            ticket_service.resolve(session, ticket_id=ticket_id, actor="staff-bole", note="已办理")
        for _ in range(50):
            history = client.get("/api/messages", headers=headers).json()["messages"]
            if any("已办结" in m["text"] for m in history):
                break
            time.sleep(0.1)
        resolved = [m for m in history if "已办结" in m["text"]]
        assert [m["text"] for m in resolved] == [
            f"您的工单 {ticket_id} 已办结：已办理\n\n"
            "如还有问题，欢迎随时提问，或拨打服务窗口电话 0909-2222000。"
        ]
        assert resolved[0]["custom"]["rate"] is True  # the page asks 1–5 under it

        def rate(score, who=headers):
            return client.post("/api/ratings", json={"ticket": ticket_id, "score": score}, headers=who)

        assert rate(6).status_code == 400
        assert rate(5, who=open_session(client)).status_code == 404  # another talent's ticket
        assert rate(5).json() == {"ok": True, "already": False}
        assert rate(2).json() == {"ok": True, "already": True}  # once
    with session_scope() as session:
        assert session.get(TicketRating, ticket_id).score == 5


def test_a_callback_phone_is_stored_encrypted_and_unlocks_the_status_check(client, rasa, chat_settings):
    headers = open_session(client)
    ticket_id = _ticket_of(client, rasa, headers)
    other = open_session(client)
    not_theirs = client.post(
        "/api/callback", json={"ticket": ticket_id, "phone": "13800001234"}, headers=other
    )
    assert not_theirs.status_code == 404
    bad = client.post("/api/callback", json={"ticket": ticket_id, "phone": "12345"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["error"] == "bad_phone"
    left = client.post("/api/callback", json={"ticket": ticket_id, "phone": "138 0000 1234"}, headers=headers)
    assert left.json() == {"ok": True}
    secret = chat_settings.registry_secret.get_secret_value()
    with session_scope() as session:
        record = session.get(CallbackPhone, ticket_id)
        assert "13800001234" not in record.phone_encrypted and "1234" not in record.last4_hash
        assert record.masked == "138****1234"
        assert callbacks.callback_phone(session, ticket_id=ticket_id, secret=secret) == "13800001234"
        events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)).all()
        assert [e.note for e in events if e.action == "callback_phone"] == ["138****1234"]
    status = client.post(
        "/api/ticket-status", json={"ticket": ticket_id.lower(), "last4": "1234"}, headers=other
    )
    assert status.status_code == 200
    assert status.json()["ticket"] == ticket_id and status.json()["status"] == "open"
    assert ticket_id in status.json()["text"]
    wrong_digits = client.post(
        "/api/ticket-status", json={"ticket": ticket_id, "last4": "4321"}, headers=other
    )
    no_ticket = client.post(
        "/api/ticket-status", json={"ticket": "GC-2026-999999", "last4": "1234"}, headers=other
    )
    assert wrong_digits.status_code == no_ticket.status_code == 404
    assert wrong_digits.json() == no_ticket.json() and wrong_digits.json()["error"] == "not_found"


def test_the_status_check_is_rate_limited(chat_settings, rasa):
    settings = chat_settings.model_copy(update={"webchat_status_limit": "3/hour"})
    with TestClient(create_app(settings, rasa=rasa, deliver=False)) as client:
        headers = open_session(client)
        codes = [
            client.post(
                "/api/ticket-status", json={"ticket": "GC-2026-000001", "last4": f"{n:04d}"}, headers=headers
            )
            for n in range(4)
        ]
        assert [c.status_code for c in codes] == [404, 404, 404, 429]
        fresh = open_session(client)  # the same address: its own limit holds too
        assert (
            client.post(
                "/api/ticket-status", json={"ticket": "GC-2026-000001", "last4": "0000"}, headers=fresh
            ).status_code
            == 429
        )


def test_staff_see_the_masked_callback_number_and_the_whole_one_on_asking_audited(
    client, rasa, chat_database, caplog
):
    headers = open_session(client)
    ticket_id = _ticket_of(client, rasa, headers)
    client.post("/api/callback", json={"ticket": ticket_id, "phone": "13800001234"}, headers=headers)
    with session_scope() as session:
        accounts.create_account(session, person_id="officer-hr", password=PASSWORD)
    office = backoffice_app(
        Settings(_env_file=None, database_url=chat_database, backoffice_secure_cookies=False)
    )
    with TestClient(office, base_url="http://127.0.0.1:8080") as browser:
        sign_in(browser, "officer-hr")
        page = browser.get(f"/tickets/{ticket_id}")
        assert page.status_code == 200
        assert "138****1234" in page.text and "13800001234" not in page.text
        assert "留下回电号码" in page.text
        with caplog.at_level(logging.DEBUG):
            shown = browser.post(f"/tickets/{ticket_id}/callback-number", data={"csrf": csrf_of(page.text)})
        assert shown.status_code == 200 and 'href="tel:13800001234"' in shown.text
        assert browser.post(f"/tickets/{ticket_id}/callback-number").status_code == 403  # no CSRF token
    assert "13800001234" not in caplog.text
    with session_scope() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.subject == ticket_id)).all()
        assert [(e.actor, e.action) for e in entries] == [("officer-hr", "ticket.callback_number")]


def test_a_notification_the_web_chat_cannot_show_is_flagged_for_staff(client, chat_settings):
    headers = open_session(client)
    with session_scope() as session:
        row = outbox.queue(
            session,
            kind=OutboxKind.CARD_BINDING,
            ticket_id=None,
            recipient_kind=RecipientKind.TALENT,
            recipient=sender_of(headers),
            payload={"event": "bound", "at": "12月4日 10:00"},
            now=utcnow(),
        )
        session.flush()
        row_id = row.id
    assert delivery.deliver_due(chat_settings) == 1
    with session_scope() as session:
        assert session.get(OutboxMessage, row_id).status is OutboxStatus.FAILED
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "delivery_failed")).one()
        assert alert.recipient_kind == RecipientKind.STAFF_GROUP and alert.payload["outbox_id"] == row_id
    assert client.get("/api/messages", headers=headers).json()["messages"] == []
