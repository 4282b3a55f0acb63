"""The permission matrix of the back office: every route of the application × every role (nobody signed in,
window staff of the ticket's district, window staff of another district, a department officer, a contact
leader, an administrator, a policy editor) × in and out of the person's scope for the routes about one
ticket or one talent, each cell with the status it must answer (SQLite and PostgreSQL).

The routes are read from the application itself: a route without a row here fails
test_every_route_of_the_application_has_a_row, so a new page cannot ship without its permissions."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from backoffice import accounts, ticket_pages
from backoffice.app import create_app
from frontdesk.config import Settings
from frontdesk.database import session_scope
from people import roster
from policies_kb import service as kb_service
from policies_kb.files import load_directory
from tests.backoffice.conftest import csrf_of, new_ticket, sign_in
from tickets import callbacks
from tickets.models import Ticket

ANONYMOUS, STAFF_HERE, STAFF_ELSEWHERE, OFFICER, LEADER, ADMIN, EDITOR = ROLES = (
    "anonymous", "staff of the ticket's district", "staff of another district", "officer", "contact leader",
    "administrator", "policy editor",
)  # fmt: skip
SIGNED = ROLES[1:]
PERSON = {
    STAFF_HERE: "staff-bole",
    STAFF_ELSEWHERE: "staff-jinghe",
    OFFICER: "officer-jinghe",  # a department officer for 精河县, not an administrator
    LEADER: "leader-bole",  # keeps in contact with BZ2026A001
    ADMIN: "officer-hr",  # the administrator, an officer for every district
    EDITOR: "editor-kb",  # window staff of 精河县 whose account may edit policy articles (--editor)
}
EXTRA_ROSTER = """
- {id: officer-jinghe, name: 郑科长, role: officer, districts: [精河县], topics: [all]}
- {id: staff-spare, name: 冯窗口, role: staff, districts: [温泉县], topics: [all]}
- {id: editor-kb, name: 吴编辑, role: staff, districts: [精河县], topics: [all]}
"""
# the ticket each role has in its scope, and one outside it (see `desk`)
IN_SCOPE = {
    STAFF_HERE: "bole",
    STAFF_ELSEWHERE: "jinghe",
    OFFICER: "jinghe",
    LEADER: "bole",
    ADMIN: "bole",
    EDITOR: "jinghe",
}
OUT_OF_SCOPE = {
    STAFF_HERE: "jinghe",
    STAFF_ELSEWHERE: "bole",
    OFFICER: "bole",
    LEADER: "jinghe",
    ADMIN: "top",
    EDITOR: "bole",
}
CARD = {"in": "BZ2026A001", "out": "BZ2026C002"}  # the contact leader's talent, and another leader's
ARTICLE = "talent-apartment-bole"  # published once (v1) in `desk`
NO_GROUP = "0123456789ab"  # no unanswered message in `desk`: no inbox group


@dataclass(frozen=True)
class Row:
    """What a route answers: `status[role]`, or `(in scope, out of scope)` for routes about one ticket or
    talent; the request's path parameters and form."""

    status: dict[str, int | tuple[int, int]]
    params: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)

    @property
    def scoped(self) -> bool:
        return any(isinstance(value, tuple) for value in self.status.values())


def public(status: int) -> dict[str, int | tuple[int, int]]:
    return {role: status for role in ROLES}


def signed_in(status: int | tuple[int, int], *, method: str, roles: tuple[str, ...] = SIGNED):
    """Signed-in `roles` get `status`, other signed-in people 403; nobody signed in: to the login page
    (GET) or 401."""
    anonymous: int | tuple[int, int] = 303 if method == "GET" else 401
    if isinstance(status, tuple):
        anonymous = (anonymous, anonymous)
        refused: int | tuple[int, int] = (403, 403)
    else:
        refused = 403
    return {ANONYMOUS: anonymous} | {role: status if role in roles else refused for role in SIGNED}


def leaders(status, method: str):
    return signed_in(status, method=method, roles=(LEADER,))


def admins(status: int, method: str):
    return signed_in(status, method=method, roles=(ADMIN,))


def editors(status, method: str):
    return signed_in(status, method=method, roles=(EDITOR,))


MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/"): Row(public(303)),
    ("GET", "/healthz"): Row(public(200)),
    ("GET", "/readyz"): Row(public(200)),
    ("GET", "/login"): Row(public(200)),
    ("POST", "/login"): Row(public(403), data={"person_id": "staff-bole", "password": "x"}),  # no login CSRF
    ("POST", "/language"): Row(signed_in(303, method="POST"), data={"language": "zh", "next": "/queue"}),
    ("GET", "/queue"): Row(signed_in(200, method="GET")),
    ("GET", "/queue/events"): Row(signed_in(200, method="GET")),
    ("GET", "/tickets/{ticket_id}"): Row(signed_in((200, 403), method="GET")),
    ("POST", "/tickets/{ticket_id}/act"): Row(
        signed_in((303, 403), method="POST"), data={"verb": "note", "text": "权限测试"}
    ),
    ("POST", "/tickets/{ticket_id}/callback-number"): Row(signed_in((200, 403), method="POST")),
    ("GET", "/leaders"): Row(leaders(200, "GET")),
    ("GET", "/leaders/talents/{card}"): Row(leaders((200, 404), "GET")),
    ("POST", "/leaders/talents/{card}/contacts"): Row(
        leaders((303, 404), "POST"), data={"kind": "call", "note": "电话回访"}
    ),
    ("GET", "/admin"): Row(admins(200, "GET")),
    ("GET", "/admin/people"): Row(admins(200, "GET")),
    ("GET", "/admin/people/new"): Row(admins(200, "GET")),
    ("POST", "/admin/people/new"): Row(admins(400, "POST")),  # an empty form: every field named
    ("GET", "/admin/people/{person_id}/edit"): Row(admins(200, "GET"), params={"person_id": "staff-bole"}),
    ("POST", "/admin/people/{person_id}/edit"): Row(admins(400, "POST"), params={"person_id": "staff-spare"}),
    ("POST", "/admin/people/{person_id}/deactivate"): Row(
        admins(303, "POST"), params={"person_id": "staff-spare"}
    ),
    ("POST", "/admin/people/{person_id}/account"): Row(
        admins(400, "POST"), params={"person_id": "staff-spare"}
    ),
    ("POST", "/admin/people/{person_id}/password"): Row(
        admins(400, "POST"), params={"person_id": "staff-spare"}
    ),
    ("GET", "/admin/pairs"): Row(admins(200, "GET")),
    ("POST", "/admin/pairs"): Row(admins(400, "POST")),
    ("POST", "/admin/pairs/{pair_id:int}/remove"): Row(admins(404, "POST"), params={"pair_id:int": "999999"}),
    ("GET", "/admin/talents"): Row(admins(200, "GET")),
    ("POST", "/admin/talents/import"): Row(admins(400, "POST")),  # no file
    ("GET", "/admin/calendar"): Row(admins(200, "GET")),
    ("POST", "/admin/calendar/{year:int}"): Row(
        admins(303, "POST"), params={"year:int": "2027"}, data={"lines": "2027-01-01 holiday 元旦"}
    ),
    ("POST", "/admin/calendar/{year:int}/day"): Row(admins(400, "POST"), params={"year:int": "2027"}),
    ("POST", "/admin/calendar/{year:int}/remove"): Row(
        admins(303, "POST"), params={"year:int": "2027"}, data={"day": "2027-01-01"}
    ),
    ("POST", "/admin/office-hours"): Row(
        admins(303, "POST"), data={"office_hours": "10:00-14:00,16:00-20:00", "action": "save"}
    ),
    ("GET", "/admin/audit"): Row(admins(200, "GET")),
    ("GET", "/editor/articles"): Row(editors(200, "GET")),
    ("GET", "/editor/articles/new"): Row(editors(200, "GET")),
    ("POST", "/editor/articles/new"): Row(editors(400, "POST")),  # an empty form: every field named
    ("GET", "/editor/articles/{article_id}"): Row(editors(200, "GET"), params={"article_id": ARTICLE}),
    ("GET", "/editor/articles/{article_id}/diff"): Row(editors(200, "GET"), params={"article_id": ARTICLE}),
    ("GET", "/editor/articles/{article_id}/edit"): Row(editors(200, "GET"), params={"article_id": ARTICLE}),
    ("POST", "/editor/articles/{article_id}/edit"): Row(  # an empty form: every field named, nothing saved
        editors(400, "POST"), params={"article_id": ARTICLE}, data={"base": "1"}
    ),
    ("POST", "/editor/articles/{article_id}/review"): Row(  # v1 is published: no review step fits it
        editors(409, "POST"), params={"article_id": ARTICLE}, data={"version": "1", "step": "submit"}
    ),
    ("POST", "/editor/articles/{article_id}/rollback"): Row(  # v1 is the newest: nothing older to go back to
        editors(400, "POST"), params={"article_id": ARTICLE}, data={"version": "1"}
    ),
    ("POST", "/editor/articles/{article_id}/retire"): Row(  # without the reason: refused, nothing retired
        editors(400, "POST"), params={"article_id": ARTICLE}, data={"note": ""}
    ),
    ("GET", "/editor/articles/{article_id}/versions/{version:int}"): Row(
        editors(200, "GET"), params={"article_id": ARTICLE, "version:int": "1"}
    ),
    ("GET", "/editor/inbox"): Row(editors(200, "GET")),
    ("GET", "/editor/inbox/{group}"): Row(editors(404, "GET"), params={"group": NO_GROUP}),
    ("POST", "/editor/inbox/{group}/keywords"): Row(editors(404, "POST"), params={"group": NO_GROUP}),
    ("POST", "/editor/inbox/{group}/examples"): Row(editors(404, "POST"), params={"group": NO_GROUP}),
    ("GET", "/analytics"): Row(signed_in(200, method="GET", roles=(OFFICER, ADMIN, EDITOR))),
    ("GET", "/analytics/{table}.csv"): Row(
        signed_in(200, method="GET", roles=(OFFICER, ADMIN, EDITOR)), params={"table": "districts"}
    ),
    ("GET", "/static"): Row(public(200), params={"": "app.css"}),
    ("POST", "/logout"): Row(signed_in(303, method="POST")),  # last: it ends the session
}


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, Route):
            found |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
        elif isinstance(route, Mount):
            found.add(("GET", route.path))
    return found


def test_every_route_of_the_application_has_a_row():
    app = create_app(Settings(_env_file=None, backoffice_secure_cookies=False))
    routes = _routes(app)
    assert sorted(routes - MATRIX.keys()) == [], "routes without a row in the permission matrix"
    assert sorted(MATRIX.keys() - routes) == [], "rows for routes the application no longer has"
    for key, row in MATRIX.items():
        assert set(row.status) == set(ROLES), key


@pytest.fixture
def desk(office_database):
    """An officer who is not an administrator, a person to administer, a policy editor, one published
    article, and three tickets: one in 博乐市 of the contact leader's talent, one in 精河县, and one in 博乐市
    escalated to the leaders' level."""
    with session_scope() as session:
        assert not roster.import_roster(session, text=EXTRA_ROSTER, fmt="yaml").problems
        accounts.create_account(session, person_id="officer-jinghe", password="correct horse battery")
        accounts.create_account(session, person_id="editor-kb", password="correct horse battery", editor=True)
        content = next(a for a in load_directory().articles.values() if a.id == ARTICLE)
        kb_service.import_draft(session, content=content, editor="王编辑")
        kb_service.publish(session, article_id=ARTICLE, editor="王编辑", note="首次发布")
    tickets = {"bole": new_ticket(), "jinghe": new_ticket(district="精河县"), "top": new_ticket()}
    with session_scope() as session:
        session.get(Ticket, tickets["top"]).escalation_level = 3
        secret = Settings(_env_file=None).registry_secret.get_secret_value()
        for ticket_id in tickets.values():  # each left a call-back number in the web chat
            sender = session.get(Ticket, ticket_id).sender_id
            callbacks.leave_phone(
                session, sender_id=sender, ticket_id=ticket_id, phone="13800001234", secret=secret
            )
    return tickets


def _path(template: str, row: Row, *, ticket: str, card: str) -> str:
    path = template.replace("{ticket_id}", ticket).replace("{card}", card)
    for name, value in row.params.items():
        path = path.replace("{" + name + "}", value) if name else f"{path}/{value}"
    return path


def test_each_route_answers_each_role_in_and_out_of_scope_as_the_matrix_says(desk, monkeypatch):
    monkeypatch.setattr(ticket_pages, "STREAM_SECONDS", 0)  # the event stream ends at once
    app = create_app(Settings(_env_file=None, backoffice_secure_cookies=False))
    wrong, asked = [], 0
    for role in ROLES:
        with TestClient(app, base_url="http://127.0.0.1:8080") as client:
            csrf = {}
            if role != ANONYMOUS:
                assert sign_in(client, PERSON[role]).status_code == 303, role
                csrf = {"csrf": csrf_of(client.get("/queue").text)}
            for (method, template), row in MATRIX.items():
                expected = row.status[role]
                scopes = ("in", "out") if row.scoped else ("in",)
                for scope in scopes:
                    tickets = IN_SCOPE if scope == "in" else OUT_OF_SCOPE
                    ticket = desk[tickets.get(role, "bole")]
                    path = _path(template, row, ticket=ticket, card=CARD[scope])
                    data = {**row.data, **csrf} if method == "POST" else None
                    response = client.request(method, path, data=data, follow_redirects=False)
                    want = expected if isinstance(expected, int) else expected[scopes.index(scope)]
                    asked += 1
                    if response.status_code != want:
                        wrong.append(
                            f"{role} · {method} {path} ({scope} of scope): {response.status_code}, not {want}"
                        )
    assert wrong == [], "\n".join(wrong)
    assert asked >= len(ROLES) * len(MATRIX)
