"""The back office's pages through the ASGI stack: login, CSRF, headers, escaping, the queue and a ticket
worked from the web with the same commands as Telegram."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from backoffice.app import create_app
from backoffice.web import CSP
from frontdesk.config import Settings
from frontdesk.database import session_scope
from notifications.models import OutboxMessage
from tests.backoffice.conftest import PASSWORD, csrf_of, new_ticket, sign_in
from tickets import service
from tickets.models import TicketStatus


def test_a_person_signs_in_and_out(browser):
    assert browser.get("/queue", follow_redirects=False).headers["location"] == "/login?next=/queue"
    assert sign_in(browser, "staff-bole", "wrong password").status_code == 401
    signed = sign_in(browser, "staff-bole")
    assert signed.status_code == 303 and signed.headers["location"] == "/queue"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    page = browser.get("/queue")
    assert page.status_code == 200 and "王窗口" in page.text
    assert (
        browser.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False).status_code == 303
    )
    assert browser.get("/queue", follow_redirects=False).status_code == 303


def test_behind_https_the_session_cookie_is_secure_and_bound_to_the_host(office_database):
    app = create_app(Settings(_env_file=None, database_url=office_database, telegram_bot_token="1:x"))
    with TestClient(app, base_url="https://backoffice.example") as client:
        cookie = sign_in(client, "staff-bole").headers["set-cookie"]
        assert cookie.startswith("__Host-frontdesk=") and "Secure" in cookie and "Path=/" in cookie
        page = client.get("/queue")
        assert page.status_code == 200 and page.headers["strict-transport-security"] == "max-age=31536000"


def test_login_without_its_csrf_token_is_refused(browser):
    response = browser.post("/login", data={"person_id": "staff-bole", "password": PASSWORD})
    assert response.status_code == 403


def test_a_state_change_without_the_csrf_token_is_refused(browser):
    ticket_id = new_ticket()
    sign_in(browser, "staff-bole")
    response = browser.post(f"/tickets/{ticket_id}/act", data={"verb": "claim", "csrf": "forged"})
    assert response.status_code == 403
    with session_scope() as session:
        assert service.get_ticket(session, ticket_id=ticket_id).status is TicketStatus.OPEN


def test_every_response_carries_the_security_headers(browser):
    for path in ("/login", "/queue", "/static/app.css", "/no-such-page"):
        headers = browser.get(path, follow_redirects=False).headers
        assert headers["content-security-policy"] == CSP and "frame-ancestors 'none'" in CSP
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"


def test_what_a_talent_wrote_is_shown_as_text(browser):
    ticket_id = new_ticket(question='<script>alert("x")</script> 人才公寓 <img src=x onerror=alert(1)>')
    sign_in(browser, "staff-bole")
    for page in (browser.get("/queue"), browser.get(f"/tickets/{ticket_id}")):
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_a_ticket_is_claimed_answered_and_resolved_from_the_web(browser):
    ticket_id = new_ticket()
    sign_in(browser, "staff-bole")
    queue = browser.get("/queue?view=unassigned")
    assert ticket_id in queue.text and "首次响应" in queue.text
    page = browser.get(f"/tickets/{ticket_id}")
    assert "人才公寓怎么申请" in page.text and "张教授" in page.text and "抱歉，我转人工。" in page.text
    csrf = csrf_of(page.text)
    for verb, text in (("claim", ""), ("reply", "请带身份证到窗口办理。"), ("resolve", "已办结")):
        done = browser.post(f"/tickets/{ticket_id}/act", data={"verb": verb, "text": text, "csrf": csrf})
        assert done.status_code == 200 and f"?done={verb}" in str(done.url)
    with session_scope() as session:
        ticket = service.get_ticket(session, ticket_id=ticket_id)
        events = service.events_of(session, ticket_id=ticket_id)
        replies = session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id)).all()
        assert ticket.status is TicketStatus.RESOLVED and ticket.assignee_id == "staff-bole"
        assert [(e.action, e.via) for e in events[1:]] == [
            ("claim", "web"),
            ("reply", "web"),
            ("resolve", "web"),
        ]
        assert any(r.recipient == "telegram:42" and r.kind == "replied" for r in replies)
    history = browser.get(f"/tickets/{ticket_id}").text
    assert "请带身份证到窗口办理。" in history and "王窗口" in history


def test_a_refused_action_is_explained_on_the_page(browser):
    ticket_id = new_ticket()
    sign_in(browser, "staff-bole")
    csrf = csrf_of(browser.get(f"/tickets/{ticket_id}").text)
    response = browser.post(f"/tickets/{ticket_id}/act", data={"verb": "reply", "text": "您好", "csrf": csrf})
    assert response.status_code == 409 and "请先认领" in response.text


def test_the_interface_speaks_the_persons_language(browser):
    sign_in(browser, "staff-bole")
    page = browser.get("/queue")
    assert "工单" in page.text
    browser.post("/language", data={"csrf": csrf_of(page.text), "language": "en", "next": "/queue"})
    assert "Tickets" in browser.get("/queue").text
