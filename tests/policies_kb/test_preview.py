"""The editors' preview on the database (SQLite and PostgreSQL): the answer a talent would get with one
version in place of the published one, by the action server's own choice and rendering."""

import datetime as dt

import pytest

from policies_kb import review, service
from policies_kb.answers import Outcome, choose_article
from policies_kb.files import load_directory
from policies_kb.preview import preview_answer

TODAY = dt.date(2026, 11, 30)
ARTICLE = "talent-apartment-bole"
NEW_SUMMARY = "博乐市人才公寓新规：免租期延长至五年。"
TALENT = {"tier": "B类", "district": "博乐市", "today": TODAY}


@pytest.fixture
def draft(session):
    """The housing articles published by the CLI; v2 of the 博乐市 apartments a draft with a new summary."""
    contents = [c for c in load_directory().articles.values() if c.topic == "housing"]
    service.import_drafts(session, contents=[(c, None) for c in contents], editor="王编辑")
    service.publish_drafts(session, article_ids=[c.id for c in contents], editor="王编辑", note="首次发布")
    content = next(c for c in contents if c.id == ARTICLE)
    zh = content.content["zh"].model_copy(update={"summary": NEW_SUMMARY})
    return service.import_draft(
        session,
        content=content.model_copy(update={"content": {**content.content, "zh": zh}}),
        editor="editor-a",
    )


def _preview(session, version, question="博乐市人才公寓怎么申请", **talent):
    return preview_answer(session, version=version, question=question, language="zh", **{**TALENT, **talent})


def test_the_preview_of_a_draft_answers_from_the_draft_and_the_live_answer_from_the_published(session, draft):
    shown = _preview(session, draft)
    assert shown.choice.outcome is Outcome.ANSWER and shown.answered_by_previewed
    assert (shown.choice.article.article_id, shown.choice.article.version) == (ARTICLE, 2)
    text = "\n".join(shown.answer.messages)
    assert NEW_SUMMARY in text and "第2版" in text and "博市人才办发〔2025〕4号" in text
    live = choose_article(
        service.build_index(session), topic="housing", question="博乐市人才公寓怎么申请", **TALENT
    )
    assert (live.article.article_id, live.article.version) == (ARTICLE, 1)
    published = _preview(session, service.get_version(session, article_id=ARTICLE, version=1))
    assert published.choice.article.version == 1 and NEW_SUMMARY not in "\n".join(published.answer.messages)
    assert service.get_version(session, article_id=ARTICLE, version=2).status == "draft"  # nothing moved


def test_a_submitted_version_is_previewed_too_and_says_when_it_does_not_apply(session, draft):
    review.submit(session, article_id=ARTICLE, version=2, editor="editor-a")
    assert _preview(session, draft).choice.article.version == 2
    for_e = _preview(session, draft, question="博乐市人才公寓免租金吗", tier="E类")
    assert not for_e.answered_by_previewed  # the apartments are for A–D: named as not applying
    assert (for_e.choice.not_for_you.article_id, for_e.choice.not_for_you.version) == (ARTICLE, 2)
    asked = _preview(session, draft, district=None)
    assert asked.choice.outcome is Outcome.NEED_DETAIL and asked.choice.need == "district"


def test_a_version_not_yet_in_force_of_the_only_article_of_its_topic_leaves_nothing_to_answer(session):
    content = next(c for c in load_directory().articles.values() if c.id == "schooling-bole")
    later = content.model_copy(update={"effective_from": dt.date(2030, 1, 1)})
    version = service.import_draft(session, content=later, editor="editor-a")
    shown = _preview(session, version, question="孩子在博乐市怎么入学")
    assert shown.choice.outcome is Outcome.NO_ARTICLE and shown.answer is None
    assert not shown.answered_by_previewed
