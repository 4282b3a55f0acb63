"""The web chat's ASGI application: `create_app(settings)`; served by `python -m webchat serve`.

The contract between the page (static/chat.js) and this server:

Pages (HTML with a strict CSP: default-src 'self', no inline script, frame-ancestors from
WEBCHAT_EMBED_ORIGINS): `/` the chat, Chinese first (`?lang=en`); `/kiosk` the same in kiosk mode; `?embed=1`
inside the district site's frame; `/embed.js` the snippet that site loads (static/embed.js); `/static/…`
the page's CSS and script.

Session: `POST /api/session` `{}` → `{"token", "sender": "web:<22 url-safe chars>"}`; the token (the sender id
signed with HMAC) goes in `X-Chat-Token` on every other call: no cookies, so no CSRF. Missing or forged → 401
`{"error": "session"}`. A kiosk reset asks a new session; the old conversation stays for staff.

API (JSON, `Content-Type: application/json` on POST → else 415, body ≤ 16 KB → else 413; errors are
`{"error": code, "text": message in the person's language}`; the language is `?lang=` or Accept-Language):
- `POST /api/messages` `{"text"}` (always text, even if it looks like a payload; > 4000 characters → 413) or
  `{"payload", "title"}` (a button: only payloads signed by the assistant, and "ask as a new question")
  → `{"messages": [...]}`, the replies of the turn; the assistant down or slow → the system message with the
  ticket's number (custom `{"type": "ticket", "ticket_id"}`).
- `GET /api/messages?after=<id>` → every message of the conversation after id (0: all): the talent's, the
  assistant's, staff replies and ticket news delivered later from the outbox.
- `POST /api/votes` `{"message", "helpful"}` → `{"ok": true}` on the conversation's own kb_answer message.
- `POST /api/callback` `{"ticket", "phone"}` → `{"ok": true}`: a mobile number for a call-back on the
  talent's own ticket, stored encrypted; staff see 138****1234 in the ticket's history.
- `POST /api/ticket-status` `{"ticket", "last4"}` → `{"ticket", "status", "text"}`, or 404
  `{"error": "not_found"}` alike for a wrong number and wrong digits.
- 429 `rate_limited` with Retry-After: limits per session, per session's messages, per client address, and
  for status checks (WEBCHAT_*_LIMIT).

Message: `{"id", "who": talent|assistant|staff|system, "text" (plain; the page escapes it), "buttons":
[{"title", "payload"}], "custom": {...} | null, "at": "…Z", "votable"}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.flows import choose_language
from bot.rasa_client import RasaClient, RasaUnavailable
from feedback import service as feedback
from frontdesk.config import Settings
from frontdesk.database import get_engine, session_scope
from frontdesk.http_headers import SecurityHeaders
from frontdesk.vocabulary import STATUS_LABELS
from tickets import callbacks
from tickets.service import TICKET_ID_PATTERN
from webchat import delivery, flows, service
from webchat.models import WebchatMessage
from webchat.ratelimit import RateLimiter
from webchat.sessions import CHANNEL, TOKEN_HEADER, new_session, sender_of

log = logging.getLogger(__name__)

FOLDER = Path(__file__).parent
MAX_BODY_BYTES = 16 * 1024
MESSAGE_LIMIT = 4000
MAX_PAYLOAD_CHARS = 2000  # a button's signed payload
MAX_TITLE_CHARS = 200
# Every response's headers besides its CSP (the page may be framed only by WEBCHAT_EMBED_ORIGINS).
PAGE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
CLIENT_KEY = re.compile(r"[A-Za-z0-9_-]{8,40}")  # the page's own id of a message, the same when it retries
LANGUAGES = ("zh", "en")
_ORIGIN = re.compile(r"^('self'|'none'|https?://[A-Za-z0-9.-]+(:\d{1,5})?|https://\*\.[A-Za-z0-9.-]+)$")
ERRORS = {
    "session": ("会话已失效，请刷新页面。", "The session has expired; please reload the page."),
    "unsupported_media_type": ("请求格式不正确。", "The request must be JSON."),
    "too_large": ("内容太长了。", "That is too long."),
    "too_long": (
        f"消息太长了，请控制在 {MESSAGE_LIMIT} 字以内。",
        f"The message is too long: at most {MESSAGE_LIMIT} characters, please.",
    ),
    "bad_request": ("请求内容不正确。", "The request is not as expected."),
    "bad_button": (
        "这个按钮已失效，请直接输入您的问题。",
        "This button no longer works; please type your question.",
    ),
    "bad_phone": (
        "请输入11位中国大陆手机号（以1开头）。",
        "Please enter an 11-digit mainland mobile number.",
    ),
    "not_found": (
        "没有找到这个工单，或手机号后四位不对。",
        "No such ticket, or the last four digits do not match.",
    ),
    "not_resolved": ("工单办结后才能评价。", "A ticket can be rated once it is resolved."),
    "rate_limited": ("操作太频繁了，请稍后再试。", "Too many requests; please wait a moment."),
    "unavailable": ("服务暂时不可用，请稍后再试。", "The service is unavailable just now; please try again."),
}
STATUS_TEXT = ("工单 {ticket} 当前状态：{label}。", "Ticket {ticket} is now: {label}.")


class ApiError(Exception):
    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.headers = status, code, headers or {}


def content_security_policy(embed_origins: str) -> str:
    origins = embed_origins.split()
    if not origins or not all(_ORIGIN.match(origin) for origin in origins):
        raise ValueError(f"WEBCHAT_EMBED_ORIGINS: 'self', 'none' or https:// origins, got {embed_origins!r}")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"frame-ancestors {' '.join(origins)}; base-uri 'none'; form-action 'self'; object-src 'none'"
    )


# -- helpers -------------------------------------------------------------------------------------------------


def language_of(request: Request) -> str:
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "zh"


def error(request: Request, status: int, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    zh, en = ERRORS[code]
    body = {"error": code, "text": en if language_of(request) == "en" else zh}
    return JSONResponse(body, status_code=status, headers={"cache-control": "no-store", **(headers or {})})


def ok(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers={"cache-control": "no-store"})


def as_json(row: WebchatMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "who": str(row.who),
        "text": row.text,
        "buttons": row.buttons or [],
        "custom": row.custom,
        "at": row.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "votable": service.is_votable(row.custom),
    }


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object: 415 unless declared JSON, 413 past MAX_BODY_BYTES, 400 if not an object."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, "unsupported_media_type")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(413, "too_large")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "bad_request") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request")
    return data


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


Handler = Callable[[Request, str], Awaitable[Response]]


def _lock_for(app: Starlette, sender: str) -> asyncio.Lock:
    """One turn at a time per conversation, so that replies keep the order of the questions."""
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = app.state.locks
    lock = locks.get(sender)
    if lock is None:
        lock = locks[sender] = asyncio.Lock()
    return lock


# -- the application -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pages() -> Environment:
    return Environment(
        loader=FileSystemLoader(FOLDER / "templates"), autoescape=select_autoescape(default=True)
    )


@lru_cache(maxsize=len(LANGUAGES))
def page_texts(language: str) -> dict[str, str]:
    return yaml.safe_load((FOLDER / "locales" / f"{language}.yml").read_text(encoding="utf-8"))


def create_app(settings: Settings, *, rasa: RasaClient | None = None, deliver: bool = True) -> Starlette:
    """The web chat; `rasa`: the assistant (a client of Rasa's REST channel from the settings when None);
    `deliver`: run the outbox delivery for web talents in this process."""
    limiter = RateLimiter(settings)
    limits = limiter.limits
    secret = settings.registry_secret.get_secret_value()

    def api(*, session: bool = True) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
        """An API endpoint: the per-address limit counted, the session's token checked (unless `session`
        false) and the per-session limit counted, and its errors as JSON."""

        def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                address = (limits.address, f"address:{client_address(request)}")
                if (wait := limiter.hit(address)) is not None:  # forged tokens count too
                    return error(request, 429, "rate_limited", {"retry-after": str(wait)})
                sender = ""
                if session:
                    found = sender_of(settings, request.headers.get(TOKEN_HEADER))
                    if found is None:
                        return error(request, 401, "session")
                    sender = found
                    if (wait := limiter.hit((limits.session, f"session:{sender}"))) is not None:
                        return error(request, 429, "rate_limited", {"retry-after": str(wait)})
                try:
                    return await handler(request, sender)
                except ApiError as exc:
                    return error(request, exc.status, exc.code, exc.headers)

            return endpoint

        return decorate

    def limited(*checks: tuple[Any, str]) -> None:
        if (wait := limiter.hit(*checks)) is not None:
            raise ApiError(429, "rate_limited", {"retry-after": str(wait)})

    async def page(request: Request) -> Response:
        language = request.query_params.get("lang", "zh")
        language = language if language in LANGUAGES else "zh"
        html = (
            _pages()
            .get_template("chat.html")
            .render(
                language=language,
                kiosk=request.url.path == "/kiosk",
                embed=request.query_params.get("embed") == "1",
                texts=page_texts(language),
            )
        )
        return HTMLResponse(html, headers={"cache-control": "no-store"})

    async def embed_script(_: Request) -> Response:
        return FileResponse(FOLDER / "static" / "embed.js", media_type="text/javascript")

    async def live(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> Response:
        """Ready when the database answers."""
        try:
            with get_engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse(
                {"status": "database unavailable", "error": type(exc).__name__}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    @api(session=False)
    async def open_session(request: Request, _: str) -> Response:
        await read_json(request)
        token, sender = new_session(settings)
        log.info("web-chat session %s opened", sender)
        return ok({"token": token, "sender": sender})

    def _history(sender: str, after: int) -> list[dict[str, Any]]:
        with session_scope() as db:
            return [as_json(row) for row in service.messages_after(db, sender_id=sender, after=after)]

    @api()
    async def history(request: Request, sender: str) -> Response:
        after = request.query_params.get("after", "0")
        if not after.isdigit():
            raise ApiError(400, "bad_request")
        return ok({"messages": await asyncio.to_thread(_history, sender, int(after))})

    @api()
    async def say(request: Request, sender: str) -> Response:
        data = await read_json(request)
        typed, payload, title = data.get("text"), data.get("payload"), data.get("title")
        key = data.get("key")
        if key is not None and not (isinstance(key, str) and CLIENT_KEY.fullmatch(key)):
            raise ApiError(400, "bad_request")
        if isinstance(typed, str) and payload is None:
            if len(typed) > MESSAGE_LIMIT:
                raise ApiError(413, "too_long")
            if not typed.strip():
                raise ApiError(400, "bad_request")
        elif not (isinstance(payload, str) and isinstance(title, str) and typed is None):
            raise ApiError(400, "bad_request")
        elif len(payload) > MAX_PAYLOAD_CHARS or len(title) > MAX_TITLE_CHARS:
            raise ApiError(413, "too_large")
        limited((limits.message, f"message:{sender}"))
        client: RasaClient = request.app.state.rasa
        async with _lock_for(request.app, sender):
            if isinstance(typed, str):
                rows = await flows.typed(client, settings, sender_id=sender, text=typed, key=key)
            else:
                pressed = await flows.pressed(
                    client, settings, sender_id=sender, payload=str(payload), title=str(title), key=key
                )
                if pressed is None:
                    raise ApiError(400, "bad_button")
                rows = pressed
        return ok({"messages": [as_json(row) for row in rows]})

    @api()
    async def choose(request: Request, sender: str) -> Response:
        """The talent's language: the page's texts, the assistant's menus and the notices follow it."""
        language = (await read_json(request)).get("language")
        if language not in LANGUAGES:
            raise ApiError(400, "bad_request")
        await asyncio.to_thread(choose_language, sender_id=sender, language=language)
        client: RasaClient = request.app.state.rasa
        try:
            await client.set_slot(sender, "language", language)
        except RasaUnavailable as exc:  # the chosen language still holds for the channel's own texts
            log.warning("could not set the language slot of %s: %s", sender, exc)
        return ok({"ok": True})

    def _vote(sender: str, message_id: int, helpful: bool) -> bool:
        with session_scope() as db:
            row = service.votable_message(db, sender_id=sender, message_id=message_id)
            if row is None or row.custom is None:
                return False
            feedback.vote(
                db,
                channel=CHANNEL,
                sender_id=sender,
                message_ref=str(row.id),
                article_id=str(row.custom["article_id"]),
                version=int(row.custom["version"]),
                helpful=helpful,
            )
            return True

    @api()
    async def vote(request: Request, sender: str) -> Response:
        data = await read_json(request)
        message_id, helpful = data.get("message"), data.get("helpful")
        if not isinstance(message_id, int) or isinstance(message_id, bool) or not isinstance(helpful, bool):
            raise ApiError(400, "bad_request")
        if not await asyncio.to_thread(_vote, sender, message_id, helpful):
            raise ApiError(404, "not_found")
        return ok({"ok": True})

    def _rate(sender: str, ticket_id: str, score: int) -> feedback.Rated:
        with session_scope() as db:
            return feedback.rate_ticket(db, ticket_id=ticket_id, sender_id=sender, score=score)

    @api()
    async def rate(request: Request, sender: str) -> Response:
        """The talent's 1–5 satisfaction with their resolved ticket (once; their own tickets only)."""
        data = await read_json(request)
        ticket_id, score = data.get("ticket"), data.get("score")
        if not isinstance(ticket_id, str) or not isinstance(score, int) or isinstance(score, bool):
            raise ApiError(400, "bad_request")
        if not TICKET_ID_PATTERN.match(ticket_id.strip().upper()):
            raise ApiError(404, "not_found")
        rated = await asyncio.to_thread(_rate, sender, ticket_id, score)
        if rated in (feedback.Rated.NO_TICKET, feedback.Rated.NOT_THEIRS):
            raise ApiError(404, "not_found")
        if rated is feedback.Rated.BAD_SCORE:
            raise ApiError(400, "bad_request")
        if rated is feedback.Rated.NOT_RESOLVED:
            raise ApiError(409, "not_resolved")
        return ok({"ok": True, "already": rated is feedback.Rated.ALREADY_RATED})

    def _leave_phone(sender: str, ticket_id: str, phone: str) -> bool:
        with session_scope() as db:
            try:
                callbacks.leave_phone(db, sender_id=sender, ticket_id=ticket_id, phone=phone, secret=secret)
            except callbacks.NotTheirs:
                return False
            return True

    @api()
    async def callback(request: Request, sender: str) -> Response:
        data = await read_json(request)
        ticket_id, phone = data.get("ticket"), data.get("phone")
        if not isinstance(ticket_id, str) or not isinstance(phone, str):
            raise ApiError(400, "bad_request")
        digits = re.sub(r"[\s-]", "", phone).removeprefix("+86")
        if not callbacks.MOBILE.match(digits):
            raise ApiError(400, "bad_phone")
        if not TICKET_ID_PATTERN.match(ticket_id.strip().upper()):
            raise ApiError(404, "not_found")
        if not await asyncio.to_thread(_leave_phone, sender, ticket_id, digits):
            raise ApiError(404, "not_found")
        log.info("call-back phone left on ticket %s by %s", ticket_id.strip().upper(), sender)
        return ok({"ok": True})

    def _status(ticket_id: str, last4: str) -> str | None:
        with session_scope() as db:
            ticket = callbacks.ticket_for_status(db, ticket_id=ticket_id, last4=last4, secret=secret)
            return str(ticket.status) if ticket else None

    @api()
    async def ticket_status(request: Request, sender: str) -> Response:
        data = await read_json(request)
        ticket_id, last4 = data.get("ticket"), data.get("last4")
        if not isinstance(ticket_id, str) or not isinstance(last4, str):
            raise ApiError(400, "bad_request")
        limited(
            (limits.status, f"status:{sender}"), (limits.status, f"status-address:{client_address(request)}")
        )
        ticket_id = ticket_id.strip().upper()
        status = None
        if TICKET_ID_PATTERN.match(ticket_id) and re.fullmatch(r"\d{4}", last4):
            status = await asyncio.to_thread(_status, ticket_id, last4)
        if status is None:
            raise ApiError(404, "not_found")
        language = language_of(request)
        label = STATUS_LABELS[language].get(status, status)
        zh, en = STATUS_TEXT
        message = (en if language == "en" else zh).format(ticket=ticket_id, label=label)
        return ok({"ticket": ticket_id, "status": status, "text": message})

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return error(request, 404, "not_found")
        return HTMLResponse("Not Found", status_code=404)

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 405
        return JSONResponse({"error": "method_not_allowed"}, status_code=status)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.rasa = rasa or RasaClient.from_settings(settings)
        app.state.locks = weakref.WeakValueDictionary()
        stop = asyncio.Event()
        deliverer = asyncio.create_task(delivery.run(settings, stop=stop)) if deliver else None
        try:
            yield
        finally:
            stop.set()
            if deliverer is not None:
                await deliverer
            await app.state.rasa.close()

    return Starlette(
        routes=[
            Route("/", page),
            Route("/kiosk", page),
            Route("/embed.js", embed_script),
            Route("/healthz", live),
            Route("/readyz", ready),
            Route("/api/session", open_session, methods=["POST"]),
            Route("/api/messages", history, methods=["GET"]),
            Route("/api/messages", say, methods=["POST"]),
            Route("/api/votes", vote, methods=["POST"]),
            Route("/api/ratings", rate, methods=["POST"]),
            Route("/api/language", choose, methods=["POST"]),
            Route("/api/callback", callback, methods=["POST"]),
            Route("/api/ticket-status", ticket_status, methods=["POST"]),
            Mount("/static", StaticFiles(directory=FOLDER / "static"), name="static"),
        ],
        middleware=[
            Middleware(
                SecurityHeaders,
                headers={
                    **PAGE_HEADERS,
                    "content-security-policy": content_security_policy(settings.webchat_embed_origins),
                },
                strict_transport=settings.secure_cookies,
            )
        ],
        exception_handlers={404: not_found, 405: method_not_allowed},
        lifespan=lifespan,
    )
