"""The policy editors' pages (Capability.EDIT_POLICIES): the articles of the knowledge base, listed and
searched with what answers from each now, its last change and who made it; an article's history, two of its
versions side by side, one version with a preview of the answer a talent would get from it, and the forms
that save a new draft, a new article, a rollback draft or retire the article (checked by the files' own
schema, through policies_kb.service as the CLI's commands are)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backoffice.accounts import SignedIn
from backoffice.chat_view import button_rows, telegram_html, web_text
from backoffice.editor_forms import (
    LANGUAGES,
    LIST_FIELDS,
    MAX_NOTE_CHARS,
    SOURCE_FIELDS,
    TEXT_FIELDS,
    form_values,
    read_article,
)
from backoffice.i18n import translate
from backoffice.permissions import Capability
from backoffice.web import page, read_form, render
from dialogue.reading import without_own_district
from frontdesk.clock import local_today
from frontdesk.vocabulary import DISTRICTS, PART_LABELS, TIERS, TOPICS
from people import roster
from policies_kb import catalog, review, service
from policies_kb.answers import Outcome, localized, scope_text
from policies_kb.catalog import ArticleState
from policies_kb.compare import compare_versions
from policies_kb.models import ArticleVersion, VersionStatus
from policies_kb.preview import MAX_QUESTION_CHARS, Preview, preview_answer
from policies_kb.review import ReviewRefused, Step
from policies_kb.service import KnowledgeBaseError

log = logging.getLogger(__name__)

EDIT = Capability.EDIT_POLICIES
STATES = tuple(str(state) for state in ArticleState)
NEWEST = tuple(
    str(status) for status in (VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.APPROVED)
)
MAX_SEARCH_CHARS = 200
DONE = {"saved", "unchanged", "rolled_back", "retired", "created", *(str(step) for step in Step)}
REVIEWED = {VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.APPROVED}
NEW = "new"  # /editor/articles/new: no article may have this id
MAX_ASKED = 10  # questions of talents shown on the new article form


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
    older = [v for v in reversed(versions[:-1]) if v.content_hash != newest.content_hash]
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
        older=older,
        published=any(v.status is VersionStatus.PUBLISHED for v in versions),
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
            minor=form.get("minor") == "1",
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
    newest: ArticleVersion | None,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    note: str = "",
    base: int = 0,
    asked: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    """The article form: of an existing article (`newest`, its newest version), or of a new one (None)."""
    return render(
        request,
        "editor_edit.html",
        signed=signed,
        status_code=status_code,
        article_id=newest.article_id if newest else values["id"],
        topic=newest.article.topic if newest else values["topic"],
        newest=newest,
        base=base,
        values=values,
        errors=errors or {},
        note=note,
        asked=asked or [],
        topics=TOPICS,
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


def _asked(questions: list[str]) -> list[str]:
    """Talents' questions passed to the new article form, bounded in number and length."""
    kept = [" ".join(question.split())[:MAX_QUESTION_CHARS] for question in questions]
    return [question for question in kept if question][:MAX_ASKED]


@page(EDIT)
async def new_article(request: Request, db: Session, signed: SignedIn) -> Response:
    """An empty article form (its topic, and the talents' questions it is for, from the query); a valid
    form with an id no article has is saved as draft v1 of a new article, else nothing."""
    if request.method == "GET":
        values = form_values({}) | {"id": "", "topic": _choice(request, "topic", TOPICS)}
        return _edit_page(
            request, signed, None, values=values, asked=_asked(request.query_params.getlist("question"))
        )
    form = await read_form(request)
    asked = _asked([str(question) for question in form.getlist("asked")])
    article_id, topic = str(form.get("id", "")).strip(), str(form.get("topic", "")).strip()
    submitted = read_article(form, article_id=article_id, topic=topic)
    if "id" not in submitted.errors and article_id == NEW:
        submitted.errors["id"] = "reserved"
    elif "id" not in submitted.errors and service.latest_version(db, article_id=article_id) is not None:
        submitted.errors["id"] = "exists"
    if submitted.content is None or submitted.errors:
        return _edit_page(
            request,
            signed,
            None,
            values=submitted.values,
            errors=submitted.errors,
            note=submitted.note,
            asked=asked,
            status_code=400,
        )
    draft = service.import_draft(db, content=submitted.content, editor=signed.person.id)
    assert draft is not None, "a new article's first version is always new"
    draft.change_note = submitted.note
    log.info("article %s: new, draft v1 saved by %s", draft.article_id, signed.person.id)
    return RedirectResponse(f"/editor/articles/{draft.article_id}?done=created", status_code=303)


def _note(form: FormData) -> str | None:
    """The form's note, or None when it is longer than a note may be."""
    note = str(form.get("note", "")).strip()
    return note if len(note) <= MAX_NOTE_CHARS else None


@page(EDIT)
async def rollback(request: Request, db: Session, signed: SignedIn) -> Response:
    """An older version's content as a new draft (service.rollback_draft), to be reviewed and published as
    any other change: nothing is published from here."""
    versions = _article_or_404(request, db, signed)
    if isinstance(versions, Response):
        return versions
    form = await read_form(request)
    number, note = str(form.get("version", "")), _note(form)
    if not number.isdigit() or len(number) > 8:
        return Response(status_code=400)
    article_id, newest = versions[0].article_id, versions[-1]
    target = next((v for v in versions if v.version == int(number)), None)
    if target is None:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    refused = "note_long" if note is None else ("rollback_newest" if target is newest else "")
    if refused:
        return _article_page(request, db, signed, versions, refused=refused, status_code=400)
    assert note is not None
    if target.content_hash == newest.content_hash:
        return RedirectResponse(f"/editor/articles/{article_id}?done=unchanged", status_code=303)
    draft = service.rollback_draft(
        db, article_id=article_id, to_version=target.version, editor=signed.person.id, note=note
    )
    log.info(
        "article %s: v%d drafted from v%d by %s", article_id, draft.version, target.version, signed.person.id
    )
    return RedirectResponse(f"/editor/articles/{article_id}?done=rolled_back", status_code=303)


@page(EDIT)
async def retire(request: Request, db: Session, signed: SignedIn) -> Response:
    """The published version withdrawn, with the editor's reason, recorded among the review events."""
    versions = _article_or_404(request, db, signed)
    if isinstance(versions, Response):
        return versions
    form = await read_form(request)
    note = _note(form)
    article_id = versions[0].article_id
    if note is None:
        return _article_page(request, db, signed, versions, refused="note_long", status_code=400)
    try:
        review.retire(db, article_id=article_id, editor=signed.person.id, note=note)
    except ReviewRefused as refused:  # refused before anything was written
        status = 409 if refused.code == "not_published" else 400
        return _article_page(request, db, signed, versions, refused=refused.code, status_code=status)
    log.info("article %s retired by %s", article_id, signed.person.id)
    return RedirectResponse(f"/editor/articles/{article_id}?done=retired", status_code=303)


def _chat(result: Preview, language: str) -> dict[str, Any]:
    """The preview's messages as Telegram shows them (HTML bubbles, button rows with 👍/👎 under an answer)
    and as a web chat does (plain bubbles, the same buttons), in the answer's language."""

    def says(key: str) -> str:
        return translate(language, f"editor.preview.{key}")

    choice, messages = result.choice, result.answer.messages if result.answer else []
    if result.answer is not None:
        buttons = [PART_LABELS[language][str(part)] for part in result.answer.more] + [says("human")]
    elif choice.outcome is Outcome.NEED_DETAIL:
        buttons = list(DISTRICTS if choice.need == "district" else TIERS)
    else:
        buttons = [says("human")]
    return {
        "telegram": [telegram_html(message) for message in messages],
        "web": [web_text(message) for message in messages],
        "rows": button_rows(buttons),
        "buttons": buttons,
        "votes": [says("helpful"), says("not_helpful")] if result.answer is not None else [],
    }


def _asked_preview(request: Request) -> dict[str, str]:
    """The preview form's values from the query (a tier or district not offered counts as not known)."""
    language = request.query_params.get("language", "")
    return {
        "question": request.query_params.get("q", "").strip(),
        "tier": _choice(request, "tier", TIERS),
        "district": _choice(request, "district", DISTRICTS),
        "language": language if language in LANGUAGES else "zh",
    }


@page(EDIT)
async def version_page(request: Request, db: Session, signed: SignedIn) -> Response:
    """One version of an article, and the preview of the answer to a question with it in place of the
    published version (the question, tier, district and language in the query)."""
    versions = _article_or_404(request, db, signed)
    if isinstance(versions, Response):
        return versions
    found = next((v for v in versions if v.version == request.path_params["version"]), None)
    if found is None:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    asked = _asked_preview(request)
    too_long = len(asked["question"]) > MAX_QUESTION_CHARS
    result = None
    if asked["question"] and not too_long:
        result = preview_answer(
            db,
            version=found,
            question=asked["question"],
            ranked_question=without_own_district(asked["question"]),
            tier=asked["tier"] or None,
            district=asked["district"] or None,
            language=asked["language"],
            today=local_today(),
        )
    language = asked["language"]
    chosen = result.choice.article if result else None
    not_for_you = result.choice.not_for_you if result else None
    return render(
        request,
        "editor_version.html",
        signed=signed,
        status_code=400 if too_long else 200,
        article_id=found.article_id,
        version=found,
        content=found.content,
        asked=asked,
        too_long=too_long,
        limit=MAX_QUESTION_CHARS,
        result=result,
        chosen=chosen,
        chosen_title=localized(chosen, language).title if chosen else "",
        not_for_you=not_for_you,
        not_for_you_title=localized(not_for_you, language).title if not_for_you else "",
        not_for_you_scope=scope_text(not_for_you.content.eligibility, language) if not_for_you else "",
        candidates=[(a, localized(a, language).title) for a in result.choice.candidates] if result else [],
        chat=_chat(result, language) if result else None,
        tiers=TIERS,
        districts=DISTRICTS,
        languages=LANGUAGES,
    )
