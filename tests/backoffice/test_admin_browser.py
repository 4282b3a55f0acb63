"""The administration in a real browser (Chromium driven by Playwright, see test_browser): every page without
a serious or critical axe-core violation, in Chinese and English, also with a form's problems shown; an
administrator enters 2027's holidays in the calendar form and the next deadline moves."""

from __future__ import annotations

import datetime as dt

from frontdesk.clock import LOCAL_TZ
from tests.backoffice.conftest import ADMIN, accessibility_problems
from tests.backoffice.conftest import sign_in_browser as sign_in
from tests.backoffice.test_admin import REGISTRY_CSV, _first_response_due

ADMIN_PAGES = (
    "/admin",
    "/admin/people",
    "/admin/people/new",
    "/admin/people/leader-bole/edit",
    "/admin/pairs",
    "/admin/talents",
    "/admin/calendar?year=2027",
    "/admin/audit",
)


def test_every_administration_page_is_accessible_in_both_languages(page):
    sign_in(page, ADMIN)
    page.get_by_role("link", name="管理", exact=True).click()
    page.wait_for_url("**/admin")
    for path in ADMIN_PAGES:
        page.goto(path)
        assert accessibility_problems(page) == [], path
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Audit log").wait_for()
    for path in ADMIN_PAGES:
        page.goto(path)
        assert accessibility_problems(page) == [], ("en", path)
    page.goto("/admin/people/new")
    page.get_by_role("button", name="Add to the roster").click()
    page.get_by_role("alert").filter(has_text="nothing was saved").wait_for()
    assert page.get_by_label("Name").get_attribute("aria-invalid") == "true"
    assert accessibility_problems(page) == []


def test_an_administrator_enters_2027_holidays_and_a_deadline_moves(page, tmp_path):
    eve = dt.datetime(2026, 12, 31, 19, 0, tzinfo=LOCAL_TZ)
    assert _first_response_due(eve) == dt.datetime(2027, 1, 1, 13, 0, tzinfo=LOCAL_TZ)
    sign_in(page, ADMIN)
    page.goto("/admin/calendar?year=2027")
    page.get_by_label("2027 年的全部安排，每行一项").fill("2027-01-01 holiday 元旦\n2027-13-01 holiday 错")
    page.get_by_role("button", name="保存 2027 年安排").click()
    page.get_by_role("alert").filter(has_text="第 2 行").wait_for()
    assert accessibility_problems(page) == []
    assert _first_response_due(eve) == dt.datetime(2027, 1, 1, 13, 0, tzinfo=LOCAL_TZ)  # nothing saved
    page.get_by_label("2027 年的全部安排，每行一项").fill("2027-01-01 holiday 元旦\n2027-02-06 workday 调休")
    page.get_by_role("button", name="保存 2027 年安排").click()
    page.get_by_role("status").filter(has_text="已保存该年的安排").wait_for()
    assert page.get_by_role("row").filter(has_text="2027-01-01").filter(has_text="元旦").count() == 1
    assert _first_response_due(eve) == dt.datetime(2027, 1, 4, 13, 0, tzinfo=LOCAL_TZ)

    registry = tmp_path / "registry.csv"
    registry.write_text(REGISTRY_CSV, encoding="utf-8")
    page.goto("/admin/talents")
    page.get_by_label("CSV 文件", exact=True).set_input_files(str(registry))
    page.get_by_role("button", name="导入", exact=True).click()
    report = page.get_by_role("status").filter(has_text="5 行未导入")
    report.wait_for()
    assert "13811112222" not in page.content()
    assert accessibility_problems(page) == []
