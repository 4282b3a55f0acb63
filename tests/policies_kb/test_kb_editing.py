"""Editors' workflow on the database: versions, rollback, diff, retirement."""

import datetime as dt

import pytest

from policies_kb import service
from policies_kb.answers import choose_article
from policies_kb.files import load_directory
from policies_kb.models import VersionStatus

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def apartment(session):
    content = next(a for a in load_directory().articles.values() if a.id == "talent-apartment-bole")
    service.import_draft(session, content=content, editor="王编辑")
    service.publish(session, article_id=content.id, editor="王编辑", note="首次发布")
    return content


def edit(session, content, **changes):
    changed = content.model_copy(update=changes)
    service.import_draft(session, content=changed, editor="李编辑")
    return service.publish(session, article_id=content.id, editor="李编辑", note="修改")


def test_rollback_publishes_the_old_content_as_a_new_version(session, apartment):
    edit(session, apartment, keywords=["改过的关键词"])
    restored = service.rollback(
        session, article_id=apartment.id, to_version=1, editor="王编辑", note="改错了"
    )
    assert restored.version == 3 and restored.status is VersionStatus.PUBLISHED
    assert restored.content == service.get_version(session, article_id=apartment.id, version=1).content
    statuses = [v.status for v in service.history(session, article_id=apartment.id)]
    assert statuses == [VersionStatus.SUPERSEDED, VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED]
    assert "rollback to v1" in restored.change_note


def test_diff_shows_what_changed(session, apartment):
    edit(session, apartment, effective_to=dt.date(2027, 6, 30))
    text = service.diff(session, article_id=apartment.id, old=1, new=2)
    assert "-effective_to: null" in text and "+effective_to: '2027-06-30'" in text
    assert service.diff(session, article_id=apartment.id, old=1, new=1) == ""


def test_retired_article_never_answers(session, apartment):
    index = service.build_index(session)
    before = choose_article(
        index, topic="housing", question="博乐人才公寓", tier=None, district="博乐市", today=TODAY
    )
    assert before.article is not None and before.article.article_id == apartment.id
    service.retire(session, article_id=apartment.id, editor="王编辑", note="停止受理")
    index = service.build_index(session)
    after = choose_article(
        index, topic="housing", question="博乐人才公寓", tier=None, district="博乐市", today=TODAY
    )
    assert after.article is None
    version = service.history(session, article_id=apartment.id)[0]
    assert (version.status, version.retired_by, version.retire_note) == (
        VersionStatus.RETIRED,
        "王编辑",
        "停止受理",
    )


def test_answers_name_the_published_version(session, apartment):
    edit(session, apartment, keywords=[*apartment.keywords, "公寓几年"])
    index = service.build_index(session)
    choice = choose_article(
        index, topic="housing", question="博乐人才公寓", tier=None, district="博乐市", today=TODAY
    )
    assert choice.article.version == 2


def test_unknown_article_and_version_are_refused(session, apartment):
    with pytest.raises(service.KnowledgeBaseError, match="no article"):
        service.history(session, article_id="nope")
    with pytest.raises(service.KnowledgeBaseError, match="no version 9"):
        service.rollback(session, article_id=apartment.id, to_version=9, editor="x", note="y")
    with pytest.raises(service.KnowledgeBaseError, match="no published version"):
        service.retire(session, article_id="nope", editor="x", note="y")


def test_fingerprint_changes_when_publishing(session, apartment):
    before = service.published_fingerprint(session)
    edit(session, apartment, keywords=["新"])
    assert service.published_fingerprint(session) != before
