"""The glue every page shares: templates, the signed-in person, CSRF, cookies and security headers."""

from __future__ import annotations

import functools
import html
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backoffice import accounts
from backoffice.accounts import SignedIn
from backoffice.i18n import translate
from backoffice.permissions import Capability, Forbidden, capabilities, require
from frontdesk.clock import format_local
from frontdesk.database import session_scope

log = logging.getLogger(__name__)

LOGIN_CSRF_COOKIE = "frontdesk_login_csrf"
MAX_FORM_BYTES = 256 * 1024  # a reply or note; the registry CSV has its own limit
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}

_TAG = re.compile(r"<[^>]+>")
Page = Callable[[Request, Session, SignedIn], Awaitable[Response]]


def session_cookie(secure: bool) -> str:
    """The session cookie's name: with Secure, the __Host- prefix binds it to this host and path /."""
    return "__Host-frontdesk" if secure else "frontdesk_session"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = format_local
    env.filters["plain"] = plain_text
    return env


def plain_text(text: str) -> str:
    """The assistant's Telegram HTML as plain text (autoescaping then shows it safely)."""
    return html.unescape(_TAG.sub("", text))


_environment = environment()


def render(
    request: Request,
    name: str,
    *,
    signed: SignedIn | None,
    status_code: int = 200,
    language: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page in the person's language (or the browser's before login)."""
    language = language or (signed.account.language if signed else preferred_language(request))

    def t(key: str, **values: Any) -> str:
        return translate(language, key, **values)

    granted = capabilities(signed) if signed else frozenset()

    html = _environment.get_template(name).render(
        request=request,
        signed=signed,
        can={capability.value: capability in granted for capability in Capability},
        csrf=signed.session.csrf_token if signed else context.pop("login_csrf", ""),
        lang=language,
        t=t,
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})


def preferred_language(request: Request) -> str:
    accepted = request.headers.get("accept-language", "").lower()
    return "en" if accepted.startswith("en") else "zh"


async def read_form(request: Request, *, file_bytes: int = 0) -> FormData:
    """The posted form, refused beyond MAX_FORM_BYTES (413); with `file_bytes`, one uploaded file of at most
    that size as well, and the body's length must be declared (411 otherwise). Unreadable: 400."""
    length = request.headers.get("content-length", "")
    if file_bytes and not length.isdigit():
        raise BadForm(411)
    if length.isdigit() and int(length) > MAX_FORM_BYTES + file_bytes:
        raise TooLarge
    try:
        return await request.form(
            max_files=1 if file_bytes else 0, max_fields=50, max_part_size=MAX_FORM_BYTES
        )
    except (MultiPartException, HTTPException):
        raise BadForm(400) from None


class BadForm(Exception):
    """A form that cannot be read: the status to answer."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class TooLarge(Exception):
    """A request body beyond the form limit."""


Endpoint = Callable[[Request], Awaitable[Response]]


def page(
    capability: Capability = Capability.WORK_TICKETS, *, file_bytes: int = 0
) -> Callable[[Page], Endpoint]:
    """A route for signed-in people with `capability`: one database transaction per request; a POST must
    carry the session's CSRF token (form field `csrf` or header X-CSRF-Token), and may upload one file of
    at most `file_bytes`; nobody signed in → login (a POST or a fragment: 401, its body unread)."""

    def decorate(handler: Page) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            secure = request.app.state.secure_cookies
            with session_scope() as db:
                signed = accounts.signed_in(db, token=request.cookies.get(session_cookie(secure)))
                if signed is None:
                    if request.method != "GET" or request.headers.get("x-fragment"):
                        return Response(status_code=401)
                    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
                try:
                    require(signed, capability)
                    if request.method == "POST":
                        await check_csrf(request, signed, file_bytes=file_bytes)
                    return await handler(request, db, signed)
                except Forbidden:
                    return render(request, "error.html", signed=signed, status_code=403, message="forbidden")
                except CsrfFailed:
                    log.warning("CSRF check failed for %s on %s", signed.person.id, request.url.path)
                    return render(request, "error.html", signed=signed, status_code=403, message="csrf")
                except TooLarge:
                    return render(request, "error.html", signed=signed, status_code=413, message="too_large")
                except BadForm as bad:
                    return Response(status_code=bad.status)

        return endpoint

    return decorate


class CsrfFailed(Exception):
    """A state change without the session's CSRF token."""


async def check_csrf(request: Request, signed: SignedIn, *, file_bytes: int = 0) -> None:
    provided = request.headers.get("x-csrf-token")
    if provided is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await read_form(request, file_bytes=file_bytes)
        value = form.get("csrf")
        provided = value if isinstance(value, str) else None
    if not accounts.csrf_valid(signed, provided=provided):
        raise CsrfFailed


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)
