"""Review before publishing (four eyes) on the database (SQLite and PostgreSQL): draft → submitted → approved
by another editor → published, or sent back with a comment; every step recorded; the published version is
what the assistant answers from next."""

import datetime as dt

import pytest

from policies_kb import review, service
from policies_kb.answers import choose_article
from policies_kb.files import load_directory
from policies_kb.models import VersionStatus
from policies_kb.review import ReviewRefused
from policies_kb.schema import ArticleContent

TODAY = dt.date(2026, 11, 30)
ARTICLE = "talent-apartment-bole"


@pytest.fixture
def draft(session):
    """v1 published by the CLI, v2 a draft by editor-a with a changed summary."""
    content = next(a for a in load_directory().articles.values() if a.id == ARTICLE)
    service.import_draft(session, content=content, editor="王编辑")
    service.publish(session, article_id=ARTICLE, editor="王编辑", note="首次发布")
    zh = content.content["zh"].model_copy(update={"summary": "博乐市人才公寓新规：免租期延长至三年。"})
    changed = content.model_copy(update={"content": {**content.content, "zh": zh}})
    return service.import_draft(session, content=changed, editor="editor-a")


def _status(session, version=2):
    return service.get_version(session, article_id=ARTICLE, version=version).status


def test_a_change_reviewed_by_another_editor_is_published_and_answers_next(session, draft):
    before = service.published_fingerprint(session)
    review.submit(session, article_id=ARTICLE, version=2, editor="editor-a", comment="请审核")
    assert _status(session) is VersionStatus.SUBMITTED
    review.approve(session, article_id=ARTICLE, version=2, reviewer="editor-b")
    assert _status(session) is VersionStatus.APPROVED
    assert service.published_fingerprint(session) == before  # approved is not yet published
    published = review.publish_approved(
        session, article_id=ARTICLE, version=2, editor="editor-a", note="延长免租期"
    )
    assert published.status is VersionStatus.PUBLISHED and published.published_by == "editor-a"
    assert published.change_note == "延长免租期"
    assert _status(session, 1) is VersionStatus.SUPERSEDED
    assert service.published_fingerprint(session) != before  # what the action server checks every turn
    choice = choose_article(
        service.build_index(session),
        topic="housing",
        question="博乐人才公寓",
        tier=None,
        district="博乐市",
        today=TODAY,
    )
    assert choice.article is not None and choice.article.version == 2
    steps = [
        (e.version, e.action, e.actor, e.comment) for e in review.review_events(session, article_id=ARTICLE)
    ]
    assert steps == [
        (2, "submit", "editor-a", "请审核"),
        (2, "approve", "editor-b", ""),
        (2, "publish", "editor-a", "延长免租期"),
    ]


def test_nobody_approves_or_sends_back_their_own_change(session, draft):
    review.submit(session, article_id=ARTICLE, version=2, editor="editor-a")
    for step in (review.approve, review.send_back):
        with pytest.raises(ReviewRefused) as refused:
            step(session, article_id=ARTICLE, version=2, reviewer="editor-a", comment="自己的")
        assert refused.value.code == "own_change"
    assert _status(session) is VersionStatus.SUBMITTED


def test_who_submitted_another_editors_draft_does_not_approve_it_either(session, draft):
    review.submit(session, article_id=ARTICLE, version=2, editor="editor-b")
    with pytest.raises(ReviewRefused, match="another editor"):
        review.approve(session, article_id=ARTICLE, version=2, reviewer="editor-b")
    review.approve(session, article_id=ARTICLE, version=2, reviewer="editor-c")


def test_sent_back_with_a_comment_the_draft_can_be_submitted_again(session, draft):
    review.submit(session, article_id=ARTICLE, version=2, editor="editor-a")
    with pytest.raises(ReviewRefused) as refused:
        review.send_back(session, article_id=ARTICLE, version=2, reviewer="editor-b", comment="  ")
    assert refused.value.code == "comment_required"
    review.send_back(session, article_id=ARTICLE, version=2, reviewer="editor-b", comment="文号写错了")
    assert _status(session) is VersionStatus.DRAFT
    review.submit(session, article_id=ARTICLE, version=2, editor="editor-a")
    assert [e.action for e in review.review_events(session, article_id=ARTICLE)] == [
        "submit",
        "send_back",
        "submit",
    ]


def test_steps_out_of_order_are_refused_and_change_nothing(session, draft):
    with pytest.raises(ReviewRefused) as refused:
        review.approve(session, article_id=ARTICLE, version=2, reviewer="editor-b")
    assert refused.value.code == "wrong_status"
    with pytest.raises(ReviewRefused):
        review.publish_approved(session, article_id=ARTICLE, version=2, editor="editor-b")
    with pytest.raises(ReviewRefused):
        review.submit(session, article_id=ARTICLE, version=1, editor="editor-a")  # published already
    with pytest.raises(service.KnowledgeBaseError):
        review.submit(session, article_id=ARTICLE, version=9, editor="editor-a")
    review.submit(session, article_id=ARTICLE, version=2, editor="editor-a")
    with pytest.raises(ReviewRefused):
        review.submit(session, article_id=ARTICLE, version=2, editor="editor-a")  # twice
    assert _status(session) is VersionStatus.SUBMITTED
    assert _status(session, 1) is VersionStatus.PUBLISHED
    assert len(review.review_events(session, article_id=ARTICLE)) == 1


def test_the_command_line_still_publishes_drafts_directly(session, draft):
    published = service.publish(session, article_id=ARTICLE, editor="王编辑", note="批量")
    assert published.version == 2 and published.status is VersionStatus.PUBLISHED


def test_an_approved_version_older_than_one_published_meanwhile_is_not_published(session, draft):
    review.submit(session, article_id=ARTICLE, version=2, editor="editor-a")
    review.approve(session, article_id=ARTICLE, version=2, reviewer="editor-b")
    newer = draft.content | {"keywords": [*draft.content["keywords"], "批量"]}
    service.import_draft(session, content=ArticleContent.model_validate(newer), editor="王编辑")
    service.publish(session, article_id=ARTICLE, editor="王编辑", note="批量")  # the CLI: v3
    with pytest.raises(ReviewRefused) as refused:
        review.publish_approved(session, article_id=ARTICLE, version=2, editor="editor-b")
    assert refused.value.code == "newer_published"
    assert (_status(session, 2), _status(session, 3)) == (VersionStatus.APPROVED, VersionStatus.PUBLISHED)
