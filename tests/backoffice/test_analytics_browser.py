"""The analytics page in a real browser (Chromium driven by Playwright, see test_browser): reached from the
navigation, filtered by period and district, without a serious or critical axe-core violation, also with a
wrong period named, in Chinese and in English."""

from __future__ import annotations

from tests.backoffice.conftest import accessibility_problems
from tests.backoffice.conftest import sign_in_browser as sign_in
from tests.backoffice.test_analytics_pages import record  # noqa: F401  (the fixture: a small record)


def test_an_administrator_reads_the_figures_and_the_page_is_accessible(page, record):  # noqa: F811
    sign_in(page, "officer-hr")
    page.get_by_role("link", name="统计", exact=True).click()
    page.wait_for_url("**/analytics")
    assert accessibility_problems(page) == []
    page.get_by_label("从", exact=True).fill("2026-06-08")
    page.get_by_label("到", exact=True).fill("2026-06-10")
    page.get_by_label("地区", exact=True).select_option("精河县")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**/analytics?from=2026-06-08&to=2026-06-10&district=*")
    assert page.get_by_role("img", name="每日提问数和会话数").count() == 1
    assert page.get_by_role("row", name="2026-06-09").count() == 1
    assert accessibility_problems(page) == []
    page.get_by_label("从", exact=True).fill("2026-06-11")
    page.get_by_role("button", name="查看").click()
    page.get_by_role("alert").filter(has_text="开始日期晚于结束日期").wait_for()
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="English").click()
    page.goto("/analytics?from=2026-06-08&to=2026-06-10")
    page.get_by_role("heading", name="By staff member").wait_for()
    assert accessibility_problems(page) == []
