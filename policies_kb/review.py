"""Review before publishing (four eyes): an editor submits a draft, another editor approves it or sends it
back with a comment, and an approved version is published. Nobody approves (or sends back) their own change.
Each step is one conditional UPDATE of the version's status (two editors at the same moment: one wins, the
other is told) and one ReviewEvent, in the caller's transaction. Withdrawing a published version (retire) is
recorded among the same events, with the editor's reason.

Publishing goes through service._promote, as the CLI's `publish` does, so the action server's
published_fingerprint changes and the next answer comes from the new version."""

from __future__ import annotations

import enum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from frontdesk.clock import utcnow
from policies_kb import service
from policies_kb.models import ArticleVersion, ReviewEvent, VersionStatus
from policies_kb.service import KnowledgeBaseError

MAX_COMMENT_CHARS = 1000
RETIRE = "retire"  # the event of a withdrawal: not a step of a version's review


class Step(enum.StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    PUBLISH = "publish"


# which status each step starts from and leads to
MOVES = {
    Step.SUBMIT: (VersionStatus.DRAFT, VersionStatus.SUBMITTED),
    Step.APPROVE: (VersionStatus.SUBMITTED, VersionStatus.APPROVED),
    Step.SEND_BACK: (VersionStatus.SUBMITTED, VersionStatus.DRAFT),
    Step.PUBLISH: (VersionStatus.APPROVED, VersionStatus.PUBLISHED),
}


class ReviewRefused(KnowledgeBaseError):
    """A review step that may not be taken: `code` for the interface's texts (wrong_status, own_change,
    comment_required, comment_too_long, not_published)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _record(
    session: Session, version: ArticleVersion, *, action: str, actor: str, comment: str
) -> ReviewEvent:
    event = ReviewEvent(
        version_id=version.id,
        article_id=version.article_id,
        version=version.version,
        action=str(action),
        actor=actor,
        comment=comment,
        at=utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def _check_comment(comment: str, *, required: bool) -> str:
    comment = comment.strip()
    if required and not comment:
        raise ReviewRefused("comment_required", "say what has to change")
    if len(comment) > MAX_COMMENT_CHARS:
        raise ReviewRefused("comment_too_long", f"a comment has at most {MAX_COMMENT_CHARS} characters")
    return comment


def _move(session: Session, *, article_id: str, version: int, step: Step) -> ArticleVersion:
    """The version moved from the step's status to the next one, or ReviewRefused when it is not in it
    (any more)."""
    found = service.get_version(session, article_id=article_id, version=version)
    before, after = MOVES[step]
    moved = session.execute(
        update(ArticleVersion)
        .where(ArticleVersion.id == found.id, ArticleVersion.status == before)
        .values(status=after),
        execution_options={"synchronize_session": False},
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise ReviewRefused("wrong_status", f"{article_id} v{version} is not {before}")
    session.refresh(found)
    return found


def submitted_by(session: Session, *, version: ArticleVersion) -> str | None:
    """Who submitted the version for its current review."""
    return session.scalar(
        select(ReviewEvent.actor)
        .where(ReviewEvent.version_id == version.id, ReviewEvent.action == Step.SUBMIT)
        .order_by(ReviewEvent.id.desc())
        .limit(1)
    )


def _not_own(session: Session, *, article_id: str, version: int, reviewer: str) -> None:
    found = service.get_version(session, article_id=article_id, version=version)
    if reviewer in {found.created_by, submitted_by(session, version=found)}:
        raise ReviewRefused("own_change", "another editor has to review this change")


def submit(
    session: Session, *, article_id: str, version: int, editor: str, comment: str = ""
) -> ArticleVersion:
    """A draft goes to review."""
    comment = _check_comment(comment, required=False)
    moved = _move(session, article_id=article_id, version=version, step=Step.SUBMIT)
    _record(session, moved, action=Step.SUBMIT, actor=editor, comment=comment)
    return moved


def approve(
    session: Session, *, article_id: str, version: int, reviewer: str, comment: str = ""
) -> ArticleVersion:
    """Another editor than the one who wrote or submitted it approves a submitted version."""
    comment = _check_comment(comment, required=False)
    _not_own(session, article_id=article_id, version=version, reviewer=reviewer)
    moved = _move(session, article_id=article_id, version=version, step=Step.APPROVE)
    _record(session, moved, action=Step.APPROVE, actor=reviewer, comment=comment)
    return moved


def send_back(
    session: Session, *, article_id: str, version: int, reviewer: str, comment: str
) -> ArticleVersion:
    """Another editor returns a submitted version to draft, saying what has to change."""
    comment = _check_comment(comment, required=True)
    _not_own(session, article_id=article_id, version=version, reviewer=reviewer)
    moved = _move(session, article_id=article_id, version=version, step=Step.SEND_BACK)
    _record(session, moved, action=Step.SEND_BACK, actor=reviewer, comment=comment)
    return moved


def publish_approved(
    session: Session, *, article_id: str, version: int, editor: str, note: str = "", minor: bool = False
) -> ArticleVersion:
    """An approved version answers from now on; the version it replaces is superseded. The change note is
    `note`, else the one written with the draft; `minor`: a correction talents are not told of."""
    note = _check_comment(note, required=False)
    found = service.get_version(session, article_id=article_id, version=version)
    claimed = session.execute(  # holds the row: a second publisher at the same moment finds it published
        update(ArticleVersion)
        .where(ArticleVersion.id == found.id, ArticleVersion.status == VersionStatus.APPROVED)
        .values(status=VersionStatus.APPROVED),
        execution_options={"synchronize_session": False},
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise ReviewRefused("wrong_status", f"{article_id} v{version} is not approved")
    current = service.published_version(session, article_id=article_id)
    if current is not None and current.version > found.version:  # e.g. the CLI published a later draft
        raise ReviewRefused("newer_published", f"{article_id} v{current.version} is published meanwhile")
    found.minor_change = minor
    published = service.promote(session, [found], editor=editor, note=note or found.change_note)[0]
    _record(session, published, action=Step.PUBLISH, actor=editor, comment=note)
    return published


def retire(session: Session, *, article_id: str, editor: str, note: str) -> ArticleVersion:
    """Withdraw the article's published version (service.retire, as the CLI does), saying why; the
    withdrawal is one of the article's review events."""
    if not note.strip():
        raise ReviewRefused("note_required", "say why the article is retired")
    note = _check_comment(note, required=False)
    claimed = session.execute(  # holds the row: a second editor at the same moment finds nothing to retire
        update(ArticleVersion)
        .where(ArticleVersion.article_id == article_id, ArticleVersion.status == VersionStatus.PUBLISHED)
        .values(status=VersionStatus.PUBLISHED),
        execution_options={"synchronize_session": False},
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise ReviewRefused("not_published", f"{article_id} has no published version to retire")
    retired = service.retire(session, article_id=article_id, editor=editor, note=note)
    _record(session, retired, action=RETIRE, actor=editor, comment=note)
    return retired


def review_events(session: Session, *, article_id: str) -> list[ReviewEvent]:
    """Every review step taken on the article's versions, oldest first."""
    return list(
        session.scalars(
            select(ReviewEvent).where(ReviewEvent.article_id == article_id).order_by(ReviewEvent.id)
        )
    )


def allowed_steps(session: Session, *, version: ArticleVersion, editor: str) -> list[Step]:
    """The steps `editor` may take on `version` now (what the back office offers)."""
    if version.status is VersionStatus.DRAFT:
        return [Step.SUBMIT]
    if version.status is VersionStatus.SUBMITTED:
        own = editor in {version.created_by, submitted_by(session, version=version)}
        return [] if own else [Step.APPROVE, Step.SEND_BACK]
    if version.status is VersionStatus.APPROVED:
        return [Step.PUBLISH]
    return []


def take_step(
    session: Session,
    *,
    step: Step,
    article_id: str,
    version: int,
    editor: str,
    comment: str = "",
    minor: bool = False,
) -> ArticleVersion:
    """The one entry for a channel that lets a person choose the step (the back office's form); `minor`
    counts for publishing only."""
    if step is Step.SUBMIT:
        return submit(session, article_id=article_id, version=version, editor=editor, comment=comment)
    if step is Step.APPROVE:
        return approve(session, article_id=article_id, version=version, reviewer=editor, comment=comment)
    if step is Step.SEND_BACK:
        return send_back(session, article_id=article_id, version=version, reviewer=editor, comment=comment)
    return publish_approved(
        session, article_id=article_id, version=version, editor=editor, note=comment, minor=minor
    )
