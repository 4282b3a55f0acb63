"""Signing in and out, and the interface language."""

from __future__ import annotations

import hmac
import logging

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backoffice import accounts
from backoffice.accounts import SignedIn
from backoffice.web import (
    LOGIN_CSRF_COOKIE,
    TooLarge,
    new_login_csrf,
    page,
    read_form,
    render,
    session_cookie,
)
from frontdesk.database import session_scope

log = logging.getLogger(__name__)


def _safe_next(target: str | None) -> str:
    """Only a path of this site to go on to after login (no //host, no scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


def _login_form(request: Request, *, status_code: int = 200, failed: bool = False) -> Response:
    token = new_login_csrf()
    response = render(
        request,
        "login.html",
        signed=None,
        status_code=status_code,
        login_csrf=token,
        failed=failed,
        next=_safe_next(request.query_params.get("next")),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies,
        path="/login",
    )
    return response


async def login(request: Request) -> Response:
    if request.method == "GET":
        return _login_form(request)
    try:
        form = await read_form(request)
    except TooLarge:
        return Response(status_code=413)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    provided = str(form.get("csrf", ""))
    if not expected or not hmac.compare_digest(expected.encode(), provided.encode()):
        log.warning("login refused: CSRF token missing or wrong")
        return _login_form(request, status_code=403, failed=True)
    person_id, password = str(form.get("person_id", ""))[:60], str(form.get("password", ""))[:200]
    with session_scope() as db:
        account = accounts.authenticate(db, person_id=person_id, password=password)
        token = accounts.open_session(db, account=account) if account is not None else None
    if token is None:
        log.warning("login failed for an account id of %d characters", len(person_id))
        return _login_form(request, status_code=401, failed=True)
    log.info("%s signed in", person_id)
    secure = request.app.state.secure_cookies
    response = RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)
    response.set_cookie(
        session_cookie(secure),
        token,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
        max_age=int(accounts.SESSION_LIMIT.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@page()
async def logout(request: Request, db: Session, signed: SignedIn) -> Response:
    secure = request.app.state.secure_cookies
    accounts.close_session(db, token=request.cookies.get(session_cookie(secure)))
    log.info("%s signed out", signed.person.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session_cookie(secure), path="/", secure=secure, httponly=True, samesite="strict")
    return response


@page()
async def language(request: Request, db: Session, signed: SignedIn) -> Response:
    form = await read_form(request)
    try:
        accounts.set_language(db, account=signed.account, language=str(form.get("language", "")))
    except accounts.AccountError:
        return Response(status_code=400)
    return RedirectResponse(_safe_next(request.headers.get("x-return-to") or str(form.get("next", ""))), 303)
