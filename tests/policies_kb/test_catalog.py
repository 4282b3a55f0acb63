"""The editors' overview of the articles: states, last change, filters (SQLite and PostgreSQL)."""

import datetime as dt

import pytest

from policies_kb import catalog, service
from policies_kb.catalog import ArticleState
from policies_kb.files import load_directory

TODAY = dt.date(2026, 11, 30)
IDS = ("talent-apartment-bole", "home-purchase-subsidy", "rent-subsidy-2027", "talent-apartment-jinghe")


@pytest.fixture
def articles(session):
    contents = {a.id: a for a in load_directory().articles.values() if a.id in IDS}
    service.import_drafts(session, contents=[(c, None) for c in contents.values()], editor="王编辑")
    service.publish_drafts(session, article_ids=list(IDS[:3]), editor="王编辑", note="首次发布")
    service.retire(session, article_id="talent-apartment-bole", editor="李编辑", note="停止受理")
    return contents


def test_each_article_has_its_state_last_change_and_editor(session, articles):
    rows = {row.article_id: row for row in catalog.article_rows(session, today=TODAY)}
    assert set(rows) == set(IDS)
    assert rows["talent-apartment-bole"].state is ArticleState.RETIRED
    assert rows["talent-apartment-bole"].changed_by == "李编辑"
    assert rows["home-purchase-subsidy"].state is ArticleState.IN_FORCE
    assert rows["home-purchase-subsidy"].published_version == 1
    assert rows["rent-subsidy-2027"].state is ArticleState.COMING
    assert rows["talent-apartment-jinghe"].state is ArticleState.UNPUBLISHED
    assert rows["talent-apartment-jinghe"].published_version is None


def test_filters_narrow_the_list(session, articles):
    rows = catalog.article_rows(session, today=TODAY)

    def ids(**filters):
        return {row.article_id for row in catalog.filter_rows(rows, **filters)}

    assert ids(district="精河县") == {"talent-apartment-jinghe", "home-purchase-subsidy", "rent-subsidy-2027"}
    assert "home-purchase-subsidy" not in ids(tier="D类")
    assert ids(state="coming") == {"rent-subsidy-2027"}
    assert ids(words="购房补贴") == {"home-purchase-subsidy"}
    assert ids(words="PURCHASE subsidy") == {"home-purchase-subsidy"}
    assert ids(topic="medical") == set()


def test_the_newest_versions_status_filters_what_waits_for_review(session, articles):
    from policies_kb import review

    review.submit(session, article_id="talent-apartment-jinghe", version=1, editor="王编辑")
    rows = catalog.article_rows(session, today=TODAY)
    assert {row.article_id for row in catalog.filter_rows(rows, newest="submitted")} == {
        "talent-apartment-jinghe"
    }
