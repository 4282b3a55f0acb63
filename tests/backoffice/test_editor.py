"""The policy editors' pages through the ASGI stack (SQLite and PostgreSQL): the articles list with its
filters and escaping; and who may open it."""

from __future__ import annotations

import io

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from starlette.testclient import TestClient

from backoffice import accounts
from backoffice.editor_forms import form_values
from backoffice.models import Account
from frontdesk.config import PROJECT_ROOT
from frontdesk.database import get_engine, session_scope
from people import roster
from policies_kb import review, service
from policies_kb.files import load_directory
from tests.backoffice.conftest import PASSWORD, csrf_of, sign_in

REVISION = "8c00832a4569"  # this work's migration: backoffice_accounts.editor
EDITORS = """
- {id: editor-kb, name: 吴编辑, role: officer, districts: [all], topics: [all]}
- {id: editor-two, name: 郑编辑, role: officer, districts: [all], topics: [all]}
"""
IDS = ("talent-apartment-bole", "talent-apartment-jinghe", "home-purchase-subsidy")


@pytest.fixture
def kb(office_database):
    """Two editors, and three articles published by the CLI's functions (one with markup in its title)."""
    with session_scope() as session:
        assert not roster.import_roster(session, text=EDITORS, fmt="yaml").problems
        for person_id in ("editor-kb", "editor-two"):
            accounts.create_account(session, person_id=person_id, password=PASSWORD, editor=True)
        contents = [a for a in load_directory().articles.values() if a.id in IDS]
        marked = next(c for c in contents if c.id == "talent-apartment-jinghe")
        zh = marked.content["zh"].model_copy(update={"title": "<script>alert(1)</script>精河人才公寓"})
        contents = [c for c in contents if c is not marked] + [
            marked.model_copy(update={"content": {**marked.content, "zh": zh}})
        ]
        service.import_drafts(session, contents=[(c, None) for c in contents], editor="王编辑")
        service.publish_drafts(session, article_ids=list(IDS), editor="王编辑", note="首次发布")
    return office_database


def test_the_migration_is_in_the_one_line_of_revisions_and_adds_the_editor_column(kb):
    scripts = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini")))
    assert len(scripts.get_heads()) == 1
    assert REVISION in {revision.revision for revision in scripts.walk_revisions()}
    with get_engine().connect() as connection:
        editors = connection.execute(
            text("SELECT person_id FROM backoffice_accounts WHERE editor ORDER BY person_id")
        ).scalars()
        assert list(editors) == ["editor-kb", "editor-two"]


def test_an_editor_lists_searches_and_filters_the_articles(browser, kb):
    assert sign_in(browser, "editor-kb").status_code == 303
    listing = browser.get("/editor/articles")
    assert listing.status_code == 200
    assert 'href="/editor/articles" aria-current="page"' in listing.text
    for article_id in IDS:
        assert article_id in listing.text
    assert "<script>alert(1)</script>" not in listing.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;精河人才公寓" in listing.text
    assert "现行有效" in listing.text and "王编辑" in listing.text
    only_jinghe = browser.get("/editor/articles", params={"district": "精河县", "q": "公寓"})
    assert "talent-apartment-jinghe" in only_jinghe.text and "talent-apartment-bole" not in only_jinghe.text
    searched = browser.get("/editor/articles", params={"q": "购房补贴", "tier": "B类"})
    assert "home-purchase-subsidy" in searched.text and "talent-apartment" not in searched.text
    nothing = browser.get("/editor/articles", params={"state": "retired", "topic": "bogus"})
    assert "没有符合条件的条目" in nothing.text


def test_people_without_the_editor_role_do_not_see_the_articles(browser, kb):
    assert sign_in(browser, "officer-hr").status_code == 303  # an administrator, not an editor
    assert 'href="/editor/articles"' not in browser.get("/queue").text
    assert browser.get("/editor/articles").status_code == 403


def test_the_command_line_makes_an_editor_account(office_database, monkeypatch, capsys):
    from backoffice import __main__ as cli

    with session_scope() as session:
        assert not roster.import_roster(session, text=EDITORS, fmt="yaml").problems
    monkeypatch.setattr("sys.argv", ["backoffice", "create-account", "editor-kb", "--editor"])
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    cli.main()
    assert "account created for editor-kb (editor)" in capsys.readouterr().out
    with session_scope() as session:
        account = session.get(Account, "editor-kb")
        assert account is not None and account.editor and not account.admin


def _form(browser, article_id: str, **changes) -> dict:
    """The article's edit form as the browser would send it, with `changes` (field name → value)."""
    page = browser.get(f"/editor/articles/{article_id}/edit")
    assert page.status_code == 200
    with session_scope() as session:
        newest = service.history(session, article_id=article_id)[-1]
        data = {**form_values(newest.content), "base": str(newest.version), "csrf": csrf_of(page.text)}
    return {**data, **changes}


def _versions(article_id: str) -> list[tuple[int, str, str]]:
    with session_scope() as session:
        return [
            (v.version, str(v.status), v.created_by) for v in service.history(session, article_id=article_id)
        ]


def test_an_edit_becomes_a_draft_shown_in_the_history_and_side_by_side(browser, kb):
    assert sign_in(browser, "editor-kb").status_code == 303
    data = _form(
        browser,
        "talent-apartment-bole",
        **{"zh.processing_time": "受理后5个工作日内<b>答复</b>", "note": "缩短办理时限"},
    )
    saved = browser.post("/editor/articles/talent-apartment-bole/edit", data=data, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?done=saved")
    assert _versions("talent-apartment-bole") == [(1, "published", "王编辑"), (2, "draft", "editor-kb")]
    history = browser.get(saved.headers["location"])
    assert "已保存为新草稿" in history.text and "吴编辑" in history.text and "缩短办理时限" in history.text
    diff = browser.get("/editor/articles/talent-apartment-bole/diff", params={"old": "1", "new": "2"})
    assert diff.status_code == 200 and "1 行不同" in diff.text
    assert "受理后5个工作日内&lt;b&gt;答复&lt;/b&gt;" in diff.text and "<b>答复" not in diff.text
    assert browser.get("/editor/articles/talent-apartment-bole/diff?old=1&new=9").status_code == 404
    again = browser.post(
        "/editor/articles/talent-apartment-bole/edit", data=_form(browser, "talent-apartment-bole")
    )
    assert "内容没有变化" in again.text and len(_versions("talent-apartment-bole")) == 2
    with session_scope() as session:  # the draft answers nobody: v1 is still the published one
        assert [v.version for v in service.published_versions(session)] == [1, 1, 1]


def test_a_bad_form_names_each_field_in_the_editors_language_and_saves_nothing(browser, kb):
    assert sign_in(browser, "editor-kb").status_code == 303
    data = _form(
        browser,
        "home-purchase-subsidy",
        **{"zh.title": "", "source.issued_on": "2025-13-01", "districts": []},
    )
    refused = browser.post("/editor/articles/home-purchase-subsidy/edit", data=data)
    assert refused.status_code == 400
    assert "有 3 处需要修改，尚未保存任何内容" in refused.text
    assert "标题（中文）：必填" in refused.text
    assert "发文日期：不是有效日期" in refused.text
    assert "适用地区：请勾选「全部」或至少一项" in refused.text
    assert 'value="2025-13-01"' in refused.text  # what was typed comes back
    order = _form(browser, "home-purchase-subsidy", effective_to="2024-01-01")
    refused = browser.post("/editor/articles/home-purchase-subsidy/edit", data=order)
    assert refused.status_code == 400 and "失效日期（留空为长期有效）：不能早于生效日期" in refused.text
    with session_scope() as session:
        accounts.set_language(session, account=session.get(Account, "editor-kb"), language="en")
    refused = browser.post(
        "/editor/articles/home-purchase-subsidy/edit", data={**data, "csrf": order["csrf"]}
    )
    assert "Title (Chinese): Required" in refused.text and "Issued on: Not a date" in refused.text
    assert _versions("home-purchase-subsidy") == [(1, "published", "王编辑")]


def test_a_form_opened_before_someone_else_saved_is_refused_with_the_text_kept(browser, kb):
    assert sign_in(browser, "editor-kb").status_code == 303
    first = _form(browser, "talent-apartment-jinghe", **{"zh.contact": "精河县窗口 0909-5555555"})
    second = _form(browser, "talent-apartment-jinghe", **{"zh.contact": "另一种写法 0909-6666666"})
    assert browser.post("/editor/articles/talent-apartment-jinghe/edit", data=first).status_code == 200
    stale = browser.post("/editor/articles/talent-apartment-jinghe/edit", data=second)
    assert stale.status_code == 409 and "有人保存了本条目的新版本" in stale.text
    assert "另一种写法 0909-6666666" in stale.text
    assert len(_versions("talent-apartment-jinghe")) == 2
    assert browser.get("/editor/articles/no-such-article").status_code == 404
    assert browser.get("/editor/articles/no-such-article/edit").status_code == 404


def _step(browser, article_id: str, version: int, step: str, comment: str = ""):
    page = browser.get(f"/editor/articles/{article_id}")
    data = {"version": str(version), "step": step, "comment": comment, "csrf": csrf_of(page.text)}
    return browser.post(f"/editor/articles/{article_id}/review", data=data, follow_redirects=False)


def _answering(cache, session, article_id: str) -> int:
    """The version the action server's index answers from (its cache rebuilt when a publish is seen)."""
    return next(a.version for a in cache.get(session).topic_articles("housing") if a.article_id == article_id)


def test_four_eyes_a_second_editor_approves_and_the_next_answer_comes_from_the_new_version(app, kb):
    from actions.knowledge import IndexCache

    cache = IndexCache()
    with session_scope() as session:
        assert _answering(cache, session, "talent-apartment-bole") == 1
    article = "talent-apartment-bole"
    with (
        TestClient(app, base_url="http://127.0.0.1:8080") as author,
        TestClient(app, base_url="http://127.0.0.1:8080") as reviewer,
    ):
        assert sign_in(author, "editor-kb").status_code == 303
        assert sign_in(reviewer, "editor-two").status_code == 303
        data = _form(
            author, article, **{"zh.summary": "博乐市人才公寓新规：免租期延长至三年。", "note": "延长免租期"}
        )
        assert author.post(f"/editor/articles/{article}/edit", data=data).status_code == 200
        assert _step(author, article, 2, "submit", "请审核").status_code == 303
        waiting = author.get("/editor/articles", params={"newest": "submitted"})
        assert article in waiting.text and "home-purchase-subsidy" not in waiting.text
        own = _step(author, article, 2, "approve")
        assert own.status_code == 409 and "此修改须由另一位编辑审核" in own.text
        assert "等待另一位编辑审核" in author.get(f"/editor/articles/{article}").text
        empty = _step(reviewer, article, 2, "send_back", "")
        assert empty.status_code == 409 and "退回前请在意见中写明" in empty.text
        back = _step(reviewer, article, 2, "send_back", "摘要里的<b>年限</b>请核对")
        assert back.status_code == 303
        page = author.get(back.headers["location"])
        assert "摘要里的&lt;b&gt;年限&lt;/b&gt;请核对" in page.text and "郑编辑" in page.text
        assert _step(author, article, 2, "submit").status_code == 303
        assert _step(reviewer, article, 2, "approve", "核对无误").status_code == 303
        assert _versions(article)[-1] == (2, "approved", "editor-kb")
        with session_scope() as session:  # approved is not published: the assistant still answers from v1
            assert _answering(cache, session, article) == 1
        published = _step(author, article, 2, "publish")
        assert published.status_code == 303 and published.headers["location"].endswith("?done=publish")
        assert "已发布" in author.get(published.headers["location"]).text
        assert _step(reviewer, article, 2, "publish").status_code == 409  # once
    assert _versions(article) == [(1, "superseded", "王编辑"), (2, "published", "editor-kb")]
    with session_scope() as session:
        assert _answering(cache, session, article) == 2
        steps = [(e.action, e.actor) for e in review.review_events(session, article_id=article)]
    assert steps == [
        ("submit", "editor-kb"),
        ("send_back", "editor-two"),
        ("submit", "editor-kb"),
        ("approve", "editor-two"),
        ("publish", "editor-kb"),
    ]


def test_a_review_step_that_is_not_one_is_refused(browser, kb):
    assert sign_in(browser, "editor-kb").status_code == 303
    assert _step(browser, "talent-apartment-bole", 1, "delete").status_code == 400
    assert _step(browser, "talent-apartment-bole", 99, "submit").status_code == 404
    assert _step(browser, "no-such-article", 1, "submit").status_code == 404
