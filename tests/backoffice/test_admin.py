"""The administrators' pages through the ASGI stack (SQLite and PostgreSQL): the roster and accounts, the
leader–talent pairs, the registry import and its report, the office hours and the holiday calendar that SLA
deadlines follow at once, the audit log; and who may open them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from starlette.routing import Route

from backoffice.audit import AuditEntry
from backoffice.models import Account
from frontdesk.clock import LOCAL_TZ
from frontdesk.database import session_scope
from people.models import ContactPair, Person, Talent
from tests.backoffice.conftest import ADMIN, PASSWORD, csrf_of, sign_in
from tickets import service
from tickets.models import CalendarDay

REVISION = "adb1670a1966"  # this work's migration
PAGES = {
    "/admin": "管理",
    "/admin/people": "孙书记",
    "/admin/people/new": "添加人员",
    "/admin/people/staff-bole/edit": "王窗口",
    "/admin/pairs": "张教授",
    "/admin/talents": "李医生",
    "/admin/calendar?year=2027": "chinesecalendar 没有 2027 年的数据",
    "/admin/audit": "操作记录",
}
NEW_PERSON = {
    "id": "staff-wenquan",
    "name": "吴窗口",
    "role": "staff",
    "districts": ["温泉县"],
    "topics": ["housing", "schooling"],
    "telegram_user_id": "1003",
    "away_from": "",
    "away_until": "",
    "active": "on",
}


@pytest.fixture
def admin(browser):
    """The test client signed in as the administrator; `admin.csrf` is the session's token."""
    assert sign_in(browser, ADMIN).status_code == 303
    browser.csrf = csrf_of(browser.get("/admin").text)
    return browser


def _audit() -> list[tuple[str, str, str]]:
    with session_scope() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.actor, entry.action, entry.subject) for entry in rows]


def _admin_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) of the administration, with sample values for the path's parameters."""
    samples = {"{person_id}": "staff-bole", "{pair_id:int}": "1", "{year:int}": "2027"}
    found = []
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/admin"):
            path = route.path
            for name, value in samples.items():
                path = path.replace(name, value)
            found += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def test_each_administration_page_opens_for_the_administrator(admin):
    for path, text in PAGES.items():
        page = admin.get(path)
        assert page.status_code == 200, path
        assert text in page.text, path
        assert 'aria-current="page"' in page.text and "13900001234" not in page.text


def test_the_administration_is_refused_to_staff_and_leaders_and_asks_strangers_to_sign_in(app, browser):
    routes = _admin_routes(app)
    assert len(routes) >= 20
    for method, path in routes:
        response = browser.request(method, path, follow_redirects=False)
        if method == "GET":
            assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
        else:
            assert response.status_code == 401, (method, path)
    for person_id in ("staff-bole", "leader-bole"):
        sign_in(browser, person_id)
        csrf = csrf_of(browser.get("/queue").text)
        assert "/admin" not in browser.get("/queue").text.split("<main", 1)[0]  # no link in the navigation
        for method, path in routes:
            data = {"csrf": csrf} if method == "POST" else None
            response = browser.request(method, path, data=data, follow_redirects=False)
            assert response.status_code == 403, (person_id, method, path)
            assert "您没有权限打开此页面" in response.text
    assert _audit() == []


def test_a_person_is_added_and_edited_with_every_field_checked(admin):
    created = admin.post("/admin/people/new", data={**NEW_PERSON, "csrf": admin.csrf}, follow_redirects=False)
    assert (
        created.status_code == 303
        and created.headers["location"] == "/admin/people/staff-wenquan/edit?done=created"
    )
    page = admin.get(created.headers["location"])
    assert "已添加到名册" in page.text and 'value="吴窗口"' in page.text
    with session_scope() as session:
        person = session.get(Person, "staff-wenquan")
        assert (person.level, person.districts, person.topics, person.telegram_user_id, person.active) == (
            1,
            ["温泉县"],
            ["housing", "schooling"],
            1003,
            True,
        )

    edited = admin.post(
        "/admin/people/staff-wenquan/edit",
        data={
            **NEW_PERSON,
            "role": "officer",
            "districts": ["温泉县", "精河县"],
            "csrf": admin.csrf,
            "away_from": "2027-01-10T09:00",
            "away_until": "2027-01-20T18:00",
        },
        follow_redirects=False,
    )
    assert edited.status_code == 303 and edited.headers["location"].endswith("done=saved")
    with session_scope() as session:
        person = session.get(Person, "staff-wenquan")
        assert person.level == 2 and person.districts == ["温泉县", "精河县"]
        assert person.away_from == dt.datetime(2027, 1, 10, 9, tzinfo=LOCAL_TZ)
        assert person.away_until == dt.datetime(2027, 1, 20, 18, tzinfo=LOCAL_TZ)
        assert not service.available(person, now=dt.datetime(2027, 1, 15, tzinfo=LOCAL_TZ))
        assert service.available(person, now=dt.datetime(2027, 1, 5, tzinfo=LOCAL_TZ))

    refused = admin.post(
        "/admin/people/new",
        data={
            "id": "x",
            "name": "",
            "role": "mayor",
            "districts": ["乌鲁木齐市"],
            "telegram_user_id": "abc",
            "away_from": "2027-13-01",
            "away_until": "",
            "active": "on",
            "csrf": admin.csrf,
        },
    )
    assert refused.status_code == 400
    for message in (
        "工作人员编号：只能使用字母、数字和 . _ -，2 至 60 个字符",
        "姓名：必填",
        "角色（级别）：请从列出的选项中选择",
        "负责县市：含有未知的值",
        "负责事项：必填",
        "Telegram 用户 ID：应为正整数",
        "外出开始：日期时间格式不正确",
    ):
        assert message in refused.text, message
    assert 'aria-invalid="true"' in refused.text and 'value="乌鲁木齐市"' not in refused.text

    taken = admin.post(
        "/admin/people/staff-wenquan/edit",
        data={
            **NEW_PERSON,
            "telegram_user_id": "1001",
            "away_from": "2027-01-20T09:00",
            "away_until": "2027-01-10T09:00",
            "csrf": admin.csrf,
        },
    )
    assert taken.status_code == 400 and "外出结束时间须晚于开始时间" in taken.text
    taken = admin.post(
        "/admin/people/staff-wenquan/edit",
        data={**NEW_PERSON, "telegram_user_id": "1001", "csrf": admin.csrf},
    )
    assert taken.status_code == 400 and "Telegram 用户 ID：已被名册中的其他人使用" in taken.text
    again = admin.post("/admin/people/new", data={**NEW_PERSON, "telegram_user_id": "", "csrf": admin.csrf})
    assert again.status_code == 400 and "工作人员编号：已被名册中的其他人使用" in again.text
    with session_scope() as session:  # nothing of the refused forms was saved
        person = session.get(Person, "staff-wenquan")
        assert person.telegram_user_id == 1003 and person.level == 2 and person.name == "吴窗口"
        assert session.get(Person, "x") is None

    admin.post("/language", data={"csrf": admin.csrf, "language": "en", "next": "/admin"})
    english = admin.post(
        "/admin/people/new", data={**NEW_PERSON, "id": "a b", "name": "", "csrf": admin.csrf}
    )
    assert english.status_code == 400
    assert "Staff ID: Letters, digits and . _ - only" in english.text and "Name: Required" in english.text
    assert [action for _, action, subject in _audit() if subject == "staff-wenquan"] == [
        "person.add",
        "person.edit",
    ]


def test_a_person_gets_an_account_a_new_password_and_is_deactivated(admin, app):
    from starlette.testclient import TestClient

    path = "/admin/people/staff-jinghe"
    with session_scope() as session:
        session.delete(session.get(Account, "staff-jinghe"))
    short = admin.post(
        f"{path}/account", data={"password": "short", "password_again": "short", "csrf": admin.csrf}
    )
    assert short.status_code == 400 and "密码至少需要 12 个字符" in short.text
    differ = admin.post(
        f"{path}/account",
        data={"password": "a new long password", "password_again": "another", "csrf": admin.csrf},
    )
    assert differ.status_code == 400 and "两次输入的密码不一致" in differ.text
    new = "a new long password"
    done = admin.post(
        f"{path}/account",
        data={"password": new, "password_again": new, "language": "en", "csrf": admin.csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("done=account")
    assert (
        admin.post(
            f"{path}/account", data={"password": new, "password_again": new, "csrf": admin.csrf}
        ).status_code
        == 400
    )
    with TestClient(app, base_url="http://127.0.0.1:8080") as other:
        assert sign_in(other, "staff-jinghe", new).status_code == 303
        assert "Tickets" in other.get("/queue").text
        reset = "the password reset by hr"
        admin.post(f"{path}/password", data={"password": reset, "password_again": reset, "csrf": admin.csrf})
        assert other.get("/queue", follow_redirects=False).status_code == 303  # their session ended
        assert sign_in(other, "staff-jinghe", new).status_code == 401
        assert sign_in(other, "staff-jinghe", reset).status_code == 303
        off = admin.post(f"{path}/deactivate", data={"csrf": admin.csrf}, follow_redirects=False)
        assert off.status_code == 303
        assert other.get("/queue", follow_redirects=False).status_code == 303
        assert sign_in(other, "staff-jinghe", reset).status_code == 401
    myself = admin.post(f"/admin/people/{ADMIN}/deactivate", data={"csrf": admin.csrf})
    assert myself.status_code == 409 and "不能停用自己的账号" in myself.text
    with session_scope() as session:
        assert session.get(Person, ADMIN).active and not session.get(Person, "staff-jinghe").active
    assert [(action, subject) for _, action, subject in _audit()] == [
        ("account.create", "staff-jinghe"),
        ("account.password", "staff-jinghe"),
        ("person.deactivate", "staff-jinghe"),
    ]
    page = admin.get(f"{path}/edit").text
    assert new not in page and reset not in page


def test_pairs_are_added_and_removed(admin):
    def add(person_id: str, card: str):
        return admin.post(
            "/admin/pairs",
            data={"person_id": person_id, "card_number": card, "csrf": admin.csrf},
            follow_redirects=False,
        )

    assert add("leader-region", "bz2026c002").status_code == 303
    assert "精河县" in admin.get("/admin/pairs").text
    for person_id, card, message in (
        ("staff-bole", "BZ2026C002", "只有领导可以联系人才"),
        ("leader-region", "BZ0000X000", "人才库中没有这个绿卡号"),
        ("leader-region", "BZ2026C002", "这位领导已经联系该人才"),
        ("nobody", "BZ2026C002", "名册中没有此人"),
        ("", "", "必填"),
    ):
        refused = add(person_id, card)
        assert refused.status_code == 400 and message in refused.text, message
    with session_scope() as session:
        pair = session.scalar(select(ContactPair).where(ContactPair.person_id == "leader-region"))
        pair_id = pair.id
        assert pair.card_number == "BZ2026C002" and session.query(ContactPair).count() == 2
    removed = admin.post(f"/admin/pairs/{pair_id}/remove", data={"csrf": admin.csrf}, follow_redirects=False)
    assert removed.status_code == 303
    assert admin.post(f"/admin/pairs/{pair_id}/remove", data={"csrf": admin.csrf}).status_code == 404
    with session_scope() as session:
        assert session.query(ContactPair).count() == 1
    assert [(action, subject) for _, action, subject in _audit()] == [
        ("pair.add", "leader-region"),
        ("pair.remove", "leader-region"),
    ]


REGISTRY_CSV = """card_number,name,tier,district,phone
BZ2026A001,张教授,A类,博乐市,13900009999
BZ2027B003,陈工程师,B类,温泉县,13811112222
BZ2027X004,刘老师,Z类,精河县,13833334444
BZ2027B005,何医生,B类,13855556666,精河县
BZ2027B006,马博士,B类,博乐市,12
,无卡号,C类,博乐市,13877778888
BZ2027B003,陈工程师,B类,温泉县,13811112222
"""


def test_a_registry_csv_is_imported_with_a_report_of_every_rejected_row(admin, caplog):
    files = {"file": ("registry.csv", REGISTRY_CSV.encode("gb18030"), "text/csv")}
    with caplog.at_level("DEBUG"):
        response = admin.post("/admin/talents/import", data={"csrf": admin.csrf}, files=files)
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", response.text)
    assert "已导入 registry.csv：新增 1 人，更新 1 人，5 行未导入。" in text
    for line, reason in (
        (4, "未知的人才类别“Z类”"),
        (5, "未知的县市“•••”"),
        (6, "手机号格式不正确"),
        (7, "缺少绿卡号"),
        (8, "绿卡号 BZ2027B003 在文件中出现了两次"),
    ):
        assert f"<td>{line}</td><td>{reason}" in text, line
    for phone in ("13900009999", "13811112222", "13833334444", "13855556666", "13877778888"):
        assert phone not in response.text and phone not in caplog.text
        assert phone[-4:] not in response.text
    with session_scope() as session:
        assert session.get(Talent, "BZ2027B003").district == "温泉县"
        assert session.get(Talent, "BZ2027X004") is None
    holders = admin.get("/admin/talents?q=陈").text
    assert "陈工程师" in holders and "B类" in holders and "张教授" not in holders
    assert _audit() == [(ADMIN, "registry.import", "registry.csv")]


def test_a_registry_upload_is_bounded_and_checked(admin):
    def upload(content: bytes, **data):
        files = {"file": ("big.csv", content, "text/csv")}
        return admin.post("/admin/talents/import", data={"csrf": admin.csrf, **data}, files=files)

    assert upload(b"x" * (3 * 1024 * 1024)).status_code == 413
    over = upload(b"card_number,name\n" + b"x" * (2 * 1024 * 1024))
    assert over.status_code == 400 and "文件超过 2 MB" in over.text
    assert upload("card_number,name\n".encode("utf-16")).status_code == 400
    missing = upload(b"card_number,name\nBZ1,x\n")
    assert missing.status_code == 200 and "文件缺少列：tier, district, phone" in missing.text
    forged = admin.post(
        "/admin/talents/import",
        data={"csrf": "forged"},
        files={"file": ("r.csv", REGISTRY_CSV.encode(), "text/csv")},
    )
    assert forged.status_code == 403
    two = admin.post(
        "/admin/talents/import",
        data={"csrf": admin.csrf},
        files=[("file", ("a.csv", b"a", "text/csv")), ("file", ("b.csv", b"b", "text/csv"))],
    )
    assert two.status_code == 400
    none = admin.post("/admin/talents/import", data={"csrf": admin.csrf})
    assert none.status_code == 400 and "请选择一个 CSV 文件" in none.text
    with session_scope() as session:
        assert session.get(Talent, "BZ2027B003") is None


def _first_response_due(start: dt.datetime) -> dt.datetime:
    with session_scope() as session:
        ticket = service.create_ticket(
            session,
            channel="telegram",
            sender_id="telegram:42",
            question="人才公寓怎么申请？",
            reason="talent_request",
            sla=service.default_sla(),
            district="博乐市",
            topic="housing",
            now=start,
        )
        return ticket.first_response_due.astimezone(LOCAL_TZ)


def test_a_2027_holiday_entered_moves_the_next_deadline_at_once(admin):
    eve = dt.datetime(2026, 12, 31, 19, 0, tzinfo=LOCAL_TZ)  # a Thursday, the eve of New Year's Day 2027
    assert _first_response_due(eve) == dt.datetime(2027, 1, 1, 13, 0, tzinfo=LOCAL_TZ)  # Monday–Friday
    lines = "2027-01-01 holiday 元旦\n# 春节\n2027-02-06 workday 调休\n2027-02-10..2027-02-16 休 春节\n"
    saved = admin.post(
        "/admin/calendar/2027", data={"lines": lines, "csrf": admin.csrf}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert _first_response_due(eve) == dt.datetime(2027, 1, 4, 13, 0, tzinfo=LOCAL_TZ)  # after the weekend
    friday = dt.datetime(2027, 2, 5, 19, 0, tzinfo=LOCAL_TZ)
    assert _first_response_due(friday) == dt.datetime(
        2027, 2, 6, 13, 0, tzinfo=LOCAL_TZ
    )  # an adjusted Saturday
    page = admin.get("/admin/calendar?year=2027").text
    assert "2027-02-16 holiday 春节" in page and "星期六" in page and "已保存该年的安排" not in page

    one_day = admin.post(
        "/admin/calendar/2027/day",
        data={"day": "2027-01-04", "kind": "holiday", "name": "补假", "csrf": admin.csrf},
        follow_redirects=False,
    )
    assert one_day.status_code == 303
    assert _first_response_due(eve) == dt.datetime(2027, 1, 5, 13, 0, tzinfo=LOCAL_TZ)
    admin.post("/admin/calendar/2027/remove", data={"day": "2027-01-04", "csrf": admin.csrf})
    assert _first_response_due(eve) == dt.datetime(2027, 1, 4, 13, 0, tzinfo=LOCAL_TZ)

    hours = admin.post(
        "/admin/office-hours",
        data={"office_hours": "09:00-17:00", "action": "save", "year": "2027", "csrf": admin.csrf},
        follow_redirects=False,
    )
    assert hours.status_code == 303
    assert _first_response_due(eve) == dt.datetime(2027, 1, 4, 13, 0, tzinfo=LOCAL_TZ)  # 9:00 + 4 h
    monday = dt.datetime(2027, 1, 4, 15, 0, tzinfo=LOCAL_TZ)
    assert _first_response_due(monday) == dt.datetime(2027, 1, 5, 11, 0, tzinfo=LOCAL_TZ)
    bad = admin.post(
        "/admin/office-hours", data={"office_hours": "17:00-09:00", "action": "save", "csrf": admin.csrf}
    )
    assert bad.status_code == 400 and "办公时间格式不正确" in bad.text
    admin.post("/admin/office-hours", data={"action": "default", "csrf": admin.csrf})
    assert _first_response_due(monday) == dt.datetime(2027, 1, 4, 20, 0, tzinfo=LOCAL_TZ)  # 16:00–20:00
    assert _first_response_due(eve) == dt.datetime(2027, 1, 4, 13, 0, tzinfo=LOCAL_TZ)
    assert [action for _, action, _ in _audit()] == [
        "calendar.year",
        "calendar.day",
        "calendar.remove",
        "office_hours",
        "office_hours",
    ]
    audit_page = admin.get("/admin/audit").text
    assert (
        "录入整年节假日" in audit_page and "2027-01-01 holiday 元旦" in audit_page and "钱科长" in audit_page
    )


def test_bad_calendar_lines_are_rejected_with_their_line_numbers_and_nothing_saved(admin):
    lines = "\n".join(
        (
            "2027-01-01 holiday 元旦",
            "2027-02-30 holiday 春节",
            "2027-02-07 weekend 调休",
            "2026-12-31 holiday 跨年",
            "2027-01-01 workday 重复",
            "2027-03-01",
            "2027-05-05..2027-05-01 holiday 劳动节",
        )
    )
    refused = admin.post("/admin/calendar/2027", data={"lines": lines, "csrf": admin.csrf})
    assert refused.status_code == 400
    for message in (
        "第 2 行：“2027-02-30”不是有效日期",
        "第 3 行：未知的类型“weekend”",
        "第 4 行：2026-12-31 不在本页的年份内",
        "第 5 行：2027-01-01 已在第 1 行出现",
        "第 6 行：应为“日期 类型 名称”",
        "第 7 行：日期范围“2027-05-05..2027-05-01”无效",
    ):
        assert message in refused.text, message
    assert "第 1 行" not in refused.text.replace("已在第 1 行", "")
    assert "2027-05-05..2027-05-01 holiday 劳动节" in refused.text  # the text comes back to be corrected
    bad_day = admin.post("/admin/calendar/2027/day", data={"day": "", "kind": "holiday", "csrf": admin.csrf})
    assert bad_day.status_code == 400
    with session_scope() as session:
        assert session.query(CalendarDay).count() == 0
    assert _audit() == []


def test_the_migration_of_the_administration_upgrades_and_downgrades_with_data(office_database):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from frontdesk import database
    from frontdesk.config import PROJECT_ROOT

    engine = database.get_engine()
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False

    def migrate(step, revision: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    with session_scope() as session:
        session.add(CalendarDay(day=dt.date(2027, 1, 1), working=False, name="元旦"))
    migrate(command.downgrade, f"{REVISION}-1")
    inspector = inspect(engine)
    assert not {"calendar_days", "working_time", "backoffice_audit"} & set(inspector.get_table_names())
    assert "away_from" not in {column["name"] for column in inspector.get_columns("roster_people")}
    migrate(command.upgrade, "head")
    with session_scope() as session:  # the accounts and pairs of the roster survived the round trip
        assert session.query(Account).count() == 5 and session.query(ContactPair).count() == 1
        assert session.query(CalendarDay).count() == 0
    assert sign_in_works(office_database)


def sign_in_works(url: str) -> bool:
    from starlette.testclient import TestClient

    from backoffice.app import create_app
    from frontdesk.config import Settings

    app = create_app(Settings(_env_file=None, database_url=url, backoffice_secure_cookies=False))
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        return sign_in(client, ADMIN, PASSWORD).status_code == 303 and client.get("/admin").status_code == 200
