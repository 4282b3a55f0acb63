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


# -- preview, 文号, new article, rollback, retire, minor change ------------------------------------------


def _save_draft(browser, article_id: str, **changes) -> None:
    data = _form(browser, article_id, **changes)
    saved = browser.post(f"/editor/articles/{article_id}/edit", data=data, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?done=saved")


def test_the_preview_of_a_draft_shows_its_answer_in_telegram_and_a_web_chat(browser, kb):
    assert sign_in(browser, "editor-kb").status_code == 303
    _save_draft(
        browser, "talent-apartment-bole", **{"zh.summary": "博乐市人才公寓新规：免租期延长至<五年>。"}
    )
    asked = {"q": "博乐市人才公寓怎么申请", "tier": "B类", "district": "博乐市", "language": "zh"}
    draft = browser.get("/editor/articles/talent-apartment-bole/versions/2", params=asked)
    assert draft.status_code == 200
    assert "由本版本答复：talent-apartment-bole v2" in draft.text
    assert "依据：《博乐市人才公寓管理办法（试行）》（博市人才办发〔2025〕4号），第 2 版" in draft.text
    telegram, web = draft.text.split('id="h-telegram"')[1].split('id="h-web"')
    assert "<b>博乐市人才公寓申请</b>" in telegram and "免租期延长至&lt;五年&gt;" in telegram
    assert "<b>" not in web and "免租期延长至&lt;五年&gt;" in web and "第2版" in web
    assert '<span class="key">查看全文</span>' in telegram and "👍 有帮助" in telegram
    assert '<span class="choice">转人工</span>' in web
    live = browser.get("/editor/articles/talent-apartment-bole/versions/1", params=asked)
    assert "由本版本答复：talent-apartment-bole v1" in live.text and "免租期延长至" not in live.text
    with session_scope() as session:  # the draft answers nobody: v1 is still the published one
        index = service.build_index(session)
        assert [
            a.version for a in index.topic_articles("housing") if a.article_id == "talent-apartment-bole"
        ] == [1]
    for_e = browser.get(
        "/editor/articles/home-purchase-subsidy/versions/1",
        params={**asked, "q": "购房补贴有多少", "tier": "E类"},
    )
    assert (
        "不适用于这位人才" in for_e.text
        and "home-purchase-subsidy v1" in for_e.text
        and "A类、B类、C类" in for_e.text
    )
    unknown = browser.get(
        "/editor/articles/talent-apartment-bole/versions/2", params={**asked, "district": ""}
    )
    assert "需要先问清情况" in unknown.text and "智能前台会先问人才所在地区" in unknown.text
    english = browser.get(
        "/editor/articles/talent-apartment-bole/versions/2", params={**asked, "language": "en"}
    )
    assert "Talk to a person" in english.text and "Full text" in english.text


def test_a_preview_question_is_bounded_and_the_version_must_exist(browser, kb):
    assert sign_in(browser, "editor-kb").status_code == 303
    long = browser.get("/editor/articles/talent-apartment-bole/versions/1", params={"q": "公寓" * 151})
    assert long.status_code == 400 and "问题最多 300 字" in long.text and "由本版本答复" not in long.text
    assert browser.get("/editor/articles/talent-apartment-bole/versions/9").status_code == 404
    marked = browser.get(
        "/editor/articles/talent-apartment-jinghe/versions/1", params={"q": "<script>x</script>"}
    )
    assert marked.status_code == 200 and "<script>" not in marked.text


def test_a_document_number_of_the_wrong_shape_is_named_and_the_common_brackets_are_accepted(browser, kb):
    assert sign_in(browser, "editor-kb").status_code == 303
    wrong = _form(browser, "home-purchase-subsidy", **{"source.number": "2025年第5号"})
    refused = browser.post("/editor/articles/home-purchase-subsidy/edit", data=wrong)
    assert refused.status_code == 400
    assert "文号：应为“发文机关简称〔年份〕序号号”，例如 博州人才办发〔2025〕3号" in refused.text
    assert 'value="2025年第5号"' in refused.text
    with session_scope() as session:
        accounts.set_language(session, account=session.get(Account, "editor-kb"), language="en")
    refused = browser.post("/editor/articles/home-purchase-subsidy/edit", data=wrong)
    assert "Document number (文号): Write the issuer&#39;s abbreviation, the year in 〔〕" in refused.text
    assert _versions("home-purchase-subsidy") == [(1, "published", "王编辑")]
    _save_draft(browser, "home-purchase-subsidy", **{"source.number": "博州人才办发[2025]6号"})
    with session_scope() as session:
        newest = service.history(session, article_id="home-purchase-subsidy")[-1]
        assert newest.content["source"]["number"] == "博州人才办发〔2025〕6号"


def _new_form(browser, **changes) -> dict:
    """The new article form filled in with a valid article, with `changes`."""
    page = browser.get("/editor/articles/new")
    values = {
        "id": "pet-rules-apartments",
        "topic": "housing",
        "tiers": "all",
        "districts": "all",
        "keywords": "宠物\n人才公寓",
        "effective_from": "2026-01-01",
        "effective_to": "",
        "source.title": "人才公寓管理规定",
        "source.number": "博州人才办发〔2026〕2号",
        "source.issuer": "博州人才办",
        "source.issued_on": "2025-12-01",
        "zh.title": "人才公寓饲养宠物",
        "zh.summary": "人才公寓内可饲养小型宠物，须登记。",
        "zh.body": "入住人才公寓的人才可饲养一只小型宠物，须在物业登记并遵守公寓管理规定。",
        "note": "新条目：宠物",
        "csrf": csrf_of(page.text),
    }
    return {**values, **changes}


def test_a_new_article_is_saved_as_draft_v1_with_its_question_box_and_bad_forms_save_nothing(browser, kb):
    assert sign_in(browser, "editor-kb").status_code == 303
    listing = browser.get("/editor/articles")
    assert 'href="/editor/articles/new"' in listing.text
    asked = browser.get(
        "/editor/articles/new",
        params=[("topic", "housing"), ("question", "公寓能养猫吗<b>"), ("question", "宠物怎么登记")],
    )
    assert asked.status_code == 200 and "人才问过的问题" in asked.text
    assert (
        "<li>公寓能养猫吗&lt;b&gt;</li>" in asked.text and '<option value="housing" selected>' in asked.text
    )
    assert 'name="asked" value="宠物怎么登记"' in asked.text
    bad = _new_form(
        browser,
        **{"zh.title": "", "id": "talent-apartment-bole", "source.number": "第2号", "asked": "宠物怎么登记"},
    )
    refused = browser.post("/editor/articles/new", data=bad)
    assert refused.status_code == 400 and "有 3 处需要修改，尚未保存任何内容" in refused.text
    assert "条目编号：已有此编号的条目" in refused.text and "标题（中文）：必填" in refused.text
    assert "文号：应为" in refused.text
    assert "<li>宠物怎么登记</li>" in refused.text  # the talents' questions stay on the form
    order = browser.post("/editor/articles/new", data=_new_form(browser, effective_to="2025-01-01"))
    assert order.status_code == 400 and "失效日期（留空为长期有效）：不能早于生效日期" in order.text
    shape = browser.post("/editor/articles/new", data=_new_form(browser, id="Pet_Rules", topic="bogus"))
    assert "条目编号：格式不正确" in shape.text and "主题：请从列出的选项中选择" in shape.text
    reserved = browser.post("/editor/articles/new", data=_new_form(browser, id="new"))
    assert reserved.status_code == 400 and "此编号留作页面地址" in reserved.text
    with session_scope() as session:
        assert {article.id for article, _ in service.list_articles(session)} == set(IDS)
    saved = browser.post(
        "/editor/articles/new", data=_new_form(browser, asked="宠物怎么登记"), follow_redirects=False
    )
    assert (
        saved.status_code == 303
        and saved.headers["location"] == "/editor/articles/pet-rules-apartments?done=created"
    )
    assert "新条目已保存为草稿 v1" in browser.get(saved.headers["location"]).text
    assert _versions("pet-rules-apartments") == [(1, "draft", "editor-kb")]
    with session_scope() as session:
        (draft,) = service.history(session, article_id="pet-rules-apartments")
        assert draft.change_note == "新条目：宠物" and draft.article.topic == "housing"
        assert "宠物怎么登记" not in str(draft.content)
    again = browser.post("/editor/articles/new", data=_new_form(browser))
    assert again.status_code == 400 and "已有此编号的条目" in again.text


def _publish_v2(article_id: str) -> None:
    with session_scope() as session:
        review.submit(session, article_id=article_id, version=2, editor="editor-kb")
        review.approve(session, article_id=article_id, version=2, reviewer="editor-two")
        review.publish_approved(session, article_id=article_id, version=2, editor="editor-kb")


def test_a_rollback_from_the_web_is_a_draft_that_waits_for_review(browser, kb):
    article = "talent-apartment-bole"
    assert sign_in(browser, "editor-kb").status_code == 303
    _save_draft(browser, article, **{"zh.contact": "博乐市窗口 0909-1111111"})
    _publish_v2(article)
    page = browser.get(f"/editor/articles/{article}")
    assert '<option value="1">v1 · 已被取代</option>' in page.text
    csrf = csrf_of(page.text)
    newest = browser.post(
        f"/editor/articles/{article}/rollback", data={"version": "2", "note": "x", "csrf": csrf}
    )
    assert newest.status_code == 400 and "只能回退到比最新版本更早的版本" in newest.text
    assert (
        browser.post(f"/editor/articles/{article}/rollback", data={"version": "9", "csrf": csrf}).status_code
        == 404
    )
    assert (
        browser.post(f"/editor/articles/{article}/rollback", data={"version": "x", "csrf": csrf}).status_code
        == 400
    )
    long = browser.post(
        f"/editor/articles/{article}/rollback", data={"version": "1", "note": "长" * 501, "csrf": csrf}
    )
    assert long.status_code == 400 and "说明最多 500 字" in long.text
    assert len(_versions(article)) == 2
    done = browser.post(
        f"/editor/articles/{article}/rollback",
        data={"version": "1", "note": "电话写错了", "csrf": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=rolled_back")
    assert "已用旧版本的内容生成新草稿" in browser.get(done.headers["location"]).text
    assert _versions(article) == [
        (1, "superseded", "王编辑"),
        (2, "published", "editor-kb"),
        (3, "draft", "editor-kb"),
    ]
    with session_scope() as session:
        v1, _, v3 = service.history(session, article_id=article)
        assert v3.content == v1.content and v3.change_note == "rollback to v1: 电话写错了"
    same = browser.post(
        f"/editor/articles/{article}/rollback", data={"version": "1", "csrf": csrf}, follow_redirects=False
    )
    assert same.headers["location"].endswith("?done=unchanged") and len(_versions(article)) == 3


def test_retiring_needs_a_note_and_shows_in_the_review_events(browser, kb):
    article = "talent-apartment-jinghe"
    assert sign_in(browser, "editor-kb").status_code == 303
    page = browser.get(f"/editor/articles/{article}")
    assert f'action="/editor/articles/{article}/retire"' in page.text
    csrf = csrf_of(page.text)
    empty = browser.post(f"/editor/articles/{article}/retire", data={"note": "  ", "csrf": csrf})
    assert empty.status_code == 400 and "请写明停用的原因" in empty.text
    assert _versions(article) == [(1, "published", "王编辑")]
    done = browser.post(
        f"/editor/articles/{article}/retire",
        data={"note": "精河县公寓停止受理<b>", "csrf": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=retired")
    history = browser.get(done.headers["location"]).text
    assert "已停用。智能前台不再用本条目答复" in history and "精河县公寓停止受理&lt;b&gt;" in history
    assert "<td>停用</td>" in history and f'action="/editor/articles/{article}/retire"' not in history
    assert _versions(article) == [(1, "retired", "王编辑")]
    with session_scope() as session:
        events = [(e.action, e.actor, e.comment) for e in review.review_events(session, article_id=article)]
        assert events == [("retire", "editor-kb", "精河县公寓停止受理<b>")]
        assert article not in {v.article_id for v in service.published_versions(session)}
    again = browser.post(f"/editor/articles/{article}/retire", data={"note": "再停一次", "csrf": csrf})
    assert again.status_code == 409 and "没有已发布的版本可以停用" in again.text


def test_the_publish_step_can_mark_a_minor_correction(app, kb):
    article = "home-purchase-subsidy"
    with (
        TestClient(app, base_url="http://127.0.0.1:8080") as author,
        TestClient(app, base_url="http://127.0.0.1:8080") as reviewer,
    ):
        assert sign_in(author, "editor-kb").status_code == 303
        assert sign_in(reviewer, "editor-two").status_code == 303
        for version, change in ((2, "补贴标准见正文"), (3, "补贴标准详见正文")):
            _save_draft(author, article, **{"zh.processing_time": change})
            assert _step(author, article, version, "submit").status_code == 303
            assert _step(reviewer, article, version, "approve").status_code == 303
            page = author.get(f"/editor/articles/{article}")
            assert 'name="minor" value="1"' in page.text and "小修改（不通知人才）" in page.text
            data = {"version": str(version), "step": "publish", "csrf": csrf_of(page.text)}
            if version == 3:
                data["minor"] = "1"
            assert (
                author.post(
                    f"/editor/articles/{article}/review", data=data, follow_redirects=False
                ).status_code
                == 303
            )
    with session_scope() as session:
        flags = [
            (v.version, str(v.status), v.minor_change) for v in service.history(session, article_id=article)
        ]
    assert flags == [(1, "superseded", False), (2, "superseded", False), (3, "published", True)]
