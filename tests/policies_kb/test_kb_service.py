import pytest

from policies_kb import service
from policies_kb.files import load_directory
from policies_kb.models import VersionStatus


def test_bootstrap_publishes_every_content_file_once(session):
    expected = len(load_directory().articles)
    assert service.bootstrap(session) == expected
    assert service.bootstrap(session) == 0
    assert service.count_published(session) == expected


def test_publishing_a_new_draft_supersedes_the_old_version(session):
    loaded = load_directory()
    content = next(iter(loaded.articles.values()))
    service.import_draft(session, content=content, editor="ed")
    v1 = service.publish(session, article_id=content.id, editor="ed", note="first")
    assert service.import_draft(session, content=content, editor="ed") is None  # same text: no new version
    changed = content.model_copy(update={"keywords": [*content.keywords, "新关键词"]})
    draft = service.import_draft(session, content=changed, editor="ed")
    assert draft is not None and draft.version == 2
    v2 = service.publish(session, article_id=content.id, editor="ed", note="keywords")
    assert (v1.status, v2.status) == (VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED)
    assert [v.version for v in service.published_versions(session)] == [2]


def test_publish_without_a_draft_is_refused(session):
    with pytest.raises(service.KnowledgeBaseError, match="has no draft waiting"):
        service.publish(session, article_id="nothing-here", editor="ed", note="x")
