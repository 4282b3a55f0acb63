"""The back office's ASGI application: `create_app(settings)`; served by `python -m backoffice serve`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from backoffice import (
    admin_pages,
    analytics_pages,
    auth_pages,
    editor_pages,
    inbox_pages,
    leader_pages,
    ticket_pages,
)
from backoffice.web import SECURITY_HEADERS, render
from frontdesk.config import Settings
from frontdesk.database import get_engine
from frontdesk.http_headers import SecurityHeaders

STATIC = Path(__file__).parent / "static"


async def home(_: Request) -> Response:
    return RedirectResponse("/queue", status_code=303)


async def live(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def ready(_: Request) -> Response:
    """Ready when the database answers."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse({"status": "database unavailable", "error": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok"})


async def not_found(request: Request, _: Exception) -> Response:
    return render(request, "error.html", signed=None, status_code=404, message="not_found")


def create_app(settings: Settings) -> Starlette:
    secure = settings.secure_cookies
    app = Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", live),
            Route("/readyz", ready),
            Route("/login", auth_pages.login, methods=["GET", "POST"]),
            Route("/logout", auth_pages.logout, methods=["POST"]),
            Route("/language", auth_pages.language, methods=["POST"]),
            Route("/queue", ticket_pages.queue),
            Route("/queue/events", ticket_pages.queue_events),
            Route("/tickets/{ticket_id}", ticket_pages.ticket_detail),
            Route("/tickets/{ticket_id}/act", ticket_pages.ticket_action, methods=["POST"]),
            Route("/tickets/{ticket_id}/callback-number", ticket_pages.callback_number, methods=["POST"]),
            Route("/leaders", leader_pages.workspace),
            Route("/leaders/talents/{card}", leader_pages.talent_detail),
            Route("/leaders/talents/{card}/contacts", leader_pages.record_contact, methods=["POST"]),
            Route("/admin", admin_pages.home),
            Route("/admin/people", admin_pages.people),
            Route("/admin/people/new", admin_pages.new_person, methods=["GET", "POST"]),
            Route("/admin/people/{person_id}/edit", admin_pages.edit_person, methods=["GET", "POST"]),
            Route("/admin/people/{person_id}/deactivate", admin_pages.deactivate_person, methods=["POST"]),
            Route("/admin/people/{person_id}/account", admin_pages.create_account, methods=["POST"]),
            Route("/admin/people/{person_id}/password", admin_pages.reset_password, methods=["POST"]),
            Route("/admin/pairs", admin_pages.pairs, methods=["GET", "POST"]),
            Route("/admin/pairs/{pair_id:int}/remove", admin_pages.remove_pair, methods=["POST"]),
            Route("/admin/talents", admin_pages.talents),
            Route("/admin/talents/import", admin_pages.import_talents, methods=["POST"]),
            Route("/admin/calendar", admin_pages.calendar),
            Route("/admin/calendar/{year:int}", admin_pages.replace_year, methods=["POST"]),
            Route("/admin/calendar/{year:int}/day", admin_pages.set_day, methods=["POST"]),
            Route("/admin/calendar/{year:int}/remove", admin_pages.remove_day, methods=["POST"]),
            Route("/admin/office-hours", admin_pages.office_hours, methods=["POST"]),
            Route("/admin/audit", admin_pages.audit_log),
            Route("/editor/articles", editor_pages.articles),
            Route("/editor/articles/new", editor_pages.new_article, methods=["GET", "POST"]),
            Route("/editor/articles/{article_id}", editor_pages.article),
            Route("/editor/articles/{article_id}/diff", editor_pages.compare),
            Route("/editor/articles/{article_id}/edit", editor_pages.edit, methods=["GET", "POST"]),
            Route("/editor/articles/{article_id}/review", editor_pages.review_step, methods=["POST"]),
            Route("/editor/inbox", inbox_pages.groups),
            Route("/editor/inbox/{group}", inbox_pages.group_detail),
            Route("/editor/inbox/{group}/keywords", inbox_pages.add_keywords, methods=["POST"]),
            Route("/editor/inbox/{group}/examples", inbox_pages.mark_examples, methods=["POST"]),
            Route("/editor/articles/{article_id}/rollback", editor_pages.rollback, methods=["POST"]),
            Route("/editor/articles/{article_id}/retire", editor_pages.retire, methods=["POST"]),
            Route("/editor/articles/{article_id}/versions/{version:int}", editor_pages.version_page),
            Route("/analytics", analytics_pages.analytics),
            Route("/analytics/{table}.csv", analytics_pages.export),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders, headers=SECURITY_HEADERS, strict_transport=secure)],
        exception_handlers={404: not_found},
    )
    app.state.secure_cookies = secure
    app.state.registry_secret = settings.registry_secret.get_secret_value()
    return app
