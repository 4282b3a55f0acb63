"""The analytics page and its CSV files through the ASGI stack (SQLite and PostgreSQL): the figures of a
small record in tables and SVG charts, the filters checked, an officer kept to their districts, roster
names escaped on the page and harmless in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from backoffice import accounts
from backoffice.analytics_pages import Table, csv_body, safe_cell
from conversations.models import TurnOutcome
from conversations.service import record_turn
from frontdesk.clock import LOCAL_TZ
from frontdesk.database import session_scope
from people import roster
from tests.backoffice.conftest import sign_in
from tickets import service as tickets

EVIL = '=HYPERLINK("x")<b>赵</b>'
EXTRA = f"""
- {{id: officer-jinghe, name: 郑科长, role: officer, districts: [精河县], topics: [all]}}
- {{id: staff-evil, name: '{EVIL}', role: staff, districts: [精河县], topics: [all]}}
"""
PERIOD = "from=2026-06-08&to=2026-06-10"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=LOCAL_TZ)


@pytest.fixture
def record(office_database):
    """Four questions and a button press in two districts; a ticket in each, one claimed by staff-evil."""
    with session_scope() as session:
        assert not roster.import_roster(session, text=EXTRA, fmt="yaml").problems
        accounts.create_account(session, person_id="officer-jinghe", password="correct horse battery")
        for sender, when, district, typed, topic, outcome in (
            ("telegram:1", at(8, 10), "博乐市", True, "housing", TurnOutcome.ANSWERED),
            ("telegram:1", at(8, 10, 1), "博乐市", False, "housing", TurnOutcome.ANSWERED),
            ("telegram:2", at(9, 11), "精河县", True, "schooling", TurnOutcome.NO_ARTICLE),
            ("telegram:2", at(9, 11, 5), "精河县", True, "schooling", TurnOutcome.TICKET),
            ("telegram:3", at(10, 12), "博乐市", True, "medical", TurnOutcome.ANSWERED),
        ):
            record_turn(
                session, sender_id=sender, language="zh", text="问", from_button=not typed, intent="ask",
                confidence=0.9, outcome=outcome, topic=topic, district=district, at=when,
            )  # fmt: skip
        for district, created in (("精河县", at(9, 11, 5)), ("博乐市", at(10, 12))):
            ticket = tickets.create_ticket(
                session, channel="telegram", sender_id="telegram:2", question="问", reason="talent_request",
                sla=tickets.default_sla(), district=district, topic="schooling", now=created,
            )  # fmt: skip
            if district == "精河县":
                tickets.claim(session, ticket_id=ticket.id, person_id="staff-evil", now=at(9, 12, 5))  # 1 h


def test_the_figures_in_tables_and_charts(browser, record):
    assert sign_in(browser, "officer-hr").status_code == 303
    page = browser.get(f"/analytics?{PERIOD}")
    assert page.status_code == 200
    html = page.text
    assert 'href="/analytics" aria-current="page"' in html
    assert html.count('role="img"') == 3 and '<title id="days-title">每日提问数和会话数</title>' in html
    assert '<th scope="row">2026-06-09</th><td>1</td><td>2</td><td>0</td>' in html  # 1 talent, 2 questions
    assert '<th scope="row">由智能前台直接答复的提问</th><td>2 (50.0%)</td>' in html
    assert '<th scope="row">未转人工的会话</th><td>2 (66.7%)</td>' in html
    # 精河县: 1 conversation, 2 questions, none answered; its ticket answered in 1 working hour (in time)
    assert '<th scope="row">精河县</th><td>1</td><td>2</td><td>0.0%</td><td>1</td><td>100.0%</td>' in html
    assert "&lt;b&gt;赵&lt;/b&gt;" in html and "<b>赵</b>" not in html  # a roster name, escaped
    assert f"/analytics/people.csv?{PERIOD.replace('&', '&amp;')}" in html


def test_every_table_as_csv_for_a_spreadsheet(browser, record):
    sign_in(browser, "officer-hr")
    response = browser.get(f"/analytics/people.csv?{PERIOD}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="analytics-people-20260608-20260610.csv"' in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["工作人员", "工单", "响应率"]
    assert rows[1][:3] == [f"'{EVIL} (staff-evil)", "1", "100.0%"]  # a formula would not run
    for table in ("overview", "days", "topics", "outcomes", "unanswered", "ratings", "districts"):
        assert browser.get(f"/analytics/{table}.csv?{PERIOD}").status_code == 200, table
    days = browser.get(f"/analytics/days.csv?{PERIOD}").content.decode("utf-8-sig").splitlines()
    assert days == ["日期,会话,提问,已答复", "2026-06-08,1,1,1", "2026-06-09,1,2,0", "2026-06-10,1,1,1"]
    assert browser.get(f"/analytics/nothing.csv?{PERIOD}").status_code == 404


def test_safe_cells():
    assert [safe_cell(value) for value in ("=1+1", "+1", "-1", "@x", "\tx", "1", "—", "博乐市")] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "1", "—", "博乐市",
    ]  # fmt: skip
    body = csv_body(Table("t", ["a", "b"], [['=cmd|"/c calc"!A0', "x,y"]]))
    assert body == '\ufeffa,b\r\n"\'=cmd|""/c calc""!A0","x,y"\r\n'.encode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-06-10&to=2026-06-01", "开始日期晚于结束日期"),
        ("from=2026-13-01", "日期格式应为"),
        ("from=2025-01-01&to=2026-06-01", "时段最长366天"),
        ("district=火星", "这不是您可以查看的地区"),
    ],
)
def test_bad_filters_are_named(browser, record, query, message):
    sign_in(browser, "officer-hr")
    page = browser.get(f"/analytics?{query}")
    assert page.status_code == 400
    assert message in page.text and 'role="img"' not in page.text
    assert browser.get(f"/analytics/days.csv?{query}").status_code == 400


def test_an_officer_sees_their_districts_only(browser, record):
    sign_in(browser, "officer-jinghe")
    html = browser.get(f"/analytics?{PERIOD}").text
    assert "地区：精河县" in html and '<option value="博乐市"' not in html
    assert '<th scope="row">博乐市</th>' not in html
    assert "答复评价不区分地区" in html
    districts = browser.get(f"/analytics/districts.csv?{PERIOD}").content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in districts[1:]] == ["精河县"]
    refused = browser.get(f"/analytics?{PERIOD}&district=博乐市")
    assert refused.status_code == 400 and "这不是您可以查看的地区" in refused.text


def test_the_nav_link_only_for_those_who_may_open_it(browser, record):
    sign_in(browser, "staff-bole")
    assert 'href="/analytics"' not in browser.get("/queue").text
    assert browser.get("/analytics").status_code == 403
