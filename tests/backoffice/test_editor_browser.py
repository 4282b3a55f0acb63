"""The policy editors' pages in a real browser (Chromium driven by Playwright, see test_browser): every page
without a serious or critical axe-core violation, in Chinese and English, also with a form's problems shown;
an editor finds an article, changes it, sees the change side by side and submits it; a second editor approves
and publishes it."""

from __future__ import annotations

from tests.backoffice.conftest import accessibility_problems
from tests.backoffice.conftest import sign_in_browser as sign_in
from tests.backoffice.test_editor import kb  # noqa: F401  (the fixture: two editors, three articles)

ARTICLE = "talent-apartment-bole"
EDITOR_PAGES = (
    "/editor/articles",
    "/editor/articles?district=精河县&q=公寓",
    f"/editor/articles/{ARTICLE}",
    f"/editor/articles/{ARTICLE}/edit",
    f"/editor/articles/{ARTICLE}/diff?old=1&new=2",
    f"/editor/articles/{ARTICLE}/versions/2?q=博乐市人才公寓怎么申请&tier=B类&district=博乐市",
    "/editor/articles/new?topic=housing&question=人才公寓能养猫吗",
)


def test_an_editor_changes_an_article_and_every_page_is_accessible(page, kb):  # noqa: F811
    sign_in(page, "editor-kb")
    page.get_by_role("link", name="政策条目", exact=True).click()
    page.wait_for_url("**/editor/articles")
    page.get_by_label("搜索").fill("博乐 公寓")
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name="博乐市人才公寓申请").click()
    page.get_by_role("link", name="编辑", exact=True).click()
    page.get_by_label("办理时限（中文）").fill("受理后5个工作日内答复")
    page.get_by_label("标题（中文）").fill("")
    page.get_by_role("button", name="保存为草稿").click()
    page.get_by_role("alert").filter(has_text="尚未保存任何内容").wait_for()
    assert page.get_by_label("标题（中文）").get_attribute("aria-invalid") == "true"
    assert accessibility_problems(page) == []
    page.get_by_label("标题（中文）").fill("博乐市人才公寓（新）")
    page.get_by_label("修改内容及原因（记入历史）").fill("缩短办理时限")
    page.get_by_role("button", name="保存为草稿").click()
    page.get_by_role("status").filter(has_text="已保存为新草稿").wait_for()
    page.get_by_role("link", name="对比最近两个版本").click()
    page.get_by_role("heading", name="v1 与 v2 对照").wait_for()
    assert "受理后5个工作日内答复" in page.content()
    page.goto(f"/editor/articles/{ARTICLE}")
    page.get_by_role("button", name="提交审核").click()
    page.get_by_role("status").filter(has_text="已提交审核").wait_for()
    assert page.get_by_role("button", name="审核通过").count() == 0  # not one's own change
    for path in EDITOR_PAGES:
        page.goto(path)
        assert accessibility_problems(page) == [], path

    page.get_by_role("button", name="退出登录").click()
    sign_in(page, "editor-two")
    page.goto(f"/editor/articles/{ARTICLE}")
    page.get_by_label("意见").fill("核对无误")
    page.get_by_role("button", name="审核通过").click()
    page.get_by_role("status").filter(has_text="已审核通过").wait_for()
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="发布").click()
    page.get_by_role("status").filter(has_text="已发布").wait_for()
    assert page.get_by_role("row").filter(has_text="核对无误").count() == 1
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Review steps").wait_for()
    for path in EDITOR_PAGES:
        page.goto(path)
        assert accessibility_problems(page) == [], ("en", path)
