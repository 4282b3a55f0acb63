"""The policy editors' pages (Capability.EDIT_POLICIES): the articles of the knowledge base, listed and
searched with what answers from each now, its last change and who made it; an article's history, two of its
versions side by side, and the form that saves a new draft (checked by the files' own schema, through
policies_kb.service as the CLI's import is)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backoffice.accounts import SignedIn
from backoffice.editor_forms import (
    LANGUAGES,
    LIST_FIELDS,
    SOURCE_FIELDS,
    TEXT_FIELDS,
    form_values,
    read_article,
)
from backoffice.permissions import Capability
from backoffice.web import page, read_form, render
from frontdesk.clock import local_today
from frontdesk.vocabulary import DISTRICTS, TIERS, TOPICS
from people import roster
from policies_kb import catalog, review, service
from policies_kb.catalog import ArticleState
from policies_kb.compare import compare_versions
from policies_kb.models import ArticleVersion, VersionStatus
from policies_kb.review import ReviewRefused, Step
from policies_kb.service import KnowledgeBaseError

log = logging.getLogger(__name__)

EDIT = Capability.EDIT_POLICIES
STATES = tuple(str(state) for state in ArticleState)
NEWEST = tuple(
    str(status) for status in (VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.APPROVED)
)
MAX_SEARCH_CHARS = 200
DONE = {"saved", "unchanged", *(str(step) for step in Step)}
REVIEWED = {VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.APPROVED}


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> str:
    value = request.query_params.get(name, "")
    return value if value in allowed else ""


@page(EDIT)
async def articles(request: Request, db: Session, signed: SignedIn) -> Response:
    filters = {
        "words": request.query_params.get("q", "").strip()[:MAX_SEARCH_CHARS],
        "topic": _choice(request, "topic", TOPICS),
        "district": _choice(request, "district", DISTRICTS),
        "tier": _choice(request, "tier", TIERS),
        "state": _choice(request, "state", STATES),
        "newest": _choice(request, "newest", NEWEST),
    }
    everything = catalog.article_rows(db, today=local_today())
    rows = catalog.filter_rows(everything, **filters)
    return render(
        request,
        "editor_articles.html",
        signed=signed,
        rows=rows,
        total=len(everything),
        filters=filters,
        names=roster.names_of(db, ids={row.changed_by for row in rows}),  # CLI editors: as written
        topics=TOPICS,
        districts=DISTRICTS,
        tiers=TIERS,
        states=STATES,
        newest_statuses=NEWEST,
    )


def _article_or_404(request: Request, db: Session, signed: SignedIn) -> list[ArticleVersion] | Response:
    """Every version of the article named in the path, oldest first."""
    try:
        return service.history(db, article_id=request.path_params["article_id"])
    except KnowledgeBaseError:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")


@page(EDIT)
async def article(request: Request, db: Session, signed: SignedIn) -> Response:
    versions = _article_or_404(request, db, signed)
    if isinstance(versions, Response):
        return versions
    return _article_page(request, db, signed, versions)


def _article_page(
    request: Request,
    db: Session,
    signed: SignedIn,
    versions: list[ArticleVersion],
    *,
    refused: str = "",
    status_code: int = 200,
) -> Response:
    newest = versions[-1]
    events = review.review_events(db, article_id=newest.article_id)
    people = {v.created_by for v in versions} | {v.published_by or "" for v in versions}
    people |= {v.retired_by or "" for v in versions} | {event.actor for event in events}
    in_review = [v for v in reversed(versions) if v.status in REVIEWED]
    return render(
        request,
        "editor_article.html",
        signed=signed,
        status_code=status_code,
        article_id=newest.article_id,
        topic=newest.article.topic,
        title=newest.content["content"]["zh"]["title"],
        versions=list(reversed(versions)),
        in_review=[(v, review.allowed_steps(db, version=v, editor=signed.person.id)) for v in in_review],
        events=list(reversed(events)),
        names=roster.names_of(db, ids=people - {""}),
        refused=refused,
        done=request.query_params.get("done", "") if request.query_params.get("done") in DONE else "",
    )


@page(EDIT)
async def review_step(request: Request, db: Session, signed: SignedIn) -> Response:
    """One review step on one version (submit, approve, send back, publish), through policies_kb.review."""
    versions = _article_or_404(request, db, signed)
    if isinstance(versions, Response):
        return versions
    form = await read_form(request)
    number, step = str(form.get("version", "")), str(form.get("step", ""))
    if not number.isdigit() or len(number) > 8 or step not in set(Step):
        return Response(status_code=400)
    article_id = versions[0].article_id
    try:
        review.take_step(
            db,
            step=Step(step),
            article_id=article_id,
            version=int(number),
            editor=signed.person.id,
            comment=str(form.get("comment", "")),
        )
    except ReviewRefused as refused:  # refused before anything was written
        versions = service.history(db, article_id=article_id)
        return _article_page(request, db, signed, versions, refused=refused.code, status_code=409)
    except KnowledgeBaseError:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    log.info("article %s v%s: %s by %s", article_id, number, step, signed.person.id)
    return RedirectResponse(f"/editor/articles/{article_id}?done={step}", status_code=303)


def _version_number(request: Request, name: str, default: int) -> int | None:
    value = request.query_params.get(name, "")
    if not value:
        return default
    return int(value) if value.isdigit() and len(value) < 9 else None


@page(EDIT)
async def compare(request: Request, db: Session, signed: SignedIn) -> Response:
    versions = _article_or_404(request, db, signed)
    if isinstance(versions, Response):
        return versions
    numbers = [v.version for v in versions]
    new = _version_number(request, "new", numbers[-1])
    old = _version_number(request, "old", numbers[-2] if len(numbers) > 1 else numbers[-1])
    if old not in numbers or new not in numbers:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    assert old is not None and new is not None
    rows = compare_versions(db, article_id=versions[0].article_id, old=old, new=new)
    return render(
        request,
        "editor_diff.html",
        signed=signed,
        article_id=versions[0].article_id,
        numbers=numbers,
        old=old,
        new=new,
        rows=rows,
        changed=sum(1 for row in rows if row.kind != "same"),
    )


def _edit_page(
    request: Request,
    signed: SignedIn,
    newest: ArticleVersion,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    note: str = "",
    base: int,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "editor_edit.html",
        signed=signed,
        status_code=status_code,
        article_id=newest.article_id,
        topic=newest.article.topic,
        newest=newest,
        base=base,
        values=values,
        errors=errors or {},
        note=note,
        tiers=TIERS,
        districts=DISTRICTS,
        languages=LANGUAGES,
        text_fields=TEXT_FIELDS,
        source_fields=SOURCE_FIELDS,
        list_fields=LIST_FIELDS,
    )


@page(EDIT)
async def edit(request: Request, db: Session, signed: SignedIn) -> Response:
    """The newest version's content in the form; a valid form is saved as a new draft, else nothing."""
    versions = _article_or_404(request, db, signed)
    if isinstance(versions, Response):
        return versions
    newest = versions[-1]
    if request.method == "GET":
        return _edit_page(request, signed, newest, values=form_values(newest.content), base=newest.version)
    form = await read_form(request)
    submitted = read_article(form, article_id=newest.article_id, topic=newest.article.topic)
    base = str(form.get("base", ""))
    if base != str(newest.version):  # someone saved a version since this form was opened
        submitted.errors = {"form": "stale", **submitted.errors}
    if submitted.content is None or submitted.errors:
        return _edit_page(
            request,
            signed,
            newest,
            values=submitted.values,
            errors=submitted.errors,
            note=submitted.note,
            base=newest.version,
            status_code=409 if "form" in submitted.errors else 400,
        )
    draft = service.import_draft(db, content=submitted.content, editor=signed.person.id)
    if draft is None:
        return RedirectResponse(f"/editor/articles/{newest.article_id}?done=unchanged", status_code=303)
    draft.change_note = submitted.note
    log.info("article %s: draft v%d saved by %s", draft.article_id, draft.version, signed.person.id)
    return RedirectResponse(f"/editor/articles/{newest.article_id}?done=saved", status_code=303)
