"""The policy editors' inbox (Capability.EDIT_POLICIES): what the assistant could not answer, grouped by
similar wording (conversations.inbox), and what an editor does about a group: add its words to an article's
keywords (a new draft, reviewed like any change), start a new article, mark messages as training examples."""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backoffice.accounts import SignedIn
from backoffice.permissions import Capability
from backoffice.web import page, read_form, render
from conversations import inbox
from conversations import service as conversations
from conversations.models import TRAINABLE_INTENTS
from feedback import service as feedback
from frontdesk.clock import utcnow
from frontdesk.vocabulary import TOPICS
from policies_kb import service as kb
from policies_kb.schema import ArticleContent

log = logging.getLogger(__name__)

EDIT = Capability.EDIT_POLICIES
PERIODS = ("7", "30", "90")
DEFAULT_PERIOD = "30"
SHOWN_GROUPS = 100
TICKABLE = 40  # messages listed with a tick box on a group's page (a form holds at most 50 fields)
EXAMPLE_CHARS = 160
MAX_WORDS, MAX_WORD_CHARS = 10, 40
DONE = ("keywords", "unchanged", "examples")
_cache = inbox.GroupCache()


def _filters(request: Request) -> dict[str, str]:
    period = request.query_params.get("days", DEFAULT_PERIOD)
    topic = request.query_params.get("topic", "")
    return {
        "days": period if period in PERIODS else DEFAULT_PERIOD,
        "topic": topic if topic in TOPICS else "",
    }


def _groups(db: Session, filters: dict[str, str]) -> list[inbox.Group]:
    # to the end of this minute: the same period (and cached groups) until a turn is recorded or it ends
    until = utcnow().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    since = until - dt.timedelta(days=int(filters["days"]))
    dislikes = [inbox.Dislike(*vote) for vote in feedback.unhelpful_votes(db, since=since, until=until)]
    keywords = sorted({word for v in kb.published_versions(db) for word in v.content.get("keywords", [])})
    return _cache.groups(
        db,
        since=since,
        until=until,
        dislikes=dislikes,
        topic=filters["topic"] or None,
        vocabulary=tuple(keywords),
    )


@page(EDIT)
async def groups(request: Request, db: Session, signed: SignedIn) -> Response:
    filters = _filters(request)
    found = _groups(db, filters)
    return render(
        request,
        "editor_inbox.html",
        signed=signed,
        groups=found[:SHOWN_GROUPS],
        total_groups=len(found),
        total_messages=sum(group.count for group in found),
        filters=filters,
        query=urlencode(filters),
        periods=PERIODS,
        topics=TOPICS,
        example_chars=EXAMPLE_CHARS,
    )


def _group_page(
    request: Request,
    db: Session,
    signed: SignedIn,
    group: inbox.Group,
    filters: dict[str, str],
    *,
    problem: str = "",
    words: str | None = None,
    status_code: int = 200,
) -> Response:
    articles = kb.list_articles(db)
    done = request.query_params.get("done", "")
    return render(
        request,
        "editor_inbox_group.html",
        signed=signed,
        status_code=status_code,
        group=group,
        filters=filters,
        query=urlencode(filters),
        shown=group.messages[:TICKABLE],
        articles=articles,
        intents=TRAINABLE_INTENTS,
        words=" ".join(group.words) if words is None else words,
        new_article=urlencode(
            {
                "topic": group.topics[0] if group.topics else "",
                "question": group.messages[0].text[:EXAMPLE_CHARS],
            }
        ),
        problem=problem,
        done=done if done in DONE else "",
        done_article=request.query_params.get("article", ""),
        done_count=request.query_params.get("count", ""),
        example_chars=EXAMPLE_CHARS,
    )


def _group_or_404(
    request: Request, db: Session, signed: SignedIn
) -> tuple[inbox.Group, dict[str, str]] | Response:
    filters = _filters(request)
    group = inbox.find_group(_groups(db, filters), request.path_params["group"])
    if group is None:  # an unknown key, or a group that left the period
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    return group, filters


@page(EDIT)
async def group_detail(request: Request, db: Session, signed: SignedIn) -> Response:
    found = _group_or_404(request, db, signed)
    if isinstance(found, Response):
        return found
    return _group_page(request, db, signed, *found)


def _words(text: str) -> list[str] | None:
    """The words an editor typed (spaces, commas or 、 between them); None when they are not usable."""
    words = list(dict.fromkeys(text.replace(",", " ").replace("，", " ").replace("、", " ").split()))
    if not words or len(words) > MAX_WORDS or any(len(word) > MAX_WORD_CHARS for word in words):
        return None
    return words


@page(EDIT)
async def add_keywords(request: Request, db: Session, signed: SignedIn) -> Response:
    """The group's words added to an article's keywords, saved as a new draft of its newest version."""
    found = _group_or_404(request, db, signed)
    if isinstance(found, Response):
        return found
    group, filters = found
    form = await read_form(request)
    typed = str(form.get("words", ""))
    words = _words(typed)
    try:
        newest = kb.history(db, article_id=str(form.get("article", "")))[-1]
    except kb.KnowledgeBaseError:
        return _group_page(
            request, db, signed, group, filters, problem="article", words=typed, status_code=400
        )
    if words is None:
        return _group_page(request, db, signed, group, filters, problem="words", words=typed, status_code=400)
    content = dict(newest.content)
    content["keywords"] = list(dict.fromkeys([*content.get("keywords", []), *words]))
    draft = kb.import_draft(db, content=ArticleContent.model_validate(content), editor=signed.person.id)
    done = "unchanged"
    if draft is not None:
        draft.change_note = f"keywords from the inbox: {' '.join(words)}"
        log.info(
            "article %s: draft v%d with inbox keywords by %s",
            draft.article_id,
            draft.version,
            signed.person.id,
        )
        done = "keywords"
    query = urlencode({**filters, "done": done, "article": newest.article_id})
    return RedirectResponse(f"/editor/inbox/{group.key}?{query}", status_code=303)


@page(EDIT)
async def mark_examples(request: Request, db: Session, signed: SignedIn) -> Response:
    """The ticked messages of the group marked as training examples of the chosen intent."""
    found = _group_or_404(request, db, signed)
    if isinstance(found, Response):
        return found
    group, filters = found
    form = await read_form(request)
    intent = str(form.get("intent", ""))
    texts = {str(message.turn_id): message.text for message in group.messages[:TICKABLE]}
    ticked = [str(value) for value in form.getlist("turn")]
    if intent not in TRAINABLE_INTENTS:
        return _group_page(request, db, signed, group, filters, problem="intent", status_code=400)
    if not ticked or any(turn not in texts for turn in ticked):
        return _group_page(request, db, signed, group, filters, problem="ticked", status_code=400)
    added = conversations.mark_examples(
        db, texts=[texts[turn] for turn in ticked], intent=intent, editor=signed.person.id
    )
    log.info("%d training example(s) of %s marked by %s", len(added), intent, signed.person.id)
    query = urlencode({**filters, "done": "examples", "count": len(added)})
    return RedirectResponse(f"/editor/inbox/{group.key}?{query}", status_code=303)
